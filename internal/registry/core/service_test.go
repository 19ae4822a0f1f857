package core

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func newService(name string, typ corev1.ServiceType, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       corev1.ServiceSpec{Type: typ, Ports: ports, Selector: map[string]string{"app": name}},
	}
}

func TestDefaultService(t *testing.T) {
	cases := []struct {
		name string
		in   *corev1.Service
		want func(s *corev1.Service)
	}{
		{"cluster IP", newService("web", "", corev1.ServicePort{Port: 80}), func(s *corev1.Service) {
			s.Spec.Type = corev1.ServiceTypeClusterIP
			s.Spec.SessionAffinity = corev1.ServiceAffinityNone
			s.Spec.Ports[0].Protocol = corev1.ProtocolTCP
			s.Spec.Ports[0].TargetPort = intstr.FromInt32(80)
			s.Spec.InternalTrafficPolicy = ptrTo(corev1.ServiceInternalTrafficPolicyCluster)
		}},
		{"load balancer with client IP affinity", func() *corev1.Service {
			s := newService("lb", corev1.ServiceTypeLoadBalancer, corev1.ServicePort{Port: 443, TargetPort: intstr.FromString("https")})
			s.Spec.SessionAffinity = corev1.ServiceAffinityClientIP
			return s
		}(), func(s *corev1.Service) {
			s.Spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptrTo(int32(10800))}}
			s.Spec.Ports[0].Protocol = corev1.ProtocolTCP
			s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
			s.Spec.InternalTrafficPolicy = ptrTo(corev1.ServiceInternalTrafficPolicyCluster)
			s.Spec.AllocateLoadBalancerNodePorts = ptrTo(true)
		}},
		{"external name", func() *corev1.Service {
			s := newService("ext", corev1.ServiceTypeExternalName)
			s.Spec.ExternalName = "example.com"
			return s
		}(), func(s *corev1.Service) { s.Spec.SessionAffinity = corev1.ServiceAffinityNone }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.in.DeepCopy()
			tc.want(want)
			got := tc.in.DeepCopy()
			DefaultService(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("DefaultService (-want +got):\n%s", diff)
			}
			again := got.DeepCopy()
			DefaultService(again)
			if diff := cmp.Diff(got, again); diff != "" {
				t.Errorf("not idempotent (-once +twice):\n%s", diff)
			}
		})
	}
}

func TestValidateService(t *testing.T) {
	defaulted := func(s *corev1.Service, f func(s *corev1.Service)) *corev1.Service {
		if f != nil {
			f(s)
		}
		DefaultService(s)
		return s
	}
	cases := []struct {
		name string
		svc  *corev1.Service
		want []string
	}{
		{"valid", defaulted(newService("web", "", corev1.ServicePort{Port: 80}), nil), nil},
		{"name must be DNS-1035", defaulted(newService("1web", "", corev1.ServicePort{Port: 80}), nil),
			[]string{"FieldValueInvalid metadata.name"}},
		{"ports required", defaulted(newService("web", ""), nil), []string{"FieldValueRequired spec.ports"}},
		{"headless needs no ports", defaulted(newService("web", ""), func(s *corev1.Service) { s.Spec.ClusterIP = "None" }), nil},
		{"port names required and unique", defaulted(newService("web", "",
			corev1.ServicePort{Port: 80}, corev1.ServicePort{Name: "a", Port: 81}, corev1.ServicePort{Name: "a", Port: 0, Protocol: "ICMP"}), nil),
			[]string{
				"FieldValueRequired spec.ports[0].name",
				"FieldValueDuplicate spec.ports[2].name",
				"FieldValueInvalid spec.ports[2].port",
				"FieldValueNotSupported spec.ports[2].protocol",
				"FieldValueInvalid spec.ports[2].targetPort",
			}},
		{"bad cluster IP", defaulted(newService("web", "", corev1.ServicePort{Port: 80}), func(s *corev1.Service) { s.Spec.ClusterIP = "10.0.0.999" }),
			[]string{"FieldValueInvalid spec.clusterIPs[0]"}},
		{"bad type", defaulted(newService("web", "Magic", corev1.ServicePort{Port: 80}), nil),
			[]string{"FieldValueNotSupported spec.type"}},
		{"external name must be DNS", defaulted(newService("ext", corev1.ServiceTypeExternalName), func(s *corev1.Service) { s.Spec.ExternalName = "not_dns" }),
			[]string{"FieldValueInvalid spec.externalName"}},
		{"node port on cluster IP", defaulted(newService("web", "", corev1.ServicePort{Port: 80, NodePort: 30000}), nil),
			[]string{"FieldValueForbidden spec.ports[0].nodePort"}},
		{"bad selector", defaulted(newService("web", "", corev1.ServicePort{Port: 80}), func(s *corev1.Service) { s.Spec.Selector = map[string]string{"a": "b c"} }),
			[]string{"FieldValueInvalid spec.selector"}},
		{"headless NodePort", defaulted(newService("web", corev1.ServiceTypeNodePort, corev1.ServicePort{Port: 80}), func(s *corev1.Service) { s.Spec.ClusterIP = "None" }),
			[]string{"FieldValueInvalid spec.clusterIPs[0]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkErrs(t, ValidateService(tc.svc), tc.want...)
		})
	}
}

func TestValidateServiceUpdate(t *testing.T) {
	old := newService("web", "", corev1.ServicePort{Port: 80})
	old.Spec.ClusterIP = "10.96.0.10"
	old.ResourceVersion = "1"
	DefaultService(old)

	svc := old.DeepCopy()
	svc.Spec.ClusterIP, svc.Spec.ClusterIPs = "10.96.0.11", []string{"10.96.0.11"}
	checkErrs(t, ValidateServiceUpdate(svc, old), "FieldValueInvalid spec.clusterIPs[0]")
	if errs := ValidateServiceUpdate(svc, old); len(errs) == 1 && errs[0].Detail != "may not change once set" {
		t.Errorf("detail = %q", errs[0].Detail)
	}

	// Moving to ExternalName releases the IP.
	svc = old.DeepCopy()
	svc.Spec.Type = corev1.ServiceTypeExternalName
	svc.Spec.ExternalName = "example.com"
	svc.Spec.ClusterIP, svc.Spec.ClusterIPs, svc.Spec.InternalTrafficPolicy = "", nil, nil
	checkErrs(t, ValidateServiceUpdate(svc, old))
}

func TestValidateServiceStatusUpdate(t *testing.T) {
	old := newService("lb", corev1.ServiceTypeLoadBalancer, corev1.ServicePort{Port: 80})
	old.ResourceVersion = "1"
	DefaultService(old)
	svc := old.DeepCopy()
	svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "1.2.3.4"}, {Hostname: "1.2.3.4"}}
	checkErrs(t, ValidateServiceStatusUpdate(svc, old),
		"FieldValueRequired status.loadBalancer.ingress[0].ipMode",
		"FieldValueInvalid status.loadBalancer.ingress[1].hostname")
}

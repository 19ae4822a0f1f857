package networking

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

func errSummary(errs field.ErrorList) []string {
	var out []string
	for _, e := range errs {
		out = append(out, string(e.Type)+" "+e.Field)
	}
	return out
}

func ingress(mut ...func(*networkingv1.Ingress)) *networkingv1.Ingress {
	ing := &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"},
		Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{
			Host: "*.example.com",
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{
					Path:     "/api",
					PathType: ptr.To(networkingv1.PathTypePrefix),
					Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
						Name: "api", Port: networkingv1.ServiceBackendPort{Number: 80},
					}},
				}},
			}},
		}}},
	}
	for _, m := range mut {
		m(ing)
	}
	return ing
}

func path0(ing *networkingv1.Ingress) *networkingv1.HTTPIngressPath {
	return &ing.Spec.Rules[0].HTTP.Paths[0]
}

func TestValidateIngress(t *testing.T) {
	const p = "spec.rules[0].http.paths[0]"
	tests := []struct {
		name string
		ing  *networkingv1.Ingress
		want []string
	}{
		{"valid", ingress(), nil},
		{"no rules or backend", ingress(func(i *networkingv1.Ingress) { i.Spec.Rules = nil }), []string{"FieldValueInvalid spec"}},
		{"no pathType", ingress(func(i *networkingv1.Ingress) { path0(i).PathType = nil }), []string{"FieldValueRequired " + p + ".pathType"}},
		{"bad pathType", ingress(func(i *networkingv1.Ingress) { path0(i).PathType = ptr.To(networkingv1.PathType("Regex")) }),
			[]string{"FieldValueNotSupported " + p + ".pathType"}},
		{"relative path", ingress(func(i *networkingv1.Ingress) { path0(i).Path = "api" }), []string{"FieldValueInvalid " + p + ".path"}},
		{"dot segment", ingress(func(i *networkingv1.Ingress) { path0(i).Path = "/a/../b" }), []string{"FieldValueInvalid " + p + ".path"}},
		{"impl specific empty ok", ingress(func(i *networkingv1.Ingress) {
			path0(i).PathType = ptr.To(networkingv1.PathTypeImplementationSpecific)
			path0(i).Path = ""
		}), nil},
		{"both backends", ingress(func(i *networkingv1.Ingress) {
			path0(i).Backend.Resource = &corev1.TypedLocalObjectReference{Kind: "Bucket", Name: "b"}
		}), []string{"FieldValueInvalid " + p + ".backend"}},
		{"no backend", ingress(func(i *networkingv1.Ingress) { path0(i).Backend.Service = nil }), []string{"FieldValueInvalid " + p + ".backend"}},
		{"port name and number", ingress(func(i *networkingv1.Ingress) { path0(i).Backend.Service.Port.Name = "http" }),
			[]string{"FieldValueInvalid " + p + ".backend"}},
		{"no port", ingress(func(i *networkingv1.Ingress) { path0(i).Backend.Service.Port.Number = 0 }),
			[]string{"FieldValueRequired " + p + ".backend"}},
		{"bad port", ingress(func(i *networkingv1.Ingress) { path0(i).Backend.Service.Port.Number = 70000 }),
			[]string{"FieldValueInvalid " + p + ".backend.service.port.number"}},
		{"ip host", ingress(func(i *networkingv1.Ingress) { i.Spec.Rules[0].Host = "1.2.3.4" }),
			[]string{"FieldValueInvalid spec.rules[0].host"}},
		{"bad wildcard", ingress(func(i *networkingv1.Ingress) { i.Spec.Rules[0].Host = "foo.*.com" }),
			[]string{"FieldValueInvalid spec.rules[0].host"}},
		{"tls hosts", ingress(func(i *networkingv1.Ingress) {
			i.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{"*.ok.com", "Bad_Host"}, SecretName: "tls"}}
		}), []string{"FieldValueInvalid spec.tls[0].hosts[1]"}},
		{"class mismatch", ingress(func(i *networkingv1.Ingress) {
			i.Annotations = map[string]string{ingressClassAnnotation: "a"}
			i.Spec.IngressClassName = ptr.To("b")
		}), []string{"FieldValueInvalid annotations.kubernetes.io/ingress.class"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, errSummary(ValidateIngress(tc.ing))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIngressClass(t *testing.T) {
	ic := &networkingv1.IngressClass{
		ObjectMeta: metav1.ObjectMeta{Name: "nginx", ResourceVersion: "1"},
		Spec: networkingv1.IngressClassSpec{
			Controller: "example.com/ingress",
			Parameters: &networkingv1.IngressClassParametersReference{Kind: "Params", Name: "p"},
		},
	}
	DefaultIngressClass(ic)
	if got := ptr.Deref(ic.Spec.Parameters.Scope, ""); got != "Cluster" {
		t.Errorf("scope = %q, want Cluster", got)
	}
	if errs := ValidateIngressClass(ic); len(errs) != 0 {
		t.Errorf("valid: %v", errs)
	}
	bad := ic.DeepCopy()
	bad.Spec.Parameters.Scope = ptr.To("Namespace")
	bad.Spec.Controller = "nginx"
	want := []string{"FieldValueInvalid spec.controller", "FieldValueRequired spec.parameters.namespace"}
	if diff := cmp.Diff(want, errSummary(ValidateIngressClass(bad))); diff != "" {
		t.Errorf("invalid (-want +got):\n%s", diff)
	}
	upd := ic.DeepCopy()
	upd.Spec.Controller = "example.com/other"
	if diff := cmp.Diff([]string{"FieldValueInvalid spec.controller"}, errSummary(ValidateIngressClassUpdate(upd, ic))); diff != "" {
		t.Errorf("update (-want +got):\n%s", diff)
	}
}

func TestDefaultNetworkPolicy(t *testing.T) {
	np := &networkingv1.NetworkPolicy{Spec: networkingv1.NetworkPolicySpec{
		Egress: []networkingv1.NetworkPolicyEgressRule{{Ports: []networkingv1.NetworkPolicyPort{{}}}},
	}}
	DefaultNetworkPolicy(np)
	want := networkingv1.NetworkPolicySpec{
		Egress:      []networkingv1.NetworkPolicyEgressRule{{Ports: []networkingv1.NetworkPolicyPort{{Protocol: ptr.To(corev1.ProtocolTCP)}}}},
		PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
	}
	if diff := cmp.Diff(want, np.Spec); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	only := &networkingv1.NetworkPolicy{}
	DefaultNetworkPolicy(only)
	if diff := cmp.Diff([]networkingv1.PolicyType{networkingv1.PolicyTypeIngress}, only.Spec.PolicyTypes); diff != "" {
		t.Errorf("ingress only (-want +got):\n%s", diff)
	}
}

func TestValidateNetworkPolicy(t *testing.T) {
	np := func(mut func(*networkingv1.NetworkPolicySpec)) *networkingv1.NetworkPolicy {
		p := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "np", Namespace: "ns"}}
		mut(&p.Spec)
		DefaultNetworkPolicy(p)
		return p
	}
	port := func(p intstr.IntOrString, end *int32) networkingv1.NetworkPolicyPort {
		return networkingv1.NetworkPolicyPort{Port: &p, EndPort: end}
	}
	tests := []struct {
		name string
		np   *networkingv1.NetworkPolicy
		want []string
	}{
		{"valid", np(func(s *networkingv1.NetworkPolicySpec) {
			s.Ingress = []networkingv1.NetworkPolicyIngressRule{{
				Ports: []networkingv1.NetworkPolicyPort{port(intstr.FromInt32(80), ptr.To[int32](90)), port(intstr.FromString("http"), nil)},
				From:  []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8", Except: []string{"10.1.0.0/16"}}}},
			}}
		}), nil},
		{"endPort below port", np(func(s *networkingv1.NetworkPolicySpec) {
			s.Ingress = []networkingv1.NetworkPolicyIngressRule{{Ports: []networkingv1.NetworkPolicyPort{port(intstr.FromInt32(80), ptr.To[int32](70))}}}
		}), []string{"FieldValueInvalid spec.ingress[0].ports[0].endPort"}},
		{"endPort with named port", np(func(s *networkingv1.NetworkPolicySpec) {
			s.Ingress = []networkingv1.NetworkPolicyIngressRule{{Ports: []networkingv1.NetworkPolicyPort{port(intstr.FromString("http"), ptr.To[int32](70))}}}
		}), []string{"FieldValueInvalid spec.ingress[0].ports[0].endPort"}},
		{"empty peer", np(func(s *networkingv1.NetworkPolicySpec) {
			s.Egress = []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{}}}}
		}), []string{"FieldValueRequired spec.egress[0].to[0]"}},
		{"ipBlock with selector", np(func(s *networkingv1.NetworkPolicySpec) {
			s.Egress = []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{
				IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8"}, PodSelector: &metav1.LabelSelector{},
			}}}}
		}), []string{"FieldValueForbidden spec.egress[0].to[0]"}},
		{"except not subset", np(func(s *networkingv1.NetworkPolicySpec) {
			s.Egress = []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{
				IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/16", Except: []string{"10.0.0.0/16", "192.168.0.0/24", "nope"}},
			}}}}
		}), []string{
			"FieldValueInvalid spec.egress[0].to[0].ipBlock.except[0]",
			"FieldValueInvalid spec.egress[0].to[0].ipBlock.except[1]",
			"FieldValueInvalid spec.egress[0].to[0].ipBlock.except[2]",
		}},
		{"bad policy type", np(func(s *networkingv1.NetworkPolicySpec) { s.PolicyTypes = []networkingv1.PolicyType{"Sideways"} }),
			[]string{"FieldValueNotSupported spec.policyTypes[0]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, errSummary(ValidateNetworkPolicy(tc.np))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

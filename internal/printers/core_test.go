package printers

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func coreKind(kind string) schema.GroupKind { return schema.GroupKind{Kind: kind} }

func TestNodeRow(t *testing.T) {
	node := func(labels map[string]string, unschedulable bool, conditions ...corev1.NodeCondition) *corev1.Node {
		n := &corev1.Node{ObjectMeta: objMeta("n1")}
		n.Namespace = ""
		n.Labels = labels
		n.Spec.Unschedulable = unschedulable
		n.Status.Conditions = conditions
		n.Status.NodeInfo.KubeletVersion = "v1.37.0"
		return n
	}
	ready := func(s corev1.ConditionStatus) corev1.NodeCondition {
		return corev1.NodeCondition{Type: corev1.NodeReady, Status: s}
	}
	pressure := corev1.NodeCondition{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionTrue}

	full := node(nil, false, ready(corev1.ConditionTrue))
	full.Status.Addresses = []corev1.NodeAddress{
		{Type: corev1.NodeHostName, Address: "n1"},
		{Type: corev1.NodeInternalIP, Address: "10.0.0.1"},
		{Type: corev1.NodeInternalIP, Address: "10.0.0.2"},
		{Type: corev1.NodeExternalIP, Address: "203.0.113.1"},
	}
	full.Status.NodeInfo.OSImage = "Debian GNU/Linux 13"
	full.Status.NodeInfo.KernelVersion = "6.12.0"
	full.Status.NodeInfo.ContainerRuntimeVersion = "containerd://2.1.0"

	tests := []struct {
		name string
		node *corev1.Node
		want []interface{}
	}{
		{"ready, roles from both label styles",
			node(map[string]string{
				"node-role.kubernetes.io/control-plane": "",
				"node-role.kubernetes.io/":              "",
				"kubernetes.io/role":                    "worker",
				"node-role.kubernetes.io/worker":        "true",
			}, false, pressure, ready(corev1.ConditionTrue)),
			[]interface{}{"n1", "Ready", "control-plane,worker", "10m", "v1.37.0", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"}},
		{"not ready, cordoned", node(nil, true, ready(corev1.ConditionFalse)),
			[]interface{}{"n1", "NotReady,SchedulingDisabled", "<none>", "10m", "v1.37.0", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"}},
		{"ready unknown", node(nil, false, ready(corev1.ConditionUnknown)),
			[]interface{}{"n1", "NotReady", "<none>", "10m", "v1.37.0", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"}},
		{"no ready condition, cordoned", node(map[string]string{"kubernetes.io/role": ""}, true),
			[]interface{}{"n1", "Unknown,SchedulingDisabled", "<none>", "10m", "v1.37.0", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"}},
		{"wide cells", full,
			[]interface{}{"n1", "Ready", "<none>", "10m", "v1.37.0", "10.0.0.1", "203.0.113.1", "Debian GNU/Linux 13", "6.12.0", "containerd://2.1.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, rowOfKind(t, coreKind("Node"), tt.node)); diff != "" {
				t.Errorf("row (-want +got):\n%s", diff)
			}
		})
	}
}

func TestServiceRow(t *testing.T) {
	svc := func(typ corev1.ServiceType, mutate func(*corev1.Service)) *corev1.Service {
		s := &corev1.Service{ObjectMeta: objMeta("web")}
		s.Spec.Type = typ
		s.Spec.ClusterIP = "10.96.0.10"
		s.Spec.ClusterIPs = []string{"10.96.0.10", "fd00::10"}
		s.Spec.Selector = map[string]string{"app": "web"}
		s.Spec.Ports = []corev1.ServicePort{{Port: 80, Protocol: corev1.ProtocolTCP}}
		if mutate != nil {
			mutate(s)
		}
		return s
	}
	tests := []struct {
		name string
		svc  *corev1.Service
		want []interface{}
	}{
		{"cluster IP", svc(corev1.ServiceTypeClusterIP, nil),
			[]interface{}{"web", "ClusterIP", "10.96.0.10", "<none>", "80/TCP", "10m", "app=web"}},
		{"headless without ports or selector", svc(corev1.ServiceTypeClusterIP, func(s *corev1.Service) {
			s.Spec.ClusterIP, s.Spec.ClusterIPs, s.Spec.Ports, s.Spec.Selector = "None", []string{"None"}, nil, nil
		}), []interface{}{"web", "ClusterIP", "None", "<none>", "<none>", "10m", "<none>"}},
		{"cluster IP with external IPs", svc(corev1.ServiceTypeClusterIP, func(s *corev1.Service) {
			s.Spec.ExternalIPs = []string{"198.51.100.1", "198.51.100.2"}
		}), []interface{}{"web", "ClusterIP", "10.96.0.10", "198.51.100.1,198.51.100.2", "80/TCP", "10m", "app=web"}},
		{"node port", svc(corev1.ServiceTypeNodePort, func(s *corev1.Service) {
			s.Spec.Ports = []corev1.ServicePort{
				{Port: 80, NodePort: 30080, Protocol: corev1.ProtocolTCP},
				{Port: 53, NodePort: 30053, Protocol: corev1.ProtocolUDP},
			}
		}), []interface{}{"web", "NodePort", "10.96.0.10", "<none>", "80:30080/TCP,53:30053/UDP", "10m", "app=web"}},
		{"load balancer pending", svc(corev1.ServiceTypeLoadBalancer, func(s *corev1.Service) {
			s.Spec.Ports = []corev1.ServicePort{{Port: 80, NodePort: 31000, Protocol: corev1.ProtocolTCP}, {Port: 443, NodePort: 31443, Protocol: corev1.ProtocolTCP}}
		}), []interface{}{"web", "LoadBalancer", "10.96.0.10", "<pending>", "80:31000/TCP,443:31443/TCP", "10m", "app=web"}},
		{"load balancer ready, long names not clipped", svc(corev1.ServiceTypeLoadBalancer, func(s *corev1.Service) {
			s.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{
				{Hostname: "lb-1234567890.example.com"}, {IP: "203.0.113.9"}, {IP: "203.0.113.9"}, {},
			}
		}), []interface{}{"web", "LoadBalancer", "10.96.0.10", "203.0.113.9,lb-1234567890.example.com", "80/TCP", "10m", "app=web"}},
		{"load balancer with external IPs", svc(corev1.ServiceTypeLoadBalancer, func(s *corev1.Service) {
			s.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "203.0.113.9"}}
			s.Spec.ExternalIPs = []string{"198.51.100.1"}
		}), []interface{}{"web", "LoadBalancer", "10.96.0.10", "203.0.113.9,198.51.100.1", "80/TCP", "10m", "app=web"}},
		{"external name", svc(corev1.ServiceTypeExternalName, func(s *corev1.Service) {
			s.Spec.ClusterIP, s.Spec.ClusterIPs, s.Spec.Ports, s.Spec.Selector = "", nil, nil, nil
			s.Spec.ExternalName = "db.example.com"
		}), []interface{}{"web", "ExternalName", "<none>", "db.example.com", "<none>", "10m", "<none>"}},
		{"no type", svc("", nil),
			[]interface{}{"web", "", "10.96.0.10", "<unknown>", "80/TCP", "10m", "app=web"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, rowOfKind(t, coreKind("Service"), tt.svc)); diff != "" {
				t.Errorf("row (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEndpointsRow(t *testing.T) {
	addrs := func(ips ...string) []corev1.EndpointAddress {
		var a []corev1.EndpointAddress
		for _, ip := range ips {
			a = append(a, corev1.EndpointAddress{IP: ip})
		}
		return a
	}
	tests := []struct {
		name    string
		subsets []corev1.EndpointSubset
		want    string
	}{
		{"none", nil, "<none>"},
		{"headless", []corev1.EndpointSubset{{Addresses: addrs("10.0.0.1", "10.0.0.2")}}, "10.0.0.1,10.0.0.2"},
		{"ports, more than three", []corev1.EndpointSubset{{
			Addresses: addrs("10.0.0.1", "fd00::2"),
			Ports:     []corev1.EndpointPort{{Name: "http", Port: 80}, {Name: "https", Port: 443}},
		}}, "10.0.0.1:80,[fd00::2]:80,10.0.0.1:443 + 1 more..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := &corev1.Endpoints{ObjectMeta: objMeta("web"), Subsets: tt.subsets}
			want := []interface{}{"web", tt.want, "10m"}
			if diff := cmp.Diff(want, rowOfKind(t, coreKind("Endpoints"), ep)); diff != "" {
				t.Errorf("row (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSmallCoreRows(t *testing.T) {
	two := int32(2)
	rc := &corev1.ReplicationController{ObjectMeta: objMeta("rc")}
	rc.Spec.Replicas = &two
	rc.Spec.Selector = map[string]string{"app": "x"}
	rc.Spec.Template = &corev1.PodTemplateSpec{}
	rc.Spec.Template.Spec.Containers = []corev1.Container{{Name: "c", Image: "img"}}
	rc.Status.Replicas, rc.Status.ReadyReplicas = 2, 1

	quota := &corev1.ResourceQuota{ObjectMeta: objMeta("q")}
	quota.Status.Hard = corev1.ResourceList{
		"pods":            resource.MustParse("10"),
		"requests.cpu":    resource.MustParse("2"),
		"limits.memory":   resource.MustParse("4Gi"),
		"limits.cpu":      resource.MustParse("4"),
		"requests.memory": resource.MustParse("1Gi"),
	}
	quota.Status.Used = corev1.ResourceList{"pods": resource.MustParse("3"), "limits.cpu": resource.MustParse("500m")}

	tests := []struct {
		kind string
		obj  runtime.Object
		want []interface{}
	}{
		{"Namespace", &corev1.Namespace{ObjectMeta: objMeta("ns"), Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}},
			[]interface{}{"ns", "Terminating", "10m"}},
		{"ConfigMap", &corev1.ConfigMap{ObjectMeta: objMeta("cm"), Data: map[string]string{"a": "1"}, BinaryData: map[string][]byte{"b": nil}},
			[]interface{}{"cm", int64(2), "10m"}},
		{"Secret", &corev1.Secret{ObjectMeta: objMeta("s"), Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"k": nil}},
			[]interface{}{"s", "Opaque", int64(1), "10m"}},
		{"ServiceAccount", &corev1.ServiceAccount{ObjectMeta: objMeta("default")},
			[]interface{}{"default", int64(0), "10m"}},
		{"ReplicationController", rc,
			[]interface{}{"rc", int64(2), int64(2), int64(1), "10m", "c", "img", "app=x"}},
		{"ResourceQuota", quota,
			[]interface{}{"q", "pods: 3/10, requests.cpu: 0/2, requests.memory: 0/1Gi", "limits.cpu: 500m/4, limits.memory: 0/4Gi", "10m"}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			got := rowOfKind(t, coreKind(tt.kind), tt.obj)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("row (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAges(t *testing.T) {
	tests := []struct {
		created time.Duration
		want    string
	}{
		{30 * time.Second, "30s"},
		{90 * time.Second, "90s"},
		{150 * time.Second, "2m30s"},
		{3 * time.Hour, "3h"},
		{50 * time.Hour, "2d2h"},
		{400 * 24 * time.Hour, "400d"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			ns := &corev1.Namespace{}
			ns.CreationTimestamp = ago(tt.created)
			if got := rowOfKind(t, coreKind("Namespace"), ns)[2]; got != tt.want {
				t.Errorf("age = %v, want %v", got, tt.want)
			}
		})
	}
}

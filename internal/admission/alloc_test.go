package admission

import (
	"net"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/storage"
)

func newAllocator(t *testing.T, cidr, ports string) *ServiceAllocator {
	t.Helper()
	e, err := storage.StartEmbedded(t.Context(), storage.EmbedConfig{DataDir: t.TempDir(), AutoCompaction: -1})
	if err != nil {
		t.Fatalf("start etcd: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	a, err := NewServiceAllocator(storage.NewEtcdStore(e.Client()), cidr, ports)
	if err != nil {
		t.Fatalf("new allocator: %v", err)
	}
	return a
}

func svc(name string, typ corev1.ServiceType, clusterIP string, nodePorts ...int32) *corev1.Service {
	s := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.ServiceSpec{Type: typ, ClusterIP: clusterIP}}
	if len(nodePorts) == 0 {
		nodePorts = []int32{0}
	}
	for i, np := range nodePorts {
		s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Port: int32(80 + i), Protocol: corev1.ProtocolTCP, NodePort: np})
	}
	return s
}

func TestAllocateClusterIPs(t *testing.T) {
	a := newAllocator(t, "10.96.0.0/29", "30000-30002") // 6 usable addresses; .1 stays for kubernetes
	ctx := t.Context()
	seen := map[string]bool{}
	for i := range 5 {
		s := svc("s"+string(rune('a'+i)), corev1.ServiceTypeClusterIP, "")
		if err := a.Allocate(ctx, s, nil, false); err != nil {
			t.Fatalf("allocate %d: %v", i, err)
		}
		if s.Spec.ClusterIP == "10.96.0.1" || seen[s.Spec.ClusterIP] || !a.CIDR().Contains(parseIP(t, s.Spec.ClusterIP)) {
			t.Fatalf("bad or repeated address %s (seen %v)", s.Spec.ClusterIP, seen)
		}
		if len(s.Spec.ClusterIPs) != 1 || s.Spec.ClusterIPs[0] != s.Spec.ClusterIP || s.Spec.IPFamilyPolicy == nil || len(s.Spec.IPFamilies) != 1 {
			t.Fatalf("clusterIPs/families not filled: %+v", s.Spec)
		}
		seen[s.Spec.ClusterIP] = true
	}
	if err := a.Allocate(ctx, svc("full", corev1.ServiceTypeClusterIP, ""), nil, false); err == nil {
		t.Fatal("allocation from a full range succeeded")
	}
	// The first address is free for an explicit request, once.
	k := svc("kubernetes", corev1.ServiceTypeClusterIP, "10.96.0.1")
	if err := a.Allocate(ctx, k, nil, false); err != nil {
		t.Fatalf("explicit first address: %v", err)
	}
	err := a.Allocate(ctx, svc("dup", corev1.ServiceTypeClusterIP, "10.96.0.1"), nil, false)
	if !apierrors.IsInvalid(err) {
		t.Fatalf("duplicate explicit address: got %v, want Invalid", err)
	}
	if err := a.Allocate(ctx, svc("out", corev1.ServiceTypeClusterIP, "10.97.0.9"), nil, false); !apierrors.IsInvalid(err) {
		t.Fatalf("address outside the range: got %v, want Invalid", err)
	}
	// Releasing makes the address available again.
	a.Release(ctx, k)
	if err := a.Allocate(ctx, svc("again", corev1.ServiceTypeClusterIP, "10.96.0.1"), nil, false); err != nil {
		t.Fatalf("reuse after release: %v", err)
	}
}

func TestAllocateNodePorts(t *testing.T) {
	a := newAllocator(t, "10.96.0.0/24", "30000-30002")
	ctx := t.Context()
	np := svc("np", corev1.ServiceTypeNodePort, "", 30001, 0)
	if err := a.Allocate(ctx, np, nil, false); err != nil {
		t.Fatalf("allocate: %v", err)
	}
	if np.Spec.Ports[0].NodePort != 30001 || np.Spec.Ports[1].NodePort < 30000 || np.Spec.Ports[1].NodePort > 30002 {
		t.Fatalf("node ports = %d, %d", np.Spec.Ports[0].NodePort, np.Spec.Ports[1].NodePort)
	}
	if err := a.Allocate(ctx, svc("clash", corev1.ServiceTypeNodePort, "", 30001), nil, false); !apierrors.IsInvalid(err) {
		t.Fatalf("port in use: got %v, want Invalid", err)
	}
	if err := a.Allocate(ctx, svc("range", corev1.ServiceTypeNodePort, "", 31000), nil, false); !apierrors.IsInvalid(err) {
		t.Fatalf("port out of range: got %v, want Invalid", err)
	}
	// Dry run reserves nothing.
	dry := svc("dry", corev1.ServiceTypeNodePort, "")
	if err := a.Allocate(ctx, dry, nil, true); err != nil {
		t.Fatalf("dry run: %v", err)
	}
	// NodePort → ClusterIP keeps the address and frees the ports after the
	// update is stored.
	upd := np.DeepCopy()
	upd.Spec.Type = corev1.ServiceTypeClusterIP
	upd.Spec.ClusterIP, upd.Spec.ClusterIPs = "", nil
	if err := a.Allocate(ctx, upd, np, false); err != nil {
		t.Fatalf("update: %v", err)
	}
	if upd.Spec.ClusterIP != np.Spec.ClusterIP || upd.Spec.Ports[0].NodePort != 0 {
		t.Fatalf("update kept %q/%d", upd.Spec.ClusterIP, upd.Spec.Ports[0].NodePort)
	}
	a.releaseUnused(ctx, upd, np)
	if err := a.Allocate(ctx, svc("taker", corev1.ServiceTypeNodePort, "", 30001), nil, false); err != nil {
		t.Fatalf("freed port not reusable: %v", err)
	}
	// LoadBalancer with Local traffic policy gets a health check port.
	lb := svc("lb", corev1.ServiceTypeLoadBalancer, "")
	lb.Spec.Ports = lb.Spec.Ports[:1]
	lb.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
	lb.Spec.AllocateLoadBalancerNodePorts = ptr.To(false)
	if err := a.Allocate(ctx, lb, nil, false); err != nil {
		t.Fatalf("load balancer: %v", err)
	}
	if lb.Spec.HealthCheckNodePort == 0 || lb.Spec.Ports[0].NodePort != 0 {
		t.Fatalf("healthCheckNodePort=%d nodePort=%d", lb.Spec.HealthCheckNodePort, lb.Spec.Ports[0].NodePort)
	}
}

func TestRepairDropsOrphansAndRestoresMissing(t *testing.T) {
	a := newAllocator(t, "10.96.0.0/24", "30000-30010")
	ctx := t.Context()
	kept := svc("kept", corev1.ServiceTypeNodePort, "")
	gone := svc("gone", corev1.ServiceTypeClusterIP, "")
	for _, s := range []*corev1.Service{kept, gone} {
		if err := a.Allocate(ctx, s, nil, false); err != nil {
			t.Fatal(err)
		}
	}
	unrecorded := svc("unrecorded", corev1.ServiceTypeClusterIP, "10.96.0.77")
	unrecorded.Spec.ClusterIPs = []string{"10.96.0.77"}
	if err := a.Repair(ctx, []corev1.Service{*kept, *unrecorded}); err != nil {
		t.Fatalf("repair: %v", err)
	}
	if err := a.Allocate(ctx, svc("x", corev1.ServiceTypeClusterIP, gone.Spec.ClusterIP), nil, false); err != nil {
		t.Fatalf("orphaned address not freed: %v", err)
	}
	if err := a.Allocate(ctx, svc("y", corev1.ServiceTypeClusterIP, "10.96.0.77"), nil, false); !apierrors.IsInvalid(err) {
		t.Fatalf("repaired address handed out again: %v", err)
	}
	if err := a.Allocate(ctx, svc("z", corev1.ServiceTypeNodePort, "", kept.Spec.Ports[0].NodePort), nil, false); !apierrors.IsInvalid(err) {
		t.Fatalf("kept node port handed out again: %v", err)
	}
}

func TestDefaultTolerations(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{Tolerations: []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}}}}
	addDefaultTolerations(pod)
	if len(pod.Spec.Tolerations) != 2 || pod.Spec.Tolerations[1].Key != corev1.TaintNodeNotReady || *pod.Spec.Tolerations[1].TolerationSeconds != 300 {
		t.Fatalf("tolerations = %+v", pod.Spec.Tolerations)
	}
	all := &corev1.Pod{Spec: corev1.PodSpec{Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}}}}
	addDefaultTolerations(all)
	if len(all.Spec.Tolerations) != 1 {
		t.Fatalf("a pod tolerating everything got %+v", all.Spec.Tolerations)
	}
}

func parseIP(t *testing.T, s string) net.IP {
	t.Helper()
	ip := net.ParseIP(s)
	if ip == nil {
		t.Fatalf("not an IP: %q", s)
	}
	return ip
}

package integration

import (
	"net/netip"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/berth-dev/berth/internal/testutil"
)

func service(name string, typ corev1.ServiceType) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.ServiceSpec{
			Type:     typ,
			Selector: map[string]string{"app": name},
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP}},
		},
	}
}

func TestServiceAllocation(t *testing.T) {
	srv := testutil.StartServer(t)
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	svcs := c.CoreV1().Services(ns)
	cidr := netip.MustParsePrefix("10.43.0.0/16")

	wantInvalid := func(t *testing.T, err error, field, msg string) {
		t.Helper()
		st := wantStatus(t, err, 422, metav1.StatusReasonInvalid)
		if st.Details == nil || len(st.Details.Causes) == 0 {
			t.Fatalf("no causes in %+v", st)
		}
		cause := st.Details.Causes[0]
		if cause.Field != field || !strings.Contains(cause.Message, msg) {
			t.Errorf("cause = %+v, want field %s with %q", cause, field, msg)
		}
	}

	a, err := svcs.Create(ctx, service("a", corev1.ServiceTypeClusterIP), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ip, err := netip.ParseAddr(a.Spec.ClusterIP)
	if err != nil || !cidr.Contains(ip) || len(a.Spec.ClusterIPs) != 1 || a.Spec.ClusterIPs[0] != a.Spec.ClusterIP {
		t.Fatalf("clusterIP %q clusterIPs %v, want one address in %s", a.Spec.ClusterIP, a.Spec.ClusterIPs, cidr)
	}

	t.Run("explicit clusterIP in use", func(t *testing.T) {
		s := service("b", corev1.ServiceTypeClusterIP)
		s.Spec.ClusterIP = a.Spec.ClusterIP
		_, err := svcs.Create(ctx, s, metav1.CreateOptions{})
		wantInvalid(t, err, "spec.clusterIPs", "provided IP is already allocated")
	})

	t.Run("explicit clusterIP out of range", func(t *testing.T) {
		s := service("c", corev1.ServiceTypeClusterIP)
		s.Spec.ClusterIP = "192.168.0.10"
		_, err := svcs.Create(ctx, s, metav1.CreateOptions{})
		wantInvalid(t, err, "spec.clusterIPs", "is not in the valid range")
	})

	t.Run("deleting frees the IP", func(t *testing.T) {
		s, err := svcs.Create(ctx, service("reuse", corev1.ServiceTypeClusterIP), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := svcs.Delete(ctx, "reuse", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		again := service("reuse-2", corev1.ServiceTypeClusterIP)
		again.Spec.ClusterIP = s.Spec.ClusterIP
		got, err := svcs.Create(ctx, again, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("reuse freed IP %s: %v", s.Spec.ClusterIP, err)
		}
		if got.Spec.ClusterIP != s.Spec.ClusterIP {
			t.Errorf("clusterIP = %s, want %s", got.Spec.ClusterIP, s.Spec.ClusterIP)
		}
	})

	t.Run("headless gets no IP", func(t *testing.T) {
		s := service("headless", corev1.ServiceTypeClusterIP)
		s.Spec.ClusterIP = corev1.ClusterIPNone
		got, err := svcs.Create(ctx, s, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Spec.ClusterIP != corev1.ClusterIPNone {
			t.Errorf("clusterIP = %q, want None", got.Spec.ClusterIP)
		}
	})

	t.Run("clusterIP is immutable", func(t *testing.T) {
		got, err := svcs.Get(ctx, "a", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got.Spec.ClusterIP = "10.43.200.200"
		got.Spec.ClusterIPs = []string{"10.43.200.200"}
		_, err = svcs.Update(ctx, got, metav1.UpdateOptions{})
		wantStatus(t, err, 422, metav1.StatusReasonInvalid)
	})

	var nodePort int32
	t.Run("node ports", func(t *testing.T) {
		np, err := svcs.Create(ctx, service("np", corev1.ServiceTypeNodePort), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		nodePort = np.Spec.Ports[0].NodePort
		if nodePort < 30000 || nodePort > 32767 {
			t.Fatalf("nodePort = %d, want in 30000-32767", nodePort)
		}
		clash := service("np-clash", corev1.ServiceTypeNodePort)
		clash.Spec.Ports[0].NodePort = nodePort
		_, err = svcs.Create(ctx, clash, metav1.CreateOptions{})
		wantInvalid(t, err, "spec.ports[0].nodePort", "provided port is already allocated")

		out := service("np-out", corev1.ServiceTypeNodePort)
		out.Spec.Ports[0].NodePort = 80
		_, err = svcs.Create(ctx, out, metav1.CreateOptions{})
		wantInvalid(t, err, "spec.ports[0].nodePort", "is not in the valid range")

		// NodePort -> ClusterIP drops the node port and
		// externalTrafficPolicy the user left as they were, and frees the port.
		np.Spec.Type = corev1.ServiceTypeClusterIP
		np, err = svcs.Update(ctx, np, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if np.Spec.Ports[0].NodePort != 0 || np.Spec.ExternalTrafficPolicy != "" {
			t.Errorf("ClusterIP service kept nodePort %d, externalTrafficPolicy %q", np.Spec.Ports[0].NodePort, np.Spec.ExternalTrafficPolicy)
		}
		got, err := svcs.Create(ctx, clash, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("take freed nodePort %d: %v", nodePort, err)
		}
		if got.Spec.Ports[0].NodePort != nodePort {
			t.Errorf("nodePort = %d, want %d", got.Spec.Ports[0].NodePort, nodePort)
		}
	})

	t.Run("dry run allocates nothing", func(t *testing.T) {
		s := service("dry", corev1.ServiceTypeNodePort)
		s.Spec.ClusterIP = "10.43.99.99"
		s.Spec.Ports[0].NodePort = 31999
		got, err := svcs.Create(ctx, s, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			t.Fatal(err)
		}
		if got.Spec.ClusterIP != "10.43.99.99" || got.Spec.Ports[0].NodePort != 31999 {
			t.Errorf("dry run returned %s:%d", got.Spec.ClusterIP, got.Spec.Ports[0].NodePort)
		}
		// The same IP and port are still free.
		if _, err := svcs.Create(ctx, s, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create after dry run: %v", err)
		}
		// A dry-run create without explicit values still shows allocated ones.
		got, err = svcs.Create(ctx, service("dry-auto", corev1.ServiceTypeNodePort), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			t.Fatal(err)
		}
		if got.Spec.ClusterIP == "" || got.Spec.Ports[0].NodePort == 0 {
			t.Errorf("dry run auto allocation shows %q:%d, want values", got.Spec.ClusterIP, got.Spec.Ports[0].NodePort)
		}
	})

	t.Run("failed create releases its allocation", func(t *testing.T) {
		bad := service("bad-port", corev1.ServiceTypeClusterIP)
		bad.Spec.ClusterIP = "10.43.77.77"
		bad.Spec.Ports[0].Port = 0 // invalid
		_, err := svcs.Create(ctx, bad, metav1.CreateOptions{})
		wantStatus(t, err, 422, metav1.StatusReasonInvalid)
		good := service("after-bad", corev1.ServiceTypeClusterIP)
		good.Spec.ClusterIP = "10.43.77.77"
		if _, err := svcs.Create(ctx, good, metav1.CreateOptions{}); err != nil {
			t.Fatalf("IP leaked by the failed create: %v", err)
		}
	})
}

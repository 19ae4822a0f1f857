package integration

import (
	"context"
	"net/netip"
	"os"
	"strconv"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/internal/hollow"
	"github.com/berth-dev/berth/internal/testutil"
)

// hollowStart runs a hollow cluster against c until the test ends and
// waits for its registration.
func hollowStart(t *testing.T, c kubernetes.Interface, cfg hollow.Config) *hollow.Cluster {
	t.Helper()
	cfg.Client = c
	h, err := hollow.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("hollow cluster: %v", err)
		}
	})
	select {
	case <-h.Registered():
	case err := <-done:
		t.Fatalf("hollow cluster stopped before registering: %v", err)
	case <-time.After(waitTimeout + time.Duration(cfg.Count)*10*time.Millisecond):
		t.Fatal("hollow nodes not registered in time")
	}
	return h
}

func hollowLease(t *testing.T, ctx context.Context, c kubernetes.Interface, name string) *coordinationv1.Lease {
	t.Helper()
	l, err := c.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("lease %s: %v", name, err)
	}
	return l
}

func hollowNodeReady(n *corev1.Node) corev1.ConditionStatus {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status
		}
	}
	return ""
}

// Hollow nodes register Ready with the kubelet's labels, keep their leases
// renewed, and run the pods bound to them; a stopped node's lease stops.
func TestHollowNodesRegisterRenewAndRunPods(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{}})
	c := srv.Client(t)
	ctx := t.Context()
	h := hollowStart(t, c, hollow.Config{Count: 3, LeaseInterval: 100 * time.Millisecond})

	want := []string{"hollow-0", "hollow-1", "hollow-2"}
	if got := h.Names(); len(got) != 3 || got[0] != want[0] || got[2] != want[2] {
		t.Fatalf("names = %v, want %v", got, want)
	}
	zones := map[string]bool{}
	for _, name := range want {
		n, err := c.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if s := hollowNodeReady(n); s != corev1.ConditionTrue {
			t.Errorf("%s Ready = %q, want True", name, s)
		}
		if n.Labels[corev1.LabelHostname] != name || n.Labels[corev1.LabelOSStable] != "linux" || n.Labels[corev1.LabelInstanceTypeStable] != "hollow" {
			t.Errorf("%s labels = %v", name, n.Labels)
		}
		zones[n.Labels[corev1.LabelTopologyZone]] = true
		if n.Status.Allocatable.Pods().Value() != 110 || n.Status.Capacity.Cpu().Value() != 4 {
			t.Errorf("%s allocatable = %v", name, n.Status.Allocatable)
		}
		if len(n.Status.Addresses) == 0 || n.Status.Addresses[0].Type != corev1.NodeInternalIP || n.Status.NodeInfo.KubeletVersion == "" {
			t.Errorf("%s addresses %v nodeInfo %+v", name, n.Status.Addresses, n.Status.NodeInfo)
		}
		l := hollowLease(t, ctx, c, name)
		if l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity != name || *l.Spec.LeaseDurationSeconds != 40 {
			t.Errorf("lease %s spec = %+v", name, l.Spec)
		}
		if len(l.OwnerReferences) != 1 || l.OwnerReferences[0].Kind != "Node" || l.OwnerReferences[0].UID != n.UID {
			t.Errorf("lease %s owners = %v, want the Node %s", name, l.OwnerReferences, n.UID)
		}
	}
	if len(zones) != 3 {
		t.Errorf("zones = %v, want nodes spread over 3", zones)
	}

	// A pod bound to hollow-1 runs there.
	ns := newNamespace(t, c)
	if _, err := c.CoreV1().Pods(ns).Create(ctx, pod("p").Node("hollow-1").Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var running *corev1.Pod
	poll(t, "pod running", func(ctx context.Context) (bool, error) {
		p, err := c.CoreV1().Pods(ns).Get(ctx, "p", metav1.GetOptions{})
		running = p
		return err == nil && p.Status.Phase == corev1.PodRunning, err
	})
	ip, err := netip.ParseAddr(running.Status.PodIP)
	if err != nil || !netip.MustParsePrefix("10.64.1.0/24").Contains(ip) {
		t.Errorf("pod IP %q, want one in hollow-1's 10.64.1.0/24", running.Status.PodIP)
	}
	if running.Status.HostIP != "10.0.0.2" || running.Status.StartTime == nil || len(running.Status.ContainerStatuses) != 1 ||
		running.Status.ContainerStatuses[0].State.Running == nil || !running.Status.ContainerStatuses[0].Ready {
		t.Errorf("status = %+v", running.Status)
	}
	for _, typ := range []corev1.PodConditionType{corev1.PodReady, corev1.ContainersReady, corev1.PodInitialized, corev1.PodScheduled} {
		found := false
		for _, cond := range running.Status.Conditions {
			found = found || (cond.Type == typ && cond.Status == corev1.ConditionTrue)
		}
		if !found {
			t.Errorf("condition %s not True in %v", typ, running.Status.Conditions)
		}
	}

	// Deleting it gracefully: the hollow kubelet confirms.
	if err := c.CoreV1().Pods(ns).Delete(ctx, "p", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "pod deletion confirmed", func(ctx context.Context) (bool, error) {
		_, err := c.CoreV1().Pods(ns).Get(ctx, "p", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})

	// Leases keep being renewed; a stopped node's lease is not.
	if err := h.Stop("hollow-2"); err != nil {
		t.Fatal(err)
	}
	// A pass in flight may still renew hollow-2 once: read it after two
	// more renewals of hollow-0.
	hollowWaitRenewals(t, c, "hollow-0", 2)
	stopped := hollowLease(t, ctx, c, "hollow-2").Spec.RenewTime
	hollowWaitRenewals(t, c, "hollow-0", 3)
	if got := hollowLease(t, ctx, c, "hollow-2").Spec.RenewTime; !got.Equal(stopped) {
		t.Errorf("stopped node's lease renewed: %v → %v", stopped, got)
	}
	if err := h.Resume(ctx, "hollow-2"); err != nil {
		t.Fatal(err)
	}
	if got := hollowLease(t, ctx, c, "hollow-2").Spec.RenewTime; !stopped.Before(got) {
		t.Errorf("resumed node's lease not renewed: %v → %v", stopped, got)
	}

	// A running kubelet puts back conditions others overwrote.
	n, err := c.CoreV1().Nodes().Get(ctx, "hollow-2", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n.Status.Conditions {
		if n.Status.Conditions[i].Type == corev1.NodeReady {
			n.Status.Conditions[i].Status = corev1.ConditionUnknown
		}
	}
	if _, err := c.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "hollow-2 Ready again", func(ctx context.Context) (bool, error) {
		n, err := c.CoreV1().Nodes().Get(ctx, "hollow-2", metav1.GetOptions{})
		return err == nil && hollowNodeReady(n) == corev1.ConditionTrue, err
	})
}

// hollowWaitRenewals waits until node's lease has been renewed n times.
func hollowWaitRenewals(t *testing.T, c kubernetes.Interface, node string, n int) {
	t.Helper()
	last := hollowLease(t, t.Context(), c, node).Spec.RenewTime
	seen := 0
	poll(t, "lease renewals of "+node, func(ctx context.Context) (bool, error) {
		l, err := c.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, node, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		if !l.Spec.RenewTime.Equal(last) {
			seen++
			last = l.Spec.RenewTime
		}
		return seen >= n, nil
	})
}

// TestHollowScale registers BERTH_HOLLOW_NODES nodes (skipped when unset)
// and waits for a full round of lease renewals, logging how long each
// took: a manual check that thousands of hollow nodes fit in one process.
func TestHollowScale(t *testing.T) {
	count, _ := strconv.Atoi(os.Getenv("BERTH_HOLLOW_NODES"))
	if count <= 0 {
		t.Skip("set BERTH_HOLLOW_NODES to run")
	}
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{}})
	c := srv.ProtobufClient(t)
	start := time.Now()
	h := hollowStart(t, c, hollow.Config{Count: count, LeaseInterval: 10 * time.Second, Parallelism: 32})
	t.Logf("registered %d nodes in %v", count, time.Since(start))
	start = time.Now()
	last := h.Names()[count-1]
	before := hollowLease(t, t.Context(), c, last).Spec.RenewTime
	err := wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		l, err := c.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, last, metav1.GetOptions{})
		return err == nil && !l.Spec.RenewTime.Equal(before), nil
	})
	if err != nil {
		t.Fatalf("last node's lease not renewed: %v", err)
	}
	t.Logf("a renewal pass reached the last node %v after registration", time.Since(start))
}

package nodelifecycle

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
)

// A node whose lease stops being renewed turns Unknown one grace period
// after its last renewal (by the controller's clock), its pods are marked
// not ready, and it gets the unreachable NoExecute taint the pass after. A
// healthy node ("m") keeps the zone from counting as wholly down, which
// would stop tainting.
func TestMonitorSilentNode(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	clk := clocktesting.NewFakeClock(t0)
	node, other := nodeWith(corev1.ConditionTrue, 0, 0), nodeWith(corev1.ConditionTrue, 0, 0)
	other.Name = "m"
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "n", Namespace: corev1.NamespaceNodeLease}}
	lease.Spec.RenewTime = &metav1.MicroTime{Time: at(0)}
	otherLease := lease.DeepCopy()
	otherLease.Name = "m"
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"}, Spec: corev1.PodSpec{NodeName: "n"},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}}
	client := fake.NewClientset(node, other, lease, otherLease, pod)
	factory := informers.NewSharedInformerFactory(client, 0)
	rec := record.NewFakeRecorder(100)
	c, err := New(Config{Client: client, Informer: factory, Recorder: rec, Clock: clk, GracePeriod: 40 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	defer cancel() // before Shutdown, which waits for the informers
	factory.WaitForCacheSync(ctx.Done())
	// waitCache waits until the informers show what cond wants.
	waitCache := func(what string, cond func() bool) {
		t.Helper()
		if err := wait.PollUntilContextTimeout(ctx, time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) { return cond(), nil }); err != nil {
			t.Fatalf("cache never showed %s", what)
		}
	}
	readyOf := func() corev1.ConditionStatus {
		n, err := client.CoreV1().Nodes().Get(ctx, "n", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return condition(&n.Status, corev1.NodeReady).Status
	}

	renew := func(name string) {
		t.Helper()
		l, err := client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		l.Spec.RenewTime = &metav1.MicroTime{Time: clk.Now()}
		if _, err := client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Update(ctx, l, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitCache("the renewed lease", func() bool {
			l, err := c.leases.Leases(corev1.NamespaceNodeLease).Get(name)
			return err == nil && l.Spec.RenewTime.Time.Equal(clk.Now())
		})
	}

	c.monitor(ctx) // t=0: first sight
	clk.Step(30 * time.Second)
	renew("n")
	renew("m")
	c.monitor(ctx) // t=30: the renewals are seen
	clk.Step(40 * time.Second)
	renew("m")
	c.monitor(ctx) // t=70: 40s since, not more
	if got := readyOf(); got != corev1.ConditionTrue {
		t.Fatalf("Ready = %s at exactly the grace period, want True", got)
	}
	clk.Step(time.Second)
	renew("m")
	c.monitor(ctx) // t=71: past the grace period
	if got := readyOf(); got != corev1.ConditionUnknown {
		t.Fatalf("Ready = %s past the grace period, want Unknown", got)
	}
	p, err := client.CoreV1().Pods("ns").Get(ctx, "p", metav1.GetOptions{})
	if err != nil || p.Status.Conditions[0].Status != corev1.ConditionFalse {
		t.Fatalf("pod not marked not ready: %v %+v", err, p.Status.Conditions)
	}

	waitCache("the Unknown node", func() bool {
		n, err := c.nodes.Get("n")
		return err == nil && condition(&n.Status, corev1.NodeReady).Status == corev1.ConditionUnknown
	})
	renew("m")
	c.monitor(ctx) // observes Unknown: queue the node for its taint
	c.taintingPass(ctx)
	n, err := client.CoreV1().Nodes().Get(ctx, "n", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !hasTaint(n.Spec.Taints, unreachableTaint) || !n.Spec.Taints[0].TimeAdded.Time.Equal(clk.Now()) {
		t.Fatalf("taints = %+v, want unreachable:NoExecute added now", n.Spec.Taints)
	}

	var events []string
	for len(rec.Events) > 0 {
		events = append(events, <-rec.Events)
	}
	all := strings.Join(events, "\n")
	for _, want := range []string{"Normal RegisteredNode Node n event: Registered Node n in Controller",
		"Normal NodeNotReady Node n status is now: NodeNotReady", "Warning NodeNotReady Node is not ready"} {
		if !strings.Contains(all, want) {
			t.Errorf("events lack %q:\n%s", want, all)
		}
	}
}

// When every node is down the controller assumes it is cut off itself:
// conditions turn Unknown but no node is tainted, and tainting stops.
func TestMonitorAllNodesDown(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	clk := clocktesting.NewFakeClock(t0)
	client := fake.NewClientset(nodeWith(corev1.ConditionTrue, 0, 0))
	factory := informers.NewSharedInformerFactory(client, 0)
	c, err := New(Config{Client: client, Informer: factory, Recorder: record.NewFakeRecorder(100), Clock: clk,
		GracePeriod: 40 * time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	defer cancel()
	factory.WaitForCacheSync(ctx.Done())

	c.monitor(ctx)
	clk.Step(41 * time.Second)
	c.monitor(ctx)
	if err := wait.PollUntilContextTimeout(ctx, time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		n, err := c.nodes.Get("n")
		return err == nil && condition(&n.Status, corev1.NodeReady).Status == corev1.ConditionUnknown, nil
	}); err != nil {
		t.Fatal("node never turned Unknown")
	}
	c.monitor(ctx)
	c.taintingPass(ctx)
	n, err := client.CoreV1().Nodes().Get(ctx, "n", metav1.GetOptions{})
	if err != nil || len(n.Spec.Taints) != 0 {
		t.Fatalf("taints = %+v (%v), want none in full disruption", n.Spec.Taints, err)
	}
	if q := c.zoneQueues()[""]; q == nil || q.qps() != 0 || c.zoneStates[""] != stateFullDisruption {
		t.Errorf("zone state %s, want full disruption with tainting stopped", c.zoneStates[""])
	}
}

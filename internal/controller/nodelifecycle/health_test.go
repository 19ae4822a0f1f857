package nodelifecycle

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

// nodeWith builds a node created at t0 whose Ready condition has the given
// status, heartbeat and transition (seconds after t0); status "" means the
// kubelet never posted.
func nodeWith(status corev1.ConditionStatus, heartbeat, transition int) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n", CreationTimestamp: metav1.NewTime(t0)}}
	if status != "" {
		n.Status.Conditions = []corev1.NodeCondition{
			{Type: corev1.NodeReady, Status: status, Reason: "KubeletReady", LastHeartbeatTime: metav1.NewTime(at(heartbeat)), LastTransitionTime: metav1.NewTime(at(transition))},
			{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, LastHeartbeatTime: metav1.NewTime(at(heartbeat)), LastTransitionTime: metav1.NewTime(at(transition))},
		}
	}
	return n
}

func leaseAt(s int) *coordinationv1.Lease {
	rt := metav1.NewMicroTime(at(s))
	return &coordinationv1.Lease{Spec: coordinationv1.LeaseSpec{RenewTime: &rt}}
}

func TestObserve(t *testing.T) {
	tests := []struct {
		name                string
		prev                *health
		node                *corev1.Node
		lease               *coordinationv1.Lease
		now                 int
		wantProbe, wantTran int
	}{
		{name: "first sight of a reporting node starts its clock now",
			node: nodeWith(corev1.ConditionTrue, 1, 1), now: 100, wantProbe: 100, wantTran: 100},
		{name: "a node that never reported is timed from its creation",
			node: nodeWith("", 0, 0), now: 100, wantProbe: 0, wantTran: 0},
		{name: "same heartbeat, no lease: probe unchanged",
			prev: &health{probe: at(50), readyTransition: at(10), status: &nodeWith(corev1.ConditionTrue, 40, 10).Status},
			node: nodeWith(corev1.ConditionTrue, 40, 10), now: 100, wantProbe: 50, wantTran: 10},
		{name: "new heartbeat, same transition: probe now, transition kept",
			prev: &health{probe: at(50), readyTransition: at(10), status: &nodeWith(corev1.ConditionTrue, 40, 10).Status},
			node: nodeWith(corev1.ConditionTrue, 90, 10), now: 100, wantProbe: 100, wantTran: 10},
		{name: "new heartbeat with a transition: both now",
			prev: &health{probe: at(50), readyTransition: at(10), status: &nodeWith(corev1.ConditionTrue, 40, 10).Status},
			node: nodeWith(corev1.ConditionFalse, 90, 90), now: 100, wantProbe: 100, wantTran: 100},
		{name: "renewed lease counts as a heartbeat",
			prev: &health{probe: at(50), readyTransition: at(10), status: &nodeWith(corev1.ConditionTrue, 40, 10).Status, lease: leaseAt(45)},
			node: nodeWith(corev1.ConditionTrue, 40, 10), lease: leaseAt(95), now: 100, wantProbe: 100, wantTran: 10},
		{name: "a lease not renewed since last seen does not",
			prev: &health{probe: at(50), readyTransition: at(10), status: &nodeWith(corev1.ConditionTrue, 40, 10).Status, lease: leaseAt(45)},
			node: nodeWith(corev1.ConditionTrue, 40, 10), lease: leaseAt(45), now: 100, wantProbe: 50, wantTran: 10},
		{name: "the controller's clock is used, not the lease's",
			prev: &health{probe: at(50), readyTransition: at(10), status: &nodeWith(corev1.ConditionTrue, 40, 10).Status, lease: leaseAt(45)},
			node: nodeWith(corev1.ConditionTrue, 40, 10), lease: leaseAt(1000), now: 100, wantProbe: 100, wantTran: 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.prev.copy()
			h := observe(tc.prev, tc.node, tc.lease, at(tc.now))
			if !h.probe.Equal(at(tc.wantProbe)) || !h.readyTransition.Equal(at(tc.wantTran)) {
				t.Errorf("probe, transition = %v, %v; want %v, %v", h.probe, h.readyTransition, at(tc.wantProbe), at(tc.wantTran))
			}
			if diff := cmp.Diff(before, tc.prev, cmp.AllowUnexported(health{})); diff != "" {
				t.Errorf("observe changed its input (-before +after):\n%s", diff)
			}
		})
	}
}

func TestMarkUnknown(t *testing.T) {
	n := nodeWith(corev1.ConditionTrue, 40, 10)
	n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{Type: corev1.NodeNetworkUnavailable, Status: corev1.ConditionFalse})
	markUnknown(n, at(100))
	got := map[corev1.NodeConditionType]corev1.NodeCondition{}
	for _, c := range n.Status.Conditions {
		got[c.Type] = c
	}
	ready := got[corev1.NodeReady]
	if ready.Status != corev1.ConditionUnknown || ready.Reason != "NodeStatusUnknown" || ready.Message != "Kubelet stopped posting node status." ||
		!ready.LastTransitionTime.Time.Equal(at(100)) || !ready.LastHeartbeatTime.Time.Equal(at(40)) {
		t.Errorf("Ready = %+v", ready)
	}
	for _, typ := range []corev1.NodeConditionType{corev1.NodeDiskPressure, corev1.NodePIDPressure} {
		c := got[typ]
		if c.Status != corev1.ConditionUnknown || c.Reason != "NodeStatusNeverUpdated" || c.Message != "Kubelet never posted node status." {
			t.Errorf("%s = %+v, want added as never updated", typ, c)
		}
	}
	if got[corev1.NodeMemoryPressure].Status != corev1.ConditionUnknown {
		t.Errorf("MemoryPressure = %+v", got[corev1.NodeMemoryPressure])
	}
	if got[corev1.NodeNetworkUnavailable].Status != corev1.ConditionFalse {
		t.Errorf("NetworkUnavailable changed: %+v", got[corev1.NodeNetworkUnavailable])
	}
	// Already Unknown: the transition time stays.
	markUnknown(n, at(200))
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady && !c.LastTransitionTime.Time.Equal(at(100)) {
			t.Errorf("second pass moved the transition to %v", c.LastTransitionTime)
		}
	}
}

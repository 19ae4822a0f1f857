package nodelifecycle

import (
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// health is what the controller last saw of a node's kubelet. Times are
// the controller's own clock, never the kubelet's, so clock skew between
// machines does not matter.
type health struct {
	// probe is when the controller last saw a sign of life: a new status
	// heartbeat or a renewed Lease.
	probe time.Time
	// readyTransition is when the controller saw the Ready condition
	// change.
	readyTransition time.Time
	status          *corev1.NodeStatus
	lease           *coordinationv1.Lease
}

func (h *health) copy() *health {
	if h == nil {
		return nil
	}
	c := *h
	c.status = h.status.DeepCopy()
	c.lease = h.lease.DeepCopy()
	return &c
}

func condition(status *corev1.NodeStatus, t corev1.NodeConditionType) *corev1.NodeCondition {
	if status == nil {
		return nil
	}
	for i := range status.Conditions {
		if status.Conditions[i].Type == t {
			return &status.Conditions[i]
		}
	}
	return nil
}

// observe returns prev updated with what node and its lease show at now.
func observe(prev *health, node *corev1.Node, lease *coordinationv1.Lease, now time.Time) *health {
	h := prev.copy()
	current := condition(&node.Status, corev1.NodeReady)
	if current == nil {
		// The kubelet never posted status: the node's age is the clock.
		if h == nil {
			h = &health{probe: node.CreationTimestamp.Time, readyTransition: node.CreationTimestamp.Time}
		}
		h.status = node.Status.DeepCopy()
	} else {
		var saved *corev1.NodeCondition
		if h != nil {
			saved = condition(h.status, corev1.NodeReady)
		}
		switch {
		case h == nil || saved == nil:
			h = &health{probe: now, readyTransition: now, status: node.Status.DeepCopy(), lease: leaseOf(h)}
		case !saved.LastHeartbeatTime.Equal(&current.LastHeartbeatTime):
			transition := h.readyTransition
			if !saved.LastTransitionTime.Equal(&current.LastTransitionTime) {
				transition = now
			}
			h = &health{probe: now, readyTransition: transition, status: node.Status.DeepCopy(), lease: h.lease}
		}
	}
	// A renewed Lease is as good as a status heartbeat.
	if lease != nil && lease.Spec.RenewTime != nil &&
		(h.lease == nil || h.lease.Spec.RenewTime == nil || h.lease.Spec.RenewTime.Before(lease.Spec.RenewTime)) {
		h.lease = lease.DeepCopy()
		h.probe = now
	}
	return h
}

func leaseOf(h *health) *coordinationv1.Lease {
	if h == nil {
		return nil
	}
	return h.lease
}

// staleConditionTypes are the kubelet-owned conditions set Unknown when it
// stops reporting. NetworkUnavailable belongs to the network provider and
// is left alone.
var staleConditionTypes = []corev1.NodeConditionType{
	corev1.NodeReady, corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure,
}

// markUnknown sets node's kubelet conditions Unknown, as of now: the ones
// the kubelet posted become NodeStatusUnknown, missing ones are added as
// NodeStatusNeverUpdated.
func markUnknown(node *corev1.Node, now time.Time) {
	t := metav1.NewTime(now)
	for _, typ := range staleConditionTypes {
		c := condition(&node.Status, typ)
		if c == nil {
			node.Status.Conditions = append(node.Status.Conditions, corev1.NodeCondition{
				Type: typ, Status: corev1.ConditionUnknown,
				Reason: "NodeStatusNeverUpdated", Message: "Kubelet never posted node status.",
				LastHeartbeatTime: node.CreationTimestamp, LastTransitionTime: t,
			})
			continue
		}
		if c.Status != corev1.ConditionUnknown {
			c.Status = corev1.ConditionUnknown
			c.Reason = "NodeStatusUnknown"
			c.Message = "Kubelet stopped posting node status."
			c.LastTransitionTime = t
		}
	}
}

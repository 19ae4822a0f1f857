package nodeunschedulable

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/klog/v2"

	"github.com/berth-dev/berth/internal/scheduler/framework"
)

// Name is the plugin's name in the registry and in configuration.
const Name = "NodeUnschedulable"

// Rejection reasons.
const (
	ErrReasonUnschedulable = "node(s) were unschedulable"
	ErrReasonUnknownNode   = "node(s) had unknown conditions"
)

// NodeUnschedulable rejects cordoned nodes.
type NodeUnschedulable struct{}

var (
	_ framework.FilterPlugin      = (*NodeUnschedulable)(nil)
	_ framework.EnqueueExtensions = (*NodeUnschedulable)(nil)
)

// New returns the plugin; it takes no arguments.
func New(_ context.Context, _ any, _ framework.Handle) (framework.Plugin, error) {
	return &NodeUnschedulable{}, nil
}

// Name implements framework.Plugin.
func (*NodeUnschedulable) Name() string { return Name }

var unschedulableTaint = corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}

// Filter implements framework.FilterPlugin.
func (*NodeUnschedulable) Filter(ctx context.Context, _ *framework.CycleState, pod *corev1.Pod, nodeInfo *framework.NodeInfo) *framework.Status {
	node := nodeInfo.Node()
	if node == nil {
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonUnknownNode)
	}
	if !node.Spec.Unschedulable {
		return nil
	}
	if corev1helpers.TolerationsTolerateTaint(klog.FromContext(ctx), pod.Spec.Tolerations, &unschedulableTaint, false) {
		return nil
	}
	return framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonUnschedulable)
}

// EventsToRegister implements framework.EnqueueExtensions: a node added
// or uncordoned may take the pod.
func (*NodeUnschedulable) EventsToRegister(context.Context) ([]framework.ClusterEventWithHint, error) {
	return []framework.ClusterEventWithHint{{
		Event: framework.ClusterEvent{Resource: framework.Node, ActionType: framework.Add | framework.UpdateNodeTaint},
		QueueingHintFn: func(_ *corev1.Pod, oldObj, newObj any) (framework.QueueingHint, error) {
			n, ok := newObj.(*corev1.Node)
			if !ok || n.Spec.Unschedulable {
				return framework.QueueSkip, nil
			}
			if old, ok := oldObj.(*corev1.Node); ok && !old.Spec.Unschedulable {
				return framework.QueueSkip, nil // it was schedulable before: not what rejected the pod
			}
			return framework.Queue, nil
		},
	}}, nil
}

package nodeports

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/berth-dev/berth/internal/scheduler/framework"
)

// Name is the plugin's name in the registry and in configuration.
const Name = "NodePorts"

// ErrReason is the rejection reason.
const ErrReason = "node(s) didn't have free ports for the requested pod ports"

const preFilterStateKey framework.StateKey = "PreFilter" + Name

// NodePorts rejects nodes where a requested host port is taken.
type NodePorts struct{}

var (
	_ framework.PreFilterPlugin   = (*NodePorts)(nil)
	_ framework.FilterPlugin      = (*NodePorts)(nil)
	_ framework.EnqueueExtensions = (*NodePorts)(nil)
)

// New returns the plugin; it takes no arguments.
func New(_ context.Context, _ any, _ framework.Handle) (framework.Plugin, error) {
	return &NodePorts{}, nil
}

// Name implements framework.Plugin.
func (*NodePorts) Name() string { return Name }

type preFilterState []corev1.ContainerPort

func (s preFilterState) Clone() framework.StateData { return s }

// PreFilter implements framework.PreFilterPlugin: it records the host
// ports of the pod, and skips pods without any.
func (*NodePorts) PreFilter(_ context.Context, state *framework.CycleState, pod *corev1.Pod, _ []*framework.NodeInfo) (*framework.PreFilterResult, *framework.Status) {
	ports := framework.PodHostPorts(pod)
	if len(ports) == 0 {
		return nil, framework.NewStatus(framework.Skip)
	}
	state.Write(preFilterStateKey, preFilterState(ports))
	return nil, nil
}

// PreFilterExtensions implements framework.PreFilterPlugin.
func (*NodePorts) PreFilterExtensions() framework.PreFilterExtensions { return nil }

// Filter implements framework.FilterPlugin.
func (*NodePorts) Filter(_ context.Context, state *framework.CycleState, _ *corev1.Pod, nodeInfo *framework.NodeInfo) *framework.Status {
	v, err := state.Read(preFilterStateKey)
	if err != nil {
		return framework.AsStatus(fmt.Errorf("reading %q from cycleState: %w", preFilterStateKey, err))
	}
	ports, ok := v.(preFilterState)
	if !ok {
		return framework.AsStatus(fmt.Errorf("%q has type %T", preFilterStateKey, v))
	}
	if conflicts(ports, nodeInfo.UsedPorts) {
		return framework.NewStatus(framework.Unschedulable, ErrReason)
	}
	return nil
}

func conflicts(ports []corev1.ContainerPort, used framework.HostPortInfo) bool {
	for _, p := range ports {
		if used.CheckConflict(p.HostIP, string(p.Protocol), p.HostPort) {
			return true
		}
	}
	return false
}

// EventsToRegister implements framework.EnqueueExtensions: a deleted pod
// may free a port the pod wants; a new node has all ports free.
func (*NodePorts) EventsToRegister(context.Context) ([]framework.ClusterEventWithHint, error) {
	return []framework.ClusterEventWithHint{
		{
			Event: framework.ClusterEvent{Resource: framework.Pod, ActionType: framework.Delete},
			QueueingHintFn: func(pod *corev1.Pod, oldObj, _ any) (framework.QueueingHint, error) {
				deleted, ok := oldObj.(*corev1.Pod)
				if !ok {
					return framework.Queue, fmt.Errorf("unexpected object %T", oldObj)
				}
				if deleted.Spec.NodeName == "" {
					return framework.QueueSkip, nil
				}
				used := framework.HostPortInfo{}
				for _, p := range framework.PodHostPorts(deleted) {
					used.Add(p.HostIP, string(p.Protocol), p.HostPort)
				}
				if conflicts(framework.PodHostPorts(pod), used) {
					return framework.Queue, nil
				}
				return framework.QueueSkip, nil
			},
		},
		{Event: framework.ClusterEvent{Resource: framework.Node, ActionType: framework.Add}},
	}, nil
}

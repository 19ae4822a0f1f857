package noderesources

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/berth-dev/berth/internal/scheduler/framework"
)

// BalancedAllocationName is the name of NodeResourcesBalancedAllocation in
// the registry and in configuration.
const BalancedAllocationName = "NodeResourcesBalancedAllocation"

const balancedPreScoreStateKey framework.StateKey = "PreScore" + BalancedAllocationName

// BalancedAllocation prefers nodes where, with the pod placed, the shares
// of the resources in use are close to each other.
type BalancedAllocation struct {
	scorer *allocationScorer
}

var (
	_ framework.PreScorePlugin = (*BalancedAllocation)(nil)
	_ framework.ScorePlugin    = (*BalancedAllocation)(nil)
)

// NewBalancedAllocation builds the plugin. args is nil or
// *BalancedAllocationArgs.
func NewBalancedAllocation(_ context.Context, args any, _ framework.Handle) (framework.Plugin, error) {
	a := BalancedAllocationArgs{}
	switch v := args.(type) {
	case nil:
	case *BalancedAllocationArgs:
		a = *v
	default:
		return nil, fmt.Errorf("want args of type *BalancedAllocationArgs, got %T", args)
	}
	if len(a.Resources) == 0 {
		a.Resources = defaultResources
	}
	if err := validateResources(a.Resources); err != nil {
		return nil, fmt.Errorf("resources: %w", err)
	}
	return &BalancedAllocation{scorer: &allocationScorer{resources: a.Resources, useRequested: true, score: balancedScore}}, nil
}

// Name implements framework.Plugin.
func (*BalancedAllocation) Name() string { return BalancedAllocationName }

// PreScore implements framework.PreScorePlugin. It skips pods that request
// none of the scored resources: they cannot unbalance a node.
func (b *BalancedAllocation) PreScore(_ context.Context, state *framework.CycleState, pod *corev1.Pod, _ []*framework.NodeInfo) *framework.Status {
	req := b.scorer.podRequests(pod)
	zero := true
	for _, r := range req {
		if r != 0 {
			zero = false
		}
	}
	if zero {
		return framework.NewStatus(framework.Skip)
	}
	state.Write(balancedPreScoreStateKey, &preScoreState{podRequests: req})
	return nil
}

// Score implements framework.ScorePlugin.
func (b *BalancedAllocation) Score(_ context.Context, state *framework.CycleState, pod *corev1.Pod, nodeInfo *framework.NodeInfo) (int64, *framework.Status) {
	return scoreWithState(b.scorer, balancedPreScoreStateKey, state, pod, nodeInfo)
}

// ScoreExtensions implements framework.ScorePlugin; scores need no
// normalisation.
func (*BalancedAllocation) ScoreExtensions() framework.ScoreExtensions { return nil }

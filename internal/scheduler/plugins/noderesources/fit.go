package noderesources

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"

	"github.com/berth-dev/berth/internal/scheduler/framework"
)

// FitName is the name of NodeResourcesFit in the registry and in
// configuration.
const FitName = "NodeResourcesFit"

// ReasonTooManyPods is the reason when the node's pod capacity is used up.
const ReasonTooManyPods = "Too many pods"

const (
	preFilterStateKey framework.StateKey = "PreFilter" + FitName
	preScoreStateKey  framework.StateKey = "PreScore" + FitName
)

// Fit rejects nodes that lack room for the pod's requests and scores the
// others with its strategy.
type Fit struct {
	ignored       sets.Set[string]
	ignoredGroups sets.Set[string]
	strategy      ScoringStrategyType
	scorer        *allocationScorer
}

var (
	_ framework.PreFilterPlugin   = (*Fit)(nil)
	_ framework.FilterPlugin      = (*Fit)(nil)
	_ framework.PreScorePlugin    = (*Fit)(nil)
	_ framework.ScorePlugin       = (*Fit)(nil)
	_ framework.EnqueueExtensions = (*Fit)(nil)
)

// NewFit builds NodeResourcesFit. args is nil or *FitArgs.
func NewFit(_ context.Context, args any, _ framework.Handle) (framework.Plugin, error) {
	a := FitArgs{}
	switch v := args.(type) {
	case nil:
	case *FitArgs:
		a = *v
	default:
		return nil, fmt.Errorf("want args of type *FitArgs, got %T", args)
	}
	if err := a.ScoringStrategy.defaultAndValidate(); err != nil {
		return nil, fmt.Errorf("scoringStrategy: %w", err)
	}
	s := a.ScoringStrategy
	sc := &allocationScorer{resources: s.Resources}
	switch s.Type {
	case LeastAllocated:
		sc.score = weightedMean(s.Resources, leastAllocatedScore)
	case MostAllocated:
		sc.score = weightedMean(s.Resources, mostAllocatedScore)
	case RequestedToCapacityRatio:
		sc.score = requestedToCapacityRatioScorer(s.Resources, s.Shape)
	}
	return &Fit{
		ignored:       sets.New(a.IgnoredResources...),
		ignoredGroups: sets.New(a.IgnoredResourceGroups...),
		strategy:      s.Type,
		scorer:        sc,
	}, nil
}

// Name implements framework.Plugin.
func (*Fit) Name() string { return FitName }

type preFilterState struct{ framework.Resource }

func (s *preFilterState) Clone() framework.StateData { return s }

// PreFilter implements framework.PreFilterPlugin: it computes the pod's
// requests once.
func (*Fit) PreFilter(_ context.Context, state *framework.CycleState, pod *corev1.Pod, _ []*framework.NodeInfo) (*framework.PreFilterResult, *framework.Status) {
	state.Write(preFilterStateKey, &preFilterState{*framework.PodRequests(pod)})
	return nil, nil
}

// PreFilterExtensions implements framework.PreFilterPlugin.
func (*Fit) PreFilterExtensions() framework.PreFilterExtensions { return nil }

// Filter implements framework.FilterPlugin. Its reasons are "Too many
// pods" and "Insufficient <resource>", one per resource short.
func (f *Fit) Filter(_ context.Context, state *framework.CycleState, _ *corev1.Pod, nodeInfo *framework.NodeInfo) *framework.Status {
	v, err := state.Read(preFilterStateKey)
	if err != nil {
		return framework.AsStatus(fmt.Errorf("reading %q from cycleState: %w", preFilterStateKey, err))
	}
	s, ok := v.(*preFilterState)
	if !ok {
		return framework.AsStatus(fmt.Errorf("%q has type %T", preFilterStateKey, v))
	}
	if reasons := f.insufficient(&s.Resource, nodeInfo); len(reasons) > 0 {
		return framework.NewStatus(framework.Unschedulable, reasons...)
	}
	return nil
}

// Fits returns the reasons pod does not fit nodeInfo; none if it fits.
func (f *Fit) Fits(pod *corev1.Pod, nodeInfo *framework.NodeInfo) []string {
	return f.insufficient(framework.PodRequests(pod), nodeInfo)
}

func (f *Fit) insufficient(req *framework.Resource, ni *framework.NodeInfo) []string {
	var reasons []string
	if len(ni.Pods)+1 > ni.Allocatable.AllowedPodNumber {
		reasons = append(reasons, ReasonTooManyPods)
	}
	if req.IsZero() {
		return reasons
	}
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
		if want := req.Get(name); want > 0 && want > ni.Allocatable.Get(name)-ni.Requested.Get(name) {
			reasons = append(reasons, "Insufficient "+string(name))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(req.ScalarResources)) {
		want := req.ScalarResources[name]
		if want == 0 || f.isIgnored(name) {
			continue
		}
		if want > ni.Allocatable.ScalarResources[name]-ni.Requested.ScalarResources[name] {
			reasons = append(reasons, "Insufficient "+string(name))
		}
	}
	return reasons
}

func (f *Fit) isIgnored(name corev1.ResourceName) bool {
	if !framework.IsExtendedResourceName(name) {
		return false
	}
	if f.ignored.Has(string(name)) {
		return true
	}
	group, _, _ := strings.Cut(string(name), "/")
	return f.ignoredGroups.Has(group)
}

type preScoreState struct{ podRequests []int64 }

func (s *preScoreState) Clone() framework.StateData { return s }

// PreScore implements framework.PreScorePlugin: it computes the pod's
// requests of the scored resources once.
func (f *Fit) PreScore(_ context.Context, state *framework.CycleState, pod *corev1.Pod, _ []*framework.NodeInfo) *framework.Status {
	state.Write(preScoreStateKey, &preScoreState{podRequests: f.scorer.podRequests(pod)})
	return nil
}

// Score implements framework.ScorePlugin with the configured strategy.
func (f *Fit) Score(_ context.Context, state *framework.CycleState, pod *corev1.Pod, nodeInfo *framework.NodeInfo) (int64, *framework.Status) {
	return scoreWithState(f.scorer, preScoreStateKey, state, pod, nodeInfo)
}

func scoreWithState(sc *allocationScorer, key framework.StateKey, state *framework.CycleState, pod *corev1.Pod, nodeInfo *framework.NodeInfo) (int64, *framework.Status) {
	var req []int64
	if v, err := state.Read(key); err == nil {
		if s, ok := v.(*preScoreState); ok {
			req = s.podRequests
		}
	}
	if req == nil {
		req = sc.podRequests(pod)
	}
	return sc.scoreNode(nodeInfo, req), nil
}

// ScoreExtensions implements framework.ScorePlugin; scores need no
// normalisation.
func (*Fit) ScoreExtensions() framework.ScoreExtensions { return nil }

// EventsToRegister implements framework.EnqueueExtensions: a pod leaving a
// node, a pod shrinking, a new node or more allocatable may make room.
func (f *Fit) EventsToRegister(context.Context) ([]framework.ClusterEventWithHint, error) {
	return []framework.ClusterEventWithHint{
		{
			Event: framework.ClusterEvent{Resource: framework.Pod, ActionType: framework.Delete | framework.UpdatePodScaleDown},
			QueueingHintFn: func(_ *corev1.Pod, oldObj, _ any) (framework.QueueingHint, error) {
				old, ok := oldObj.(*corev1.Pod)
				if !ok {
					return framework.Queue, fmt.Errorf("unexpected object %T", oldObj)
				}
				if old.Spec.NodeName == "" {
					return framework.QueueSkip, nil // an unassigned pod freed nothing
				}
				return framework.Queue, nil
			},
		},
		{
			Event: framework.ClusterEvent{Resource: framework.Node, ActionType: framework.Add | framework.UpdateNodeAllocatable},
			QueueingHintFn: func(pod *corev1.Pod, _, newObj any) (framework.QueueingHint, error) {
				n, ok := newObj.(*corev1.Node)
				if !ok {
					return framework.Queue, fmt.Errorf("unexpected object %T", newObj)
				}
				empty := framework.NewNodeInfo()
				empty.SetNode(n)
				if len(f.Fits(pod, empty)) > 0 {
					return framework.QueueSkip, nil // too small even when empty
				}
				return framework.Queue, nil
			},
		},
	}, nil
}

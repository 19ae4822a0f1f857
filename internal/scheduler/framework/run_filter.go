package framework

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

// RunPreFilterPlugins runs the PreFilter plugins in order. It returns the
// intersection of their results, and the first rejection or error (with
// the plugin set). Plugins that return Skip are recorded in
// state.SkipFilterPlugins. If the results intersect to no node the status
// is UnschedulableAndUnresolvable.
func (f *Framework) RunPreFilterPlugins(ctx context.Context, state *CycleState, pod *corev1.Pod, nodes []*NodeInfo) (_ *PreFilterResult, status *Status) {
	start := f.clock.Now()
	defer func() { f.observePoint(preFilterPoint, start, status) }()
	var result *PreFilterResult
	var narrowing []string
	skip := sets.New[string]()
	for _, pl := range f.preFilter {
		pstart := f.clock.Now()
		r, s := pl.PreFilter(ctx, state, pod, nodes)
		f.observePlugin(pl.Name(), preFilterPoint, pstart, s)
		if s.IsSkip() {
			skip.Insert(pl.Name())
			continue
		}
		if !s.IsSuccess() {
			if s.IsRejected() {
				return nil, s.WithPlugin(pl.Name())
			}
			return nil, AsStatus(fmt.Errorf("running PreFilter plugin %q: %w", pl.Name(), s.AsError())).WithPlugin(pl.Name())
		}
		if !r.AllNodes() {
			narrowing = append(narrowing, pl.Name())
		}
		result = result.Merge(r)
		if !result.AllNodes() && len(result.NodeNames) == 0 {
			msg := fmt.Sprintf("node(s) didn't satisfy plugin(s) [%s] simultaneously", strings.Join(narrowing, " "))
			if len(narrowing) == 1 {
				msg = fmt.Sprintf("node(s) didn't satisfy plugin %s", narrowing[0])
			}
			return result, NewStatus(UnschedulableAndUnresolvable, msg).WithPlugin(pl.Name())
		}
	}
	state.SkipFilterPlugins = skip
	return result, nil
}

// RunFilterPlugins runs the Filter plugins on one node, in order, and
// returns the first status that is not Success, with the plugin set. An
// Error from a plugin is wrapped with the plugin's name.
func (f *Framework) RunFilterPlugins(ctx context.Context, state *CycleState, pod *corev1.Pod, nodeInfo *NodeInfo) *Status {
	for _, pl := range f.filter {
		if state.SkipFilterPlugins.Has(pl.Name()) {
			continue
		}
		s := pl.Filter(ctx, state, pod, nodeInfo)
		if s.IsSuccess() {
			continue
		}
		if !s.IsRejected() {
			s = AsStatus(fmt.Errorf("running %q filter plugin: %w", pl.Name(), s.AsError()))
		}
		return s.WithPlugin(pl.Name())
	}
	return nil
}

// FindFeasibleNodes runs PreFilter once and then Filter on every node the
// PreFilter result allows, Config.Parallelism nodes at a time. It
// returns the nodes in their given order; it returns the nodes that passed and the
// diagnosis of the others. A non-nil status is an Error that aborts the
// cycle, or the PreFilter rejection (then Diagnosis.PreFilterMsg is set
// and every node is recorded with it). An empty feasible list with a nil
// status means the caller should report a FitError (after PostFilter).
func (f *Framework) FindFeasibleNodes(ctx context.Context, state *CycleState, pod *corev1.Pod, nodes []*NodeInfo) ([]*NodeInfo, Diagnosis, *Status) {
	d := Diagnosis{NodeToStatus: NodeToStatus{}, UnschedulablePlugins: sets.New[string]()}
	result, s := f.RunPreFilterPlugins(ctx, state, pod, nodes)
	if !s.IsSuccess() {
		if !s.IsRejected() {
			return nil, d, s
		}
		d.PreFilterMsg = s.Message()
		d.UnschedulablePlugins.Insert(s.Plugin())
		for _, n := range nodes {
			d.NodeToStatus[n.Node().Name] = s
		}
		return nil, d, s
	}
	if !result.AllNodes() {
		nodes = slices.DeleteFunc(slices.Clone(nodes), func(n *NodeInfo) bool {
			_, ok := result.NodeNames[n.Node().Name]
			return !ok
		})
	}
	statuses := make([]*Status, len(nodes))
	if s := f.forEachNode(ctx, len(nodes), func(ctx context.Context, i int) *Status {
		s := f.RunFilterPlugins(ctx, state, pod, nodes[i])
		if !s.IsSuccess() && !s.IsRejected() {
			return s
		}
		statuses[i] = s
		return nil
	}); s != nil {
		return nil, d, s
	}
	var feasible []*NodeInfo
	for i, s := range statuses {
		if s.IsSuccess() {
			feasible = append(feasible, nodes[i])
			continue
		}
		d.NodeToStatus[nodes[i].Node().Name] = s
		d.UnschedulablePlugins.Insert(s.Plugin())
	}
	return feasible, d, nil
}

// RunPostFilterPlugins runs the PostFilter plugins until one succeeds or
// returns UnschedulableAndUnresolvable. Otherwise the reasons of all of
// them are joined in one Unschedulable status.
func (f *Framework) RunPostFilterPlugins(ctx context.Context, state *CycleState, pod *corev1.Pod, filtered NodeToStatus) (_ *PostFilterResult, status *Status) {
	start := f.clock.Now()
	defer func() { f.observePoint(postFilterPoint, start, status) }()
	var reasons []string
	var rejector string
	var result *PostFilterResult
	for _, pl := range f.postFilter {
		pstart := f.clock.Now()
		r, s := pl.PostFilter(ctx, state, pod, filtered)
		f.observePlugin(pl.Name(), postFilterPoint, pstart, s)
		switch {
		case s.IsSuccess():
			return r, s
		case s.Code() == UnschedulableAndUnresolvable:
			return r, s.WithPlugin(pl.Name())
		case !s.IsRejected():
			return nil, AsStatus(fmt.Errorf("running PostFilter plugin %q: %w", pl.Name(), s.AsError())).WithPlugin(pl.Name())
		}
		if rejector == "" {
			rejector = pl.Name()
		}
		if r != nil {
			result = r
		}
		reasons = append(reasons, s.Reasons()...)
	}
	return result, NewStatus(Unschedulable, reasons...).WithPlugin(rejector)
}

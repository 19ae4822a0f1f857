package framework

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

// PluginScore is one plugin's weighted score of a node.
type PluginScore struct {
	Name  string
	Score int64
}

// NodePluginScores are the weighted scores of one node.
type NodePluginScores struct {
	Name       string
	Scores     []PluginScore
	TotalScore int64
}

// RunPreScorePlugins runs the PreScore plugins. Plugins that return Skip
// are recorded in state.SkipScorePlugins; the first other failure is
// returned as an Error status.
func (f *Framework) RunPreScorePlugins(ctx context.Context, state *CycleState, pod *corev1.Pod, nodes []*NodeInfo) (status *Status) {
	start := f.clock.Now()
	defer func() { f.observePoint(preScorePoint, start, status) }()
	skip := sets.New[string]()
	for _, pl := range f.preScore {
		pstart := f.clock.Now()
		s := pl.PreScore(ctx, state, pod, nodes)
		f.observePlugin(pl.Name(), preScorePoint, pstart, s)
		if s.IsSkip() {
			skip.Insert(pl.Name())
			continue
		}
		if !s.IsSuccess() {
			return AsStatus(fmt.Errorf("running PreScore plugin %q: %w", pl.Name(), s.AsError())).WithPlugin(pl.Name())
		}
	}
	state.SkipScorePlugins = skip
	return nil
}

// RunScorePlugins scores every node with every Score plugin not skipped
// by PreScore, normalises each plugin's scores, checks that they are in
// [MinNodeScore, MaxNodeScore], multiplies them by the plugin's weight and
// sums them per node. Nodes are scored Config.Parallelism at a time; the
// result is in the order of nodes.
func (f *Framework) RunScorePlugins(ctx context.Context, state *CycleState, pod *corev1.Pod, nodes []*NodeInfo) (_ []NodePluginScores, status *Status) {
	start := f.clock.Now()
	defer func() { f.observePoint(scorePoint, start, status) }()
	out := make([]NodePluginScores, len(nodes))
	for i, n := range nodes {
		out[i].Name = n.Node().Name
	}
	var enabled []ScorePlugin
	for _, pl := range f.score {
		if !state.SkipScorePlugins.Has(pl.Name()) {
			enabled = append(enabled, pl)
		}
	}
	all := make([][]NodeScore, len(enabled))
	for j := range enabled {
		all[j] = make([]NodeScore, len(nodes))
	}
	if s := f.forEachNode(ctx, len(nodes), func(ctx context.Context, i int) *Status {
		name := nodes[i].Node().Name
		for j, pl := range enabled {
			v, s := pl.Score(ctx, state, pod, nodes[i])
			if !s.IsSuccess() {
				return AsStatus(fmt.Errorf("running Score plugin %q on node %q: %w", pl.Name(), name, s.AsError())).WithPlugin(pl.Name())
			}
			all[j][i] = NodeScore{Name: name, Score: v}
		}
		return nil
	}); s != nil {
		return nil, s
	}
	for j, pl := range enabled {
		scores := all[j]
		if ext := pl.ScoreExtensions(); ext != nil {
			if s := ext.NormalizeScore(ctx, state, pod, scores); !s.IsSuccess() {
				return nil, AsStatus(fmt.Errorf("running NormalizeScore of plugin %q: %w", pl.Name(), s.AsError())).WithPlugin(pl.Name())
			}
		}
		w := f.scoreWeights[pl.Name()]
		for i, ns := range scores {
			if ns.Score < MinNodeScore || ns.Score > MaxNodeScore {
				return nil, AsStatus(fmt.Errorf("plugin %q returns an invalid score %d, it should in the range of [%d, %d] after normalizing", pl.Name(), ns.Score, MinNodeScore, MaxNodeScore)).WithPlugin(pl.Name())
			}
			out[i].Scores = append(out[i].Scores, PluginScore{Name: pl.Name(), Score: ns.Score * w})
			out[i].TotalScore += ns.Score * w
		}
	}
	return out, nil
}

// DefaultNormalizeScore scales scores so that the highest becomes
// maxPriority; with reverse, a score s becomes maxPriority - s after
// scaling (so the lowest raw score wins). All-zero scores become 0, or
// maxPriority with reverse.
func DefaultNormalizeScore(maxPriority int64, reverse bool, scores []NodeScore) *Status {
	var highest int64
	for _, s := range scores {
		highest = max(highest, s.Score)
	}
	for i := range scores {
		v := scores[i].Score
		if highest == 0 {
			v = 0
		} else {
			v = maxPriority * v / highest
		}
		if reverse {
			v = maxPriority - v
		}
		scores[i].Score = v
	}
	return nil
}

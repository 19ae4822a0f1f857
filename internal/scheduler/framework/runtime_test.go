package framework_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"

	"github.com/berth-dev/berth/internal/scheduler/framework"
	st "github.com/berth-dev/berth/internal/scheduler/testing"
)

// fakePlugin implements every extension point with canned answers, and
// logs its calls in a shared slice.
type fakePlugin struct {
	name      string
	calls     *[]string
	preFilter func(nodes []*framework.NodeInfo) (*framework.PreFilterResult, *framework.Status)
	filter    map[string]*framework.Status // by node name
	preScore  *framework.Status
	score     map[string]int64
	normalize func(scores []framework.NodeScore)
	reserve   *framework.Status
	permit    *framework.Status
	bind      *framework.Status
}

func (p *fakePlugin) Name() string { return p.name }

func (p *fakePlugin) log(point string) {
	if p.calls != nil {
		*p.calls = append(*p.calls, p.name+"."+point)
	}
}

func (p *fakePlugin) PreFilter(_ context.Context, _ *framework.CycleState, _ *corev1.Pod, nodes []*framework.NodeInfo) (*framework.PreFilterResult, *framework.Status) {
	p.log("PreFilter")
	if p.preFilter == nil {
		return nil, nil
	}
	return p.preFilter(nodes)
}

func (p *fakePlugin) PreFilterExtensions() framework.PreFilterExtensions { return nil }

func (p *fakePlugin) Filter(_ context.Context, _ *framework.CycleState, _ *corev1.Pod, ni *framework.NodeInfo) *framework.Status {
	p.log("Filter")
	s := p.filter[ni.Node().Name]
	if s == nil {
		return nil
	}
	// A fresh copy, as a real plugin returns a new status per call.
	return framework.NewStatus(s.Code(), s.Reasons()...)
}

func (p *fakePlugin) PreScore(context.Context, *framework.CycleState, *corev1.Pod, []*framework.NodeInfo) *framework.Status {
	p.log("PreScore")
	return p.preScore
}

func (p *fakePlugin) Score(_ context.Context, _ *framework.CycleState, _ *corev1.Pod, ni *framework.NodeInfo) (int64, *framework.Status) {
	p.log("Score")
	return p.score[ni.Node().Name], nil
}

func (p *fakePlugin) ScoreExtensions() framework.ScoreExtensions {
	if p.normalize == nil {
		return nil
	}
	return p
}

func (p *fakePlugin) NormalizeScore(_ context.Context, _ *framework.CycleState, _ *corev1.Pod, scores []framework.NodeScore) *framework.Status {
	p.normalize(scores)
	return nil
}

func (p *fakePlugin) Reserve(context.Context, *framework.CycleState, *corev1.Pod, string) *framework.Status {
	p.log("Reserve")
	return p.reserve
}

func (p *fakePlugin) Unreserve(context.Context, *framework.CycleState, *corev1.Pod, string) {
	p.log("Unreserve")
}

func (p *fakePlugin) Permit(context.Context, *framework.CycleState, *corev1.Pod, string) (*framework.Status, time.Duration) {
	p.log("Permit")
	return p.permit, 0
}

func (p *fakePlugin) Bind(context.Context, *framework.CycleState, *corev1.Pod, string) *framework.Status {
	p.log("Bind")
	return p.bind
}

// newFramework builds a Framework of the given plugins, all enabled at
// the extension points in pl. It works on one node at a time so that the
// call logs are in order; TestParallel covers parallelism.
func newFramework(t *testing.T, pl framework.Plugins, weights map[string]int64, plugins ...*fakePlugin) *framework.Framework {
	t.Helper()
	r := framework.Registry{}
	for _, p := range plugins {
		r[p.name] = func(context.Context, any, framework.Handle) (framework.Plugin, error) { return p, nil }
	}
	f, err := framework.New(t.Context(), r, framework.Config{Plugins: pl, ScoreWeights: weights, Parallelism: 1})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func nodeInfos(names ...string) []*framework.NodeInfo {
	var out []*framework.NodeInfo
	for _, n := range names {
		out = append(out, st.NodeInfo(st.Node(n).Capacity("cpu", "1").Obj()))
	}
	return out
}

func TestRunFilterPluginsFirstFailureWins(t *testing.T) {
	var calls []string
	a := &fakePlugin{name: "A", calls: &calls}
	b := &fakePlugin{name: "B", calls: &calls, filter: map[string]*framework.Status{"n": framework.NewStatus(framework.Unschedulable, "b says no")}}
	c := &fakePlugin{name: "C", calls: &calls, filter: map[string]*framework.Status{"n": framework.NewStatus(framework.UnschedulableAndUnresolvable, "c says no")}}
	f := newFramework(t, framework.Plugins{Filter: []string{"A", "B", "C"}}, nil, a, b, c)

	got := f.RunFilterPlugins(t.Context(), framework.NewCycleState(), st.Pod("p").Obj(), nodeInfos("n")[0])
	want := framework.NewStatus(framework.Unschedulable, "b says no").WithPlugin("B")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("status (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"A.Filter", "B.Filter"}, calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestRunFilterPluginsWrapsErrors(t *testing.T) {
	a := &fakePlugin{name: "A", filter: map[string]*framework.Status{"n": framework.AsStatus(errors.New("broken"))}}
	f := newFramework(t, framework.Plugins{Filter: []string{"A"}}, nil, a)
	got := f.RunFilterPlugins(t.Context(), framework.NewCycleState(), st.Pod("p").Obj(), nodeInfos("n")[0])
	if got.Code() != framework.Error || got.Plugin() != "A" || got.Message() != `running "A" filter plugin: broken` {
		t.Errorf("got %v (plugin %q), want Error from A wrapping broken", got, got.Plugin())
	}
}

func TestPreFilterSkipAndNarrowing(t *testing.T) {
	var calls []string
	skip := &fakePlugin{name: "Skipper", calls: &calls,
		preFilter: func([]*framework.NodeInfo) (*framework.PreFilterResult, *framework.Status) {
			return nil, framework.NewStatus(framework.Skip)
		},
		filter: map[string]*framework.Status{"n1": framework.NewStatus(framework.Unschedulable, "never called")},
	}
	narrow := &fakePlugin{name: "Narrow", calls: &calls,
		preFilter: func([]*framework.NodeInfo) (*framework.PreFilterResult, *framework.Status) {
			return &framework.PreFilterResult{NodeNames: sets.New("n1", "n2")}, nil
		},
		filter: map[string]*framework.Status{"n2": framework.NewStatus(framework.Unschedulable, "n2 is full")},
	}
	f := newFramework(t, framework.Plugins{PreFilter: []string{"Skipper", "Narrow"}, Filter: []string{"Skipper", "Narrow"}}, nil, skip, narrow)

	feasible, d, s := f.FindFeasibleNodes(t.Context(), framework.NewCycleState(), st.Pod("p").Obj(), nodeInfos("n1", "n2", "n3"))
	if !s.IsSuccess() {
		t.Fatalf("status = %v", s)
	}
	if len(feasible) != 1 || feasible[0].Node().Name != "n1" {
		t.Errorf("feasible = %v, want [n1]", feasible)
	}
	wantDiag := framework.NodeToStatus{"n2": framework.NewStatus(framework.Unschedulable, "n2 is full").WithPlugin("Narrow")}
	if diff := cmp.Diff(wantDiag, d.NodeToStatus); diff != "" {
		t.Errorf("NodeToStatus (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(sets.New("Narrow"), d.UnschedulablePlugins); diff != "" {
		t.Errorf("UnschedulablePlugins (-want +got):\n%s", diff)
	}
	want := []string{"Skipper.PreFilter", "Narrow.PreFilter", "Narrow.Filter", "Narrow.Filter"}
	if diff := cmp.Diff(want, calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestPreFilterDisjointResults(t *testing.T) {
	only := func(names ...string) func([]*framework.NodeInfo) (*framework.PreFilterResult, *framework.Status) {
		return func([]*framework.NodeInfo) (*framework.PreFilterResult, *framework.Status) {
			return &framework.PreFilterResult{NodeNames: sets.New(names...)}, nil
		}
	}
	tests := []struct {
		name    string
		plugins []*fakePlugin
		want    string
	}{
		{"one plugin", []*fakePlugin{{name: "A", preFilter: only()}}, "node(s) didn't satisfy plugin A"},
		{"two plugins", []*fakePlugin{{name: "A", preFilter: only("n1")}, {name: "B", preFilter: only("n2")}}, "node(s) didn't satisfy plugin(s) [A B] simultaneously"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var names []string
			for _, p := range tt.plugins {
				names = append(names, p.name)
			}
			f := newFramework(t, framework.Plugins{PreFilter: names}, nil, tt.plugins...)
			_, s := f.RunPreFilterPlugins(t.Context(), framework.NewCycleState(), st.Pod("p").Obj(), nodeInfos("n1", "n2"))
			if s.Code() != framework.UnschedulableAndUnresolvable || s.Message() != tt.want {
				t.Errorf("status = %v, want UnschedulableAndUnresolvable %q", s, tt.want)
			}
		})
	}
}

func TestFindFeasibleNodesPreFilterRejection(t *testing.T) {
	a := &fakePlugin{name: "A", preFilter: func([]*framework.NodeInfo) (*framework.PreFilterResult, *framework.Status) {
		return nil, framework.NewStatus(framework.UnschedulableAndUnresolvable, "pod is hopeless")
	}}
	f := newFramework(t, framework.Plugins{PreFilter: []string{"A"}}, nil, a)
	nodes := nodeInfos("n1", "n2")
	_, d, s := f.FindFeasibleNodes(t.Context(), framework.NewCycleState(), st.Pod("p").Obj(), nodes)
	if !s.IsRejected() || s.Plugin() != "A" {
		t.Fatalf("status = %v from %q, want rejection by A", s, s.Plugin())
	}
	fe := &framework.FitError{NumAllNodes: len(nodes), Diagnosis: d}
	if got, want := fe.Error(), "0/2 nodes are available: pod is hopeless."; got != want {
		t.Errorf("FitError = %q, want %q", got, want)
	}
}

func TestRunScorePluginsNormalizeAndWeight(t *testing.T) {
	a := &fakePlugin{name: "A", score: map[string]int64{"n1": 10, "n2": 40}}
	// B's raw scores are out of range; its normaliser brings them back.
	b := &fakePlugin{name: "B", score: map[string]int64{"n1": 1000, "n2": 500}, normalize: func(s []framework.NodeScore) {
		framework.DefaultNormalizeScore(framework.MaxNodeScore, false, s)
	}}
	skipped := &fakePlugin{name: "C", preScore: framework.NewStatus(framework.Skip), score: map[string]int64{"n1": 1}}
	f := newFramework(t, framework.Plugins{PreScore: []string{"C"}, Score: []string{"A", "B", "C"}}, map[string]int64{"B": 3}, a, b, skipped)

	state := framework.NewCycleState()
	nodes := nodeInfos("n1", "n2")
	if s := f.RunPreScorePlugins(t.Context(), state, st.Pod("p").Obj(), nodes); !s.IsSuccess() {
		t.Fatal(s)
	}
	got, s := f.RunScorePlugins(t.Context(), state, st.Pod("p").Obj(), nodes)
	if !s.IsSuccess() {
		t.Fatal(s)
	}
	want := []framework.NodePluginScores{
		{Name: "n1", Scores: []framework.PluginScore{{Name: "A", Score: 10}, {Name: "B", Score: 300}}, TotalScore: 310},
		{Name: "n2", Scores: []framework.PluginScore{{Name: "A", Score: 40}, {Name: "B", Score: 150}}, TotalScore: 190},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scores (-want +got):\n%s", diff)
	}
}

func TestRunScorePluginsRejectsOutOfRange(t *testing.T) {
	a := &fakePlugin{name: "A", score: map[string]int64{"n1": 101}}
	f := newFramework(t, framework.Plugins{Score: []string{"A"}}, nil, a)
	_, s := f.RunScorePlugins(t.Context(), framework.NewCycleState(), st.Pod("p").Obj(), nodeInfos("n1"))
	want := `plugin "A" returns an invalid score 101, it should in the range of [0, 100] after normalizing`
	if s.Code() != framework.Error || s.Message() != want {
		t.Errorf("status = %v, want Error %q", s, want)
	}
}

func TestReserveUnreservePermitBind(t *testing.T) {
	var calls []string
	a := &fakePlugin{name: "A", calls: &calls, bind: framework.NewStatus(framework.Skip)}
	b := &fakePlugin{name: "B", calls: &calls, reserve: framework.NewStatus(framework.Unschedulable, "no room"), permit: framework.NewStatus(framework.Wait)}
	f := newFramework(t, framework.Plugins{Reserve: []string{"A", "B"}, Permit: []string{"A", "B"}, Bind: []string{"A", "B"}}, nil, a, b)
	ctx, state, pod := t.Context(), framework.NewCycleState(), st.Pod("p").Obj()

	if s := f.RunReservePluginsReserve(ctx, state, pod, "n"); !s.IsRejected() || s.Plugin() != "B" {
		t.Errorf("Reserve = %v from %q, want rejection by B", s, s.Plugin())
	}
	f.RunReservePluginsUnreserve(ctx, state, pod, "n")
	if s := f.RunPermitPlugins(ctx, state, pod, "n"); !s.IsWait() || s.Plugin() != "B" {
		t.Errorf("Permit = %v, want Wait from B", s)
	}
	if s := f.RunBindPlugins(ctx, state, pod, "n"); !s.IsSuccess() {
		t.Errorf("Bind = %v, want success from B after A skipped", s)
	}
	want := []string{"A.Reserve", "B.Reserve", "B.Unreserve", "A.Unreserve", "A.Permit", "B.Permit", "A.Bind", "B.Bind"}
	if diff := cmp.Diff(want, calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}

	none := newFramework(t, framework.Plugins{}, nil)
	if s := none.RunBindPlugins(ctx, state, pod, "n"); !s.IsSkip() {
		t.Errorf("Bind without plugins = %v, want Skip", s)
	}
}

func TestNewValidates(t *testing.T) {
	filterOnly := &struct{ framework.Plugin }{}
	r := framework.Registry{
		"F": func(context.Context, any, framework.Handle) (framework.Plugin, error) {
			return &fakePlugin{name: "F"}, nil
		},
		"P": func(context.Context, any, framework.Handle) (framework.Plugin, error) { return filterOnly, nil },
		"E": func(context.Context, any, framework.Handle) (framework.Plugin, error) {
			return nil, errors.New("bad args")
		},
	}
	tests := []struct {
		name string
		cfg  framework.Config
		want string
	}{
		{"unknown plugin", framework.Config{Plugins: framework.Plugins{Filter: []string{"X"}}}, `plugin "X" is not registered`},
		{"factory error", framework.Config{Plugins: framework.Plugins{Filter: []string{"E"}}}, `build plugin "E": bad args`},
		{"wrong extension point", framework.Config{Plugins: framework.Plugins{Score: []string{"P"}}}, `plugin "P" does not implement Score`},
		{"enabled twice", framework.Config{Plugins: framework.Plugins{Filter: []string{"F", "F"}}}, `plugin "F" enabled twice at Filter`},
		{"bad weight", framework.Config{Plugins: framework.Plugins{Score: []string{"F"}}, ScoreWeights: map[string]int64{"F": 0}}, `weight 0 must be positive`},
		{"weight of disabled plugin", framework.Config{ScoreWeights: map[string]int64{"F": 1}}, `not an enabled score plugin`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := framework.New(t.Context(), r, tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParallel(t *testing.T) {
	var names []string
	filter := map[string]*framework.Status{}
	score := map[string]int64{}
	for i := range 100 {
		name := fmt.Sprintf("n%02d", i)
		names = append(names, name)
		if i%2 == 1 {
			filter[name] = framework.NewStatus(framework.Unschedulable, "odd")
		}
		score[name] = int64(i)
	}
	r := framework.Registry{"A": func(context.Context, any, framework.Handle) (framework.Plugin, error) {
		return &fakePlugin{name: "A", filter: filter, score: score}, nil
	}}
	f, err := framework.New(t.Context(), r, framework.Config{
		Plugins:     framework.Plugins{Filter: []string{"A"}, Score: []string{"A"}},
		Parallelism: 8,
	})
	if err != nil {
		t.Fatal(err)
	}
	state := framework.NewCycleState()
	feasible, d, s := f.FindFeasibleNodes(t.Context(), state, st.Pod("p").Obj(), nodeInfos(names...))
	if !s.IsSuccess() {
		t.Fatal(s)
	}
	var got []string
	for _, n := range feasible {
		got = append(got, n.Node().Name)
	}
	var want []string
	for i := 0; i < 100; i += 2 {
		want = append(want, names[i])
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("feasible nodes (-want +got):\n%s", diff)
	}
	if len(d.NodeToStatus) != 50 {
		t.Errorf("%d rejected nodes, want 50", len(d.NodeToStatus))
	}

	scores, s := f.RunScorePlugins(t.Context(), state, st.Pod("p").Obj(), feasible)
	if !s.IsSuccess() {
		t.Fatal(s)
	}
	for i, ns := range scores {
		if ns.Name != want[i] || ns.TotalScore != int64(2*i) {
			t.Errorf("score %d = %+v, want %s with %d", i, ns, want[i], 2*i)
		}
	}
}

func TestParallelFilterErrorStops(t *testing.T) {
	var names []string
	for i := range 50 {
		names = append(names, fmt.Sprintf("n%02d", i))
	}
	r := framework.Registry{"A": func(context.Context, any, framework.Handle) (framework.Plugin, error) {
		return &fakePlugin{name: "A", filter: map[string]*framework.Status{"n17": framework.AsStatus(errors.New("broken"))}}, nil
	}}
	f, err := framework.New(t.Context(), r, framework.Config{Plugins: framework.Plugins{Filter: []string{"A"}}, Parallelism: 4})
	if err != nil {
		t.Fatal(err)
	}
	_, _, s := f.FindFeasibleNodes(t.Context(), framework.NewCycleState(), st.Pod("p").Obj(), nodeInfos(names...))
	if s.Code() != framework.Error || s.Message() != `running "A" filter plugin: broken` {
		t.Errorf("status = %v, want the plugin error", s)
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, s = f.FindFeasibleNodes(ctx, framework.NewCycleState(), st.Pod("p").Obj(), nodeInfos(names...))
	if s.Code() != framework.Error {
		t.Errorf("with a cancelled context: status = %v, want Error", s)
	}
}

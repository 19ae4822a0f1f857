package noderesources

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/berth-dev/berth/internal/scheduler/framework"
	st "github.com/berth-dev/berth/internal/scheduler/testing"
)

func TestFitFilter(t *testing.T) {
	node := st.Node("n").Capacity("cpu", "2", "memory", "4Gi", "ephemeral-storage", "10Gi", "example.com/gpu", "1", "pods", "3").Obj()
	existing := []*corev1.Pod{st.Pod("e").Req("cpu", "1", "memory", "2Gi").Obj()}
	unschedulable := func(reasons ...string) *framework.Status {
		return framework.NewStatus(framework.Unschedulable, reasons...)
	}
	tests := []struct {
		name     string
		args     *FitArgs
		pod      *corev1.Pod
		existing []*corev1.Pod
		want     *framework.Status
	}{
		{name: "fits", pod: st.Pod("p").Req("cpu", "1", "memory", "2Gi").Obj(), existing: existing},
		{name: "no requests fit", pod: st.Pod("p").Req().Obj(), existing: existing},
		{
			name: "insufficient cpu", pod: st.Pod("p").Req("cpu", "1001m").Obj(), existing: existing,
			want: unschedulable("Insufficient cpu"),
		},
		{
			name: "insufficient cpu and memory, in that order", pod: st.Pod("p").Req("memory", "3Gi", "cpu", "2").Obj(), existing: existing,
			want: unschedulable("Insufficient cpu", "Insufficient memory"),
		},
		{
			name: "insufficient ephemeral storage", pod: st.Pod("p").Req("ephemeral-storage", "11Gi").Obj(),
			want: unschedulable("Insufficient ephemeral-storage"),
		},
		{
			name: "insufficient extended resource", pod: st.Pod("p").Req("example.com/gpu", "2").Obj(),
			want: unschedulable("Insufficient example.com/gpu"),
		},
		{
			name: "extended resource unknown to the node", pod: st.Pod("p").Req("example.com/fpga", "1").Obj(),
			want: unschedulable("Insufficient example.com/fpga"),
		},
		{
			name: "ignored extended resource", args: &FitArgs{IgnoredResources: []string{"example.com/fpga"}},
			pod: st.Pod("p").Req("example.com/fpga", "1").Obj(),
		},
		{
			name: "ignored resource group", args: &FitArgs{IgnoredResourceGroups: []string{"example.com"}},
			pod: st.Pod("p").Req("example.com/fpga", "1", "example.com/gpu", "5").Obj(),
		},
		{
			name:     "too many pods, even with no requests",
			pod:      st.Pod("p").Req().Obj(),
			existing: []*corev1.Pod{st.Pod("a").Obj(), st.Pod("b").Obj(), st.Pod("c").Obj()},
			want:     unschedulable("Too many pods"),
		},
		{
			name:     "too many pods and insufficient cpu",
			pod:      st.Pod("p").Req("cpu", "3").Obj(),
			existing: []*corev1.Pod{st.Pod("a").Obj(), st.Pod("b").Obj(), st.Pod("c").Obj()},
			want:     unschedulable("Too many pods", "Insufficient cpu"),
		},
		{
			name: "an init container larger than the app containers decides",
			pod:  st.Pod("p").InitReq("cpu", "1500m").Req("cpu", "500m").Obj(), existing: existing,
			want: unschedulable("Insufficient cpu"),
		},
		{
			name: "a sidecar adds to the app containers",
			pod:  st.Pod("p").SidecarReq("cpu", "600m").Req("cpu", "500m").Obj(), existing: existing,
			want: unschedulable("Insufficient cpu"),
		},
		{
			name: "pod overhead counts",
			pod:  st.Pod("p").Req("cpu", "900m").Overhead("cpu", "200m").Obj(), existing: existing,
			want: unschedulable("Insufficient cpu"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var args any
			if tt.args != nil {
				args = tt.args
			}
			pl, err := NewFit(t.Context(), args, nil)
			if err != nil {
				t.Fatal(err)
			}
			p := pl.(*Fit)
			state := framework.NewCycleState()
			ni := st.NodeInfo(node, tt.existing...)
			if _, s := p.PreFilter(t.Context(), state, tt.pod, nil); !s.IsSuccess() {
				t.Fatal(s)
			}
			if diff := cmp.Diff(tt.want, p.Filter(t.Context(), state, tt.pod, ni)); diff != "" {
				t.Errorf("Filter (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFitFilterWithoutPreFilterIsError(t *testing.T) {
	pl, _ := NewFit(t.Context(), nil, nil)
	s := pl.(*Fit).Filter(t.Context(), framework.NewCycleState(), st.Pod("p").Obj(), st.NodeInfo(st.Node("n").Obj()))
	if s.Code() != framework.Error {
		t.Errorf("status = %v, want Error", s)
	}
}

// scorePlugin is the part of both plugins that scoreAll needs.
type scorePlugin interface {
	framework.PreScorePlugin
	Score(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, nodeInfo *framework.NodeInfo) (int64, *framework.Status)
}

func scoreAll(t *testing.T, p scorePlugin, pod *corev1.Pod, nodes []*framework.NodeInfo) []framework.NodeScore {
	t.Helper()
	state := framework.NewCycleState()
	if s := p.PreScore(t.Context(), state, pod, nodes); !s.IsSuccess() {
		t.Fatalf("PreScore: %v", s)
	}
	var out []framework.NodeScore
	for _, n := range nodes {
		v, s := p.Score(t.Context(), state, pod, n)
		if !s.IsSuccess() {
			t.Fatalf("Score: %v", s)
		}
		out = append(out, framework.NodeScore{Name: n.Node().Name, Score: v})
	}
	return out
}

func scoreNodes() []*framework.NodeInfo {
	return []*framework.NodeInfo{
		st.NodeInfo(st.Node("n1").Capacity("cpu", "4", "memory", "10000").Obj()),
		st.NodeInfo(st.Node("n2").Capacity("cpu", "6", "memory", "10000").Obj()),
		st.NodeInfo(st.Node("n3").Capacity("cpu", "4", "memory", "10000").Obj(),
			st.Pod("e").Req("cpu", "1", "memory", "2500").Obj()),
	}
}

func scores(kv ...any) []framework.NodeScore {
	var out []framework.NodeScore
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, framework.NodeScore{Name: kv[i].(string), Score: int64(kv[i+1].(int))})
	}
	return out
}

func TestFitScore(t *testing.T) {
	pod := st.Pod("p").Req("cpu", "3", "memory", "5000").Obj()
	tests := []struct {
		name string
		args *FitArgs
		pod  *corev1.Pod
		want []framework.NodeScore
	}{
		{
			// n1: cpu 1000/4000 free = 25, memory 5000/10000 free = 50 → 37.
			// n3: cpu full = 0, memory 2500/10000 free = 25 → 12.
			name: "LeastAllocated is the default",
			pod:  pod,
			want: scores("n1", 37, "n2", 50, "n3", 12),
		},
		{
			// n1: cpu 75, memory 50 → 62. n3: cpu 100, memory 75 → 87.
			name: "MostAllocated",
			args: &FitArgs{ScoringStrategy: ScoringStrategy{Type: MostAllocated}},
			pod:  pod,
			want: scores("n1", 62, "n2", 50, "n3", 87),
		},
		{
			// The shape falls from 10 at 0% to 0 at 100%: n1 cpu at 75% → 25,
			// memory at 50% → 50, mean 37.5 rounds to 38.
			name: "RequestedToCapacityRatio",
			args: &FitArgs{ScoringStrategy: ScoringStrategy{Type: RequestedToCapacityRatio, Shape: []UtilizationShapePoint{{0, 10}, {100, 0}}}},
			pod:  pod,
			want: scores("n1", 38, "n2", 50, "n3", 13),
		},
		{
			// The weights: cpu counts three times. n1: (25*3 + 50)/4 = 31.
			name: "resource weights",
			args: &FitArgs{ScoringStrategy: ScoringStrategy{Resources: []ResourceSpec{{Name: "cpu", Weight: 3}, {Name: "memory", Weight: 1}}}},
			pod:  pod,
			want: scores("n1", 31, "n2", 50, "n3", 6),
		},
		{
			// A pod without requests counts as 100m cpu and 200Mi memory;
			// 200Mi exceeds the 10000-byte memory, which scores 0.
			name: "non-zero defaults for best-effort pods",
			pod:  st.Pod("p").Req().Obj(),
			want: scores("n1", 48, "n2", 49, "n3", 36),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var args any
			if tt.args != nil {
				args = tt.args
			}
			pl, err := NewFit(t.Context(), args, nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, scoreAll(t, pl.(*Fit), tt.pod, scoreNodes())); diff != "" {
				t.Errorf("scores (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFitScoreExtendedResources(t *testing.T) {
	args := &FitArgs{ScoringStrategy: ScoringStrategy{Resources: []ResourceSpec{{Name: "cpu", Weight: 1}, {Name: "example.com/gpu", Weight: 3}}}}
	pl, err := NewFit(t.Context(), args, nil)
	if err != nil {
		t.Fatal(err)
	}
	nodes := []*framework.NodeInfo{st.NodeInfo(st.Node("n").Capacity("cpu", "4", "example.com/gpu", "4").Obj())}
	// cpu 25, gpu 75: (25 + 75*3)/4 = 62.
	if diff := cmp.Diff(scores("n", 62), scoreAll(t, pl.(*Fit), st.Pod("p").Req("cpu", "3", "example.com/gpu", "1").Obj(), nodes)); diff != "" {
		t.Errorf("with gpu (-want +got):\n%s", diff)
	}
	// A pod that does not ask for the gpu is scored on cpu alone.
	if diff := cmp.Diff(scores("n", 25), scoreAll(t, pl.(*Fit), st.Pod("p").Req("cpu", "3").Obj(), nodes)); diff != "" {
		t.Errorf("without gpu (-want +got):\n%s", diff)
	}
}

func TestBalancedAllocation(t *testing.T) {
	pl, err := NewBalancedAllocation(t.Context(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := pl.(*BalancedAllocation)
	// n1: cpu 75%, memory 50% → std 0.125 → 87. n2: 50%, 50% → 100.
	// n3: cpu 100%, memory 75% → 87.
	got := scoreAll(t, p, st.Pod("p").Req("cpu", "3", "memory", "5000").Obj(), scoreNodes())
	if diff := cmp.Diff(scores("n1", 87, "n2", 100, "n3", 87), got); diff != "" {
		t.Errorf("scores (-want +got):\n%s", diff)
	}
	if s := p.PreScore(t.Context(), framework.NewCycleState(), st.Pod("p").Req().Obj(), nil); !s.IsSkip() {
		t.Errorf("PreScore of a pod without requests = %v, want Skip", s)
	}

	three, err := NewBalancedAllocation(t.Context(), &BalancedAllocationArgs{Resources: []ResourceSpec{
		{Name: "cpu", Weight: 1}, {Name: "memory", Weight: 1}, {Name: "example.com/gpu", Weight: 1},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Fractions 0.5, 0.5, 1: mean 2/3, std √(1/18) ≈ 0.2357 → 76.
	nodes := []*framework.NodeInfo{st.NodeInfo(st.Node("n").Capacity("cpu", "2", "memory", "1000", "example.com/gpu", "1").Obj())}
	got = scoreAll(t, three.(*BalancedAllocation), st.Pod("p").Req("cpu", "1", "memory", "500", "example.com/gpu", "1").Obj(), nodes)
	if diff := cmp.Diff(scores("n", 76), got); diff != "" {
		t.Errorf("three resources (-want +got):\n%s", diff)
	}
}

func TestArgsValidation(t *testing.T) {
	tests := []struct {
		name string
		new  framework.PluginFactory
		args any
		want string
	}{
		{"wrong args type", NewFit, &BalancedAllocationArgs{}, "want args of type *FitArgs"},
		{"unknown strategy", NewFit, &FitArgs{ScoringStrategy: ScoringStrategy{Type: "Random"}}, `scoring strategy "Random" is not supported`},
		{"weight too large", NewFit, &FitArgs{ScoringStrategy: ScoringStrategy{Resources: []ResourceSpec{{Name: "cpu", Weight: 101}}}}, "weight 101 not in [1, 100]"},
		{"no shape", NewFit, &FitArgs{ScoringStrategy: ScoringStrategy{Type: RequestedToCapacityRatio}}, "at least one point"},
		{"unsorted shape", NewFit, &FitArgs{ScoringStrategy: ScoringStrategy{Type: RequestedToCapacityRatio, Shape: []UtilizationShapePoint{{50, 1}, {10, 2}}}}, "sorted in increasing order"},
		{"score above 10", NewFit, &FitArgs{ScoringStrategy: ScoringStrategy{Type: RequestedToCapacityRatio, Shape: []UtilizationShapePoint{{50, 11}}}}, "score 11 not in [0, 10]"},
		{"balanced weight zero", NewBalancedAllocation, &BalancedAllocationArgs{Resources: []ResourceSpec{{Name: "cpu"}}}, "weight 0 not in [1, 100]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.new(t.Context(), tt.args, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

package nodeaffinity

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"

	"github.com/berth-dev/berth/internal/scheduler/framework"
	st "github.com/berth-dev/berth/internal/scheduler/testing"
)

func TestPreFilterAndFilter(t *testing.T) {
	mismatch := framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonPod)
	byName := func(names ...string) corev1.NodeSelectorTerm {
		return corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{
			{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: names},
		}}
	}
	tests := []struct {
		name          string
		pod           *corev1.Pod
		node          *corev1.Node
		wantPreFilter *framework.Status
		wantResult    *framework.PreFilterResult
		wantFilter    *framework.Status
	}{
		{
			name:          "no selector or affinity: skipped",
			pod:           st.Pod("p").Obj(),
			node:          st.Node("n").Obj(),
			wantPreFilter: framework.NewStatus(framework.Skip),
		},
		{
			name: "nodeSelector matches",
			pod:  st.Pod("p").NodeSelector("zone", "a").Obj(),
			node: st.Node("n").Label("zone", "a").Obj(),
		},
		{
			name:       "nodeSelector does not match",
			pod:        st.Pod("p").NodeSelector("zone", "a").Obj(),
			node:       st.Node("n").Label("zone", "b").Obj(),
			wantFilter: mismatch,
		},
		{
			name: "required affinity matches one of its terms",
			pod:  st.Pod("p").RequiredNodeAffinityIn("zone", "x").RequiredNodeAffinityIn("zone", "a", "b").Obj(),
			node: st.Node("n").Label("zone", "b").Obj(),
		},
		{
			name:       "nodeSelector and affinity must both match",
			pod:        st.Pod("p").NodeSelector("disk", "ssd").RequiredNodeAffinityIn("zone", "a").Obj(),
			node:       st.Node("n").Label("zone", "a").Obj(),
			wantFilter: mismatch,
		},
		{
			name:       "metadata.name terms narrow the nodes",
			pod:        st.Pod("p").RequiredNodeAffinity(byName("n")).RequiredNodeAffinity(byName("m")).RequiredNodeAffinity(byName("o")).Obj(),
			node:       st.Node("n").Obj(),
			wantResult: &framework.PreFilterResult{NodeNames: sets.New("n", "m", "o")},
		},
		{
			name:       "node outside the metadata.name terms",
			pod:        st.Pod("p").RequiredNodeAffinity(byName("m")).Obj(),
			node:       st.Node("n").Obj(),
			wantResult: &framework.PreFilterResult{NodeNames: sets.New("m")},
			wantFilter: mismatch,
		},
		{
			name: "a term without metadata.name does not narrow",
			pod:  st.Pod("p").RequiredNodeAffinity(byName("m")).RequiredNodeAffinityIn("zone", "a").Obj(),
			node: st.Node("n").Label("zone", "a").Obj(),
		},
		{
			name:          "conflicting metadata.name requirements",
			pod:           st.Pod("p").RequiredNodeAffinity(corev1.NodeSelectorTerm{MatchFields: append(byName("a").MatchFields, byName("b").MatchFields...)}).Obj(),
			node:          st.Node("n").Obj(),
			wantPreFilter: framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonConflict),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &NodeAffinity{}
			state := framework.NewCycleState()
			ni := st.NodeInfo(tt.node)
			result, s := p.PreFilter(t.Context(), state, tt.pod, []*framework.NodeInfo{ni})
			if diff := cmp.Diff(tt.wantPreFilter, s); diff != "" {
				t.Errorf("PreFilter status (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantResult, result); diff != "" {
				t.Errorf("PreFilter result (-want +got):\n%s", diff)
			}
			if !s.IsSuccess() {
				return
			}
			if diff := cmp.Diff(tt.wantFilter, p.Filter(t.Context(), state, tt.pod, ni)); diff != "" {
				t.Errorf("Filter status (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScore(t *testing.T) {
	pod := st.Pod("p").PreferredNodeAffinityIn(2, "zone", "a").PreferredNodeAffinityIn(6, "disk", "ssd").Obj()
	nodes := []*framework.NodeInfo{
		st.NodeInfo(st.Node("none").Obj()),
		st.NodeInfo(st.Node("zone").Label("zone", "a").Obj()),
		st.NodeInfo(st.Node("disk").Label("disk", "ssd").Obj()),
		st.NodeInfo(st.Node("both").Label("zone", "a").Label("disk", "ssd").Obj()),
	}
	p := &NodeAffinity{}
	state := framework.NewCycleState()
	if s := p.PreScore(t.Context(), state, pod, nodes); !s.IsSuccess() {
		t.Fatal(s)
	}
	var scores []framework.NodeScore
	for _, n := range nodes {
		v, s := p.Score(t.Context(), state, pod, n)
		if !s.IsSuccess() {
			t.Fatal(s)
		}
		scores = append(scores, framework.NodeScore{Name: n.Node().Name, Score: v})
	}
	p.NormalizeScore(t.Context(), state, pod, scores)
	want := []framework.NodeScore{{Name: "none", Score: 0}, {Name: "zone", Score: 25}, {Name: "disk", Score: 75}, {Name: "both", Score: 100}}
	if diff := cmp.Diff(want, scores); diff != "" {
		t.Errorf("scores (-want +got):\n%s", diff)
	}

	if s := p.PreScore(t.Context(), state, st.Pod("q").Obj(), nodes); !s.IsSkip() {
		t.Errorf("PreScore without preferred terms = %v, want Skip", s)
	}
}

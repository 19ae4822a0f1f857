package tainttoleration

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/berth-dev/berth/internal/scheduler/framework"
	st "github.com/berth-dev/berth/internal/scheduler/testing"
)

func TestFilter(t *testing.T) {
	tests := []struct {
		name string
		pod  *corev1.Pod
		node *corev1.Node
		want *framework.Status
	}{
		{"no taints", st.Pod("p").Obj(), st.Node("n").Obj(), nil},
		{
			"untolerated NoSchedule taint",
			st.Pod("p").Obj(),
			st.Node("n").Taint("dedicated", "gpu", corev1.TaintEffectNoSchedule).Obj(),
			framework.NewStatus(framework.UnschedulableAndUnresolvable, "node(s) had untolerated taint {dedicated: gpu}"),
		},
		{
			"untolerated NoExecute taint, first untolerated one is named",
			st.Pod("p").Toleration("a", corev1.TolerationOpEqual, "1", corev1.TaintEffectNoSchedule).Obj(),
			st.Node("n").Taint("a", "1", corev1.TaintEffectNoSchedule).Taint("b", "", corev1.TaintEffectNoExecute).Obj(),
			framework.NewStatus(framework.UnschedulableAndUnresolvable, "node(s) had untolerated taint {b: }"),
		},
		{
			"tolerated by Equal",
			st.Pod("p").Toleration("dedicated", corev1.TolerationOpEqual, "gpu", corev1.TaintEffectNoSchedule).Obj(),
			st.Node("n").Taint("dedicated", "gpu", corev1.TaintEffectNoSchedule).Obj(),
			nil,
		},
		{
			"value mismatch",
			st.Pod("p").Toleration("dedicated", corev1.TolerationOpEqual, "cpu", corev1.TaintEffectNoSchedule).Obj(),
			st.Node("n").Taint("dedicated", "gpu", corev1.TaintEffectNoSchedule).Obj(),
			framework.NewStatus(framework.UnschedulableAndUnresolvable, "node(s) had untolerated taint {dedicated: gpu}"),
		},
		{
			"tolerated by Exists with empty effect",
			st.Pod("p").Toleration("dedicated", corev1.TolerationOpExists, "", "").Obj(),
			st.Node("n").Taint("dedicated", "gpu", corev1.TaintEffectNoExecute).Obj(),
			nil,
		},
		{
			"PreferNoSchedule does not filter",
			st.Pod("p").Obj(),
			st.Node("n").Taint("soft", "x", corev1.TaintEffectPreferNoSchedule).Obj(),
			nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := (&TaintToleration{}).Filter(t.Context(), framework.NewCycleState(), tt.pod, st.NodeInfo(tt.node))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScore(t *testing.T) {
	soft := corev1.TaintEffectPreferNoSchedule
	nodes := []*framework.NodeInfo{
		st.NodeInfo(st.Node("clean").Obj()),
		st.NodeInfo(st.Node("one").Taint("a", "1", soft).Obj()),
		st.NodeInfo(st.Node("two").Taint("a", "1", soft).Taint("b", "1", soft).Obj()),
		st.NodeInfo(st.Node("tolerated").Taint("c", "1", soft).Obj()),
		st.NodeInfo(st.Node("hard").Taint("d", "1", corev1.TaintEffectNoSchedule).Obj()),
	}
	pod := st.Pod("p").Toleration("c", corev1.TolerationOpExists, "", soft).
		// A NoSchedule toleration does not count for scoring.
		Toleration("a", corev1.TolerationOpExists, "", corev1.TaintEffectNoSchedule).Obj()

	p := &TaintToleration{}
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
	if s := p.NormalizeScore(t.Context(), state, pod, scores); !s.IsSuccess() {
		t.Fatal(s)
	}
	want := []framework.NodeScore{{Name: "clean", Score: 100}, {Name: "one", Score: 50}, {Name: "two", Score: 0}, {Name: "tolerated", Score: 100}, {Name: "hard", Score: 100}}
	if diff := cmp.Diff(want, scores); diff != "" {
		t.Errorf("scores (-want +got):\n%s", diff)
	}
}

func TestScoreWithoutPreScoreIsError(t *testing.T) {
	_, s := (&TaintToleration{}).Score(t.Context(), framework.NewCycleState(), st.Pod("p").Obj(), st.NodeInfo(st.Node("n").Obj()))
	if s.Code() != framework.Error {
		t.Errorf("status = %v, want Error", s)
	}
}

func TestQueueingHint(t *testing.T) {
	evs, _ := (&TaintToleration{}).EventsToRegister(t.Context())
	hint := evs[0].QueueingHintFn
	pod := st.Pod("p").Toleration("a", corev1.TolerationOpExists, "", corev1.TaintEffectNoSchedule).Obj()
	if h, _ := hint(pod, nil, st.Node("n").Taint("a", "x", corev1.TaintEffectNoSchedule).Obj()); h != framework.Queue {
		t.Error("a node with only tolerated taints must queue the pod")
	}
	if h, _ := hint(pod, nil, st.Node("n").Taint("b", "x", corev1.TaintEffectNoSchedule).Obj()); h != framework.QueueSkip {
		t.Error("a node with an untolerated taint must not queue the pod")
	}
}

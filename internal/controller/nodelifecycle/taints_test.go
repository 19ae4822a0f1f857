package nodelifecycle

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func noSched(key string) corev1.Taint {
	return corev1.Taint{Key: key, Effect: corev1.TaintEffectNoSchedule}
}

func TestNoScheduleDiff(t *testing.T) {
	cond := func(typ corev1.NodeConditionType, st corev1.ConditionStatus) corev1.NodeCondition {
		return corev1.NodeCondition{Type: typ, Status: st}
	}
	tests := []struct {
		name          string
		conds         []corev1.NodeCondition
		unschedulable bool
		taints        []corev1.Taint
		add, remove   []corev1.Taint
	}{
		{name: "healthy node, nothing to do", conds: []corev1.NodeCondition{cond(corev1.NodeReady, corev1.ConditionTrue), cond(corev1.NodeMemoryPressure, corev1.ConditionFalse)}},
		{name: "not ready", conds: []corev1.NodeCondition{cond(corev1.NodeReady, corev1.ConditionFalse)},
			add: []corev1.Taint{noSched(corev1.TaintNodeNotReady)}},
		{name: "unknown becomes unreachable, replacing not-ready",
			conds:  []corev1.NodeCondition{cond(corev1.NodeReady, corev1.ConditionUnknown)},
			taints: []corev1.Taint{noSched(corev1.TaintNodeNotReady)},
			add:    []corev1.Taint{noSched(corev1.TaintNodeUnreachable)}, remove: []corev1.Taint{noSched(corev1.TaintNodeNotReady)}},
		{name: "pressure conditions", conds: []corev1.NodeCondition{cond(corev1.NodeReady, corev1.ConditionTrue),
			cond(corev1.NodeMemoryPressure, corev1.ConditionTrue), cond(corev1.NodeDiskPressure, corev1.ConditionTrue),
			cond(corev1.NodePIDPressure, corev1.ConditionTrue), cond(corev1.NodeNetworkUnavailable, corev1.ConditionTrue)},
			add: []corev1.Taint{noSched(corev1.TaintNodeMemoryPressure), noSched(corev1.TaintNodeDiskPressure),
				noSched(corev1.TaintNodePIDPressure), noSched(corev1.TaintNodeNetworkUnavailable)}},
		{name: "unschedulable", conds: []corev1.NodeCondition{cond(corev1.NodeReady, corev1.ConditionTrue)}, unschedulable: true,
			add: []corev1.Taint{noSched(corev1.TaintNodeUnschedulable)}},
		{name: "healed: managed taints go, others stay",
			conds: []corev1.NodeCondition{cond(corev1.NodeReady, corev1.ConditionTrue)},
			taints: []corev1.Taint{noSched(corev1.TaintNodeUnreachable), noSched(corev1.TaintNodeUnschedulable), noSched("example.com/mine"),
				{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}},
			remove: []corev1.Taint{noSched(corev1.TaintNodeUnreachable), noSched(corev1.TaintNodeUnschedulable)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := &corev1.Node{Spec: corev1.NodeSpec{Unschedulable: tc.unschedulable, Taints: tc.taints}, Status: corev1.NodeStatus{Conditions: tc.conds}}
			add, remove := noScheduleDiff(n)
			sorted := cmpopts.SortSlices(func(a, b corev1.Taint) bool { return a.Key < b.Key })
			if diff := cmp.Diff(tc.add, add, sorted, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("add (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.remove, remove, sorted, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("remove (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSwapTaints(t *testing.T) {
	mine := corev1.Taint{Key: "example.com/mine", Effect: corev1.TaintEffectNoExecute}
	old := metav1.NewTime(at(1))
	existing := unreachableTaint
	existing.TimeAdded = &old

	got, changed := swapTaints([]corev1.Taint{mine, existing}, []corev1.Taint{notReadyTaint}, []corev1.Taint{unreachableTaint}, at(100))
	want := []corev1.Taint{mine, {Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute, TimeAdded: &metav1.Time{Time: at(100)}}}
	if diff := cmp.Diff(want, got); diff != "" || !changed {
		t.Errorf("swap (changed=%v) (-want +got):\n%s", changed, diff)
	}
	// Adding a taint that is there keeps its original time.
	got, changed = swapTaints([]corev1.Taint{existing}, []corev1.Taint{unreachableTaint}, nil, at(100))
	if changed || !got[0].TimeAdded.Equal(&old) {
		t.Errorf("re-adding changed=%v taints=%v", changed, got)
	}
	// Removing what is absent changes nothing.
	if _, changed := swapTaints([]corev1.Taint{mine}, nil, []corev1.Taint{notReadyTaint}, at(100)); changed {
		t.Error("removing an absent taint reported a change")
	}
}

func TestLabelDiff(t *testing.T) {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{
		corev1.LabelOSStable: "linux", corev1.LabelArchStable: "arm64", "beta.kubernetes.io/arch": "amd64"}}}
	want := map[string]string{"beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "arm64"}
	if diff := cmp.Diff(want, labelDiff(n)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

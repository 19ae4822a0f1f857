package nodeunschedulable

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/berth-dev/berth/internal/scheduler/framework"
	st "github.com/berth-dev/berth/internal/scheduler/testing"
)

func TestFilter(t *testing.T) {
	rejected := framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReasonUnschedulable)
	tests := []struct {
		name string
		pod  *corev1.Pod
		node *corev1.Node
		want *framework.Status
	}{
		{"schedulable node", st.Pod("p").Obj(), st.Node("n").Obj(), nil},
		{"cordoned node", st.Pod("p").Obj(), st.Node("n").Unschedulable().Obj(), rejected},
		{
			"cordoned node, pod tolerates the unschedulable taint",
			st.Pod("p").Toleration(corev1.TaintNodeUnschedulable, corev1.TolerationOpExists, "", corev1.TaintEffectNoSchedule).Obj(),
			st.Node("n").Unschedulable().Obj(), nil,
		},
		{
			"cordoned node, pod tolerates everything",
			st.Pod("p").Toleration("", corev1.TolerationOpExists, "", "").Obj(),
			st.Node("n").Unschedulable().Obj(), nil,
		},
		{
			"cordoned node, pod tolerates only NoExecute",
			st.Pod("p").Toleration(corev1.TaintNodeUnschedulable, corev1.TolerationOpExists, "", corev1.TaintEffectNoExecute).Obj(),
			st.Node("n").Unschedulable().Obj(), rejected,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := New(t.Context(), nil, nil)
			got := p.(*NodeUnschedulable).Filter(t.Context(), framework.NewCycleState(), tt.pod, st.NodeInfo(tt.node))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
		})
	}
}

func TestQueueingHint(t *testing.T) {
	evs, _ := (&NodeUnschedulable{}).EventsToRegister(t.Context())
	hint := evs[0].QueueingHintFn
	pod := st.Pod("p").Obj()
	tests := []struct {
		name     string
		old, new *corev1.Node
		want     framework.QueueingHint
	}{
		{"schedulable node added", nil, st.Node("n").Obj(), framework.Queue},
		{"cordoned node added", nil, st.Node("n").Unschedulable().Obj(), framework.QueueSkip},
		{"node uncordoned", st.Node("n").Unschedulable().Obj(), st.Node("n").Obj(), framework.Queue},
		{"node cordoned", st.Node("n").Obj(), st.Node("n").Unschedulable().Obj(), framework.QueueSkip},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var old any
			if tt.old != nil {
				old = tt.old
			}
			if got, _ := hint(pod, old, tt.new); got != tt.want {
				t.Errorf("hint = %v, want %v", got, tt.want)
			}
		})
	}
}

package nodename

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
		want *framework.Status
	}{
		{"no node name fits any node", st.Pod("p").Obj(), nil},
		{"matching node name", st.Pod("p").Node("n").Obj(), nil},
		{"other node name", st.Pod("p").Node("m").Obj(), framework.NewStatus(framework.UnschedulableAndUnresolvable, ErrReason)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := New(t.Context(), nil, nil)
			got := p.(*NodeName).Filter(t.Context(), framework.NewCycleState(), tt.pod, st.NodeInfo(st.Node("n").Obj()))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
		})
	}
}

func TestQueueingHint(t *testing.T) {
	evs, _ := (&NodeName{}).EventsToRegister(t.Context())
	hint := evs[0].QueueingHintFn
	pod := st.Pod("p").Node("n").Obj()
	if h, _ := hint(pod, nil, st.Node("n").Obj()); h != framework.Queue {
		t.Error("adding the named node must queue the pod")
	}
	if h, _ := hint(pod, nil, st.Node("m").Obj()); h != framework.QueueSkip {
		t.Error("adding another node must not queue the pod")
	}
}

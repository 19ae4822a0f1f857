package nodeports

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/berth-dev/berth/internal/scheduler/framework"
	st "github.com/berth-dev/berth/internal/scheduler/testing"
)

func TestFilter(t *testing.T) {
	taken := framework.NewStatus(framework.Unschedulable, ErrReason)
	node := st.Node("n").Obj()
	tests := []struct {
		name          string
		pod           *corev1.Pod
		existing      []*corev1.Pod
		wantPreFilter *framework.Status
		want          *framework.Status
	}{
		{
			name:          "no host ports: skipped",
			pod:           st.Pod("p").Req().Obj(),
			existing:      []*corev1.Pod{st.Pod("e").HostPort("", "TCP", 80).Obj()},
			wantPreFilter: framework.NewStatus(framework.Skip),
		},
		{
			name: "free port",
			pod:  st.Pod("p").HostPort("", "TCP", 8080).Obj(),
			existing: []*corev1.Pod{
				st.Pod("e").HostPort("", "TCP", 80).Obj(),
			},
		},
		{
			name:     "same port, other protocol",
			pod:      st.Pod("p").HostPort("", "UDP", 80).Obj(),
			existing: []*corev1.Pod{st.Pod("e").HostPort("", "TCP", 80).Obj()},
		},
		{
			name:     "same port and protocol",
			pod:      st.Pod("p").HostPort("", "TCP", 80).Obj(),
			existing: []*corev1.Pod{st.Pod("e").HostPort("", "TCP", 80).Obj()},
			want:     taken,
		},
		{
			name:     "different host IPs do not clash",
			pod:      st.Pod("p").HostPort("10.0.0.1", "TCP", 80).Obj(),
			existing: []*corev1.Pod{st.Pod("e").HostPort("10.0.0.2", "TCP", 80).Obj()},
		},
		{
			name:     "a specific IP clashes with 0.0.0.0",
			pod:      st.Pod("p").HostPort("10.0.0.1", "TCP", 80).Obj(),
			existing: []*corev1.Pod{st.Pod("e").HostPort("0.0.0.0", "TCP", 80).Obj()},
			want:     taken,
		},
		{
			name:     "0.0.0.0 clashes with a specific IP",
			pod:      st.Pod("p").HostPort("", "", 80).Obj(),
			existing: []*corev1.Pod{st.Pod("e").HostPort("10.0.0.1", "TCP", 80).Obj()},
			want:     taken,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &NodePorts{}
			state := framework.NewCycleState()
			ni := st.NodeInfo(node, tt.existing...)
			_, s := p.PreFilter(t.Context(), state, tt.pod, []*framework.NodeInfo{ni})
			if diff := cmp.Diff(tt.wantPreFilter, s); diff != "" {
				t.Fatalf("PreFilter (-want +got):\n%s", diff)
			}
			if !s.IsSuccess() {
				return
			}
			if diff := cmp.Diff(tt.want, p.Filter(t.Context(), state, tt.pod, ni)); diff != "" {
				t.Errorf("Filter (-want +got):\n%s", diff)
			}
		})
	}
}

func TestQueueingHintOnPodDelete(t *testing.T) {
	evs, _ := (&NodePorts{}).EventsToRegister(t.Context())
	hint := evs[0].QueueingHintFn
	pod := st.Pod("p").HostPort("", "TCP", 80).Obj()
	if h, _ := hint(pod, st.Pod("e").Node("n").HostPort("", "TCP", 80).Obj(), nil); h != framework.Queue {
		t.Error("deleting a pod that held the port must queue")
	}
	if h, _ := hint(pod, st.Pod("e").Node("n").HostPort("", "TCP", 81).Obj(), nil); h != framework.QueueSkip {
		t.Error("deleting a pod that held another port must not queue")
	}
}

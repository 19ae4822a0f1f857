package queue

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

func TestClusterEventMatch(t *testing.T) {
	tests := []struct {
		reg, in ClusterEvent
		want    bool
	}{
		{ClusterEvent{Resource: Node, ActionType: Add}, ClusterEvent{Resource: Node, ActionType: Add}, true},
		{ClusterEvent{Resource: Node, ActionType: Add}, ClusterEvent{Resource: Node, ActionType: Delete}, false},
		{ClusterEvent{Resource: Node, ActionType: Update}, ClusterEvent{Resource: Node, ActionType: UpdateNodeTaint}, true},
		{ClusterEvent{Resource: Node, ActionType: UpdateNodeLabel}, ClusterEvent{Resource: Node, ActionType: UpdateNodeTaint}, false},
		{ClusterEvent{Resource: Node, ActionType: All}, ClusterEvent{Resource: PersistentVolume, ActionType: Add}, false},
		{ClusterEvent{Resource: Pod, ActionType: Add}, ClusterEvent{Resource: AssignedPod, ActionType: Add}, true},
		{ClusterEvent{Resource: Pod, ActionType: Update}, ClusterEvent{Resource: UnscheduledPod, ActionType: UpdatePodLabel}, true},
		{ClusterEvent{Resource: AssignedPod, ActionType: All}, ClusterEvent{Resource: UnscheduledPod, ActionType: UpdatePodLabel}, false},
		{ClusterEvent{Resource: WildCard, ActionType: Delete}, ClusterEvent{Resource: CSINode, ActionType: Delete}, true},
		{ClusterEvent{Resource: Node, ActionType: Add}, UnschedulableTimeout, true},
	}
	for _, tt := range tests {
		t.Run(tt.reg.String()+"~"+tt.in.String(), func(t *testing.T) {
			if got := tt.reg.Match(tt.in); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPodChangeEvents(t *testing.T) {
	base := func() *corev1.Pod {
		p := pod("a").gate("g").obj()
		p.Spec.Containers = []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: mustQ("1")},
		}}}
		return p
	}
	tests := []struct {
		name    string
		mutate  func(*corev1.Pod)
		want    []ActionType
		updated bool
	}{
		{"label", func(p *corev1.Pod) { p.Labels = map[string]string{"a": "b"} }, []ActionType{UpdatePodLabel}, true},
		{"scale down", func(p *corev1.Pod) { p.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU] = mustQ("500m") }, []ActionType{UpdatePodScaleDown}, true},
		{"scale up", func(p *corev1.Pod) { p.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU] = mustQ("2") }, []ActionType{UpdatePodOther}, true},
		{"toleration", func(p *corev1.Pod) { p.Spec.Tolerations = []corev1.Toleration{{Key: "k"}} }, []ActionType{UpdatePodToleration}, true},
		{"gates removed", func(p *corev1.Pod) { p.Spec.SchedulingGates = nil }, []ActionType{UpdatePodSchedulingGatesEliminated}, true},
		{"label and toleration", func(p *corev1.Pod) {
			p.Labels = map[string]string{"a": "b"}
			p.Spec.Tolerations = []corev1.Toleration{{Key: "k"}}
		}, []ActionType{UpdatePodLabel, UpdatePodToleration}, true},
		{"status and metadata only", func(p *corev1.Pod) {
			p.ResourceVersion = "9"
			p.Finalizers = []string{"f"}
			p.Status.Phase = corev1.PodPending
		}, []ActionType{UpdatePodOther}, false},
		{"resource claim status", func(p *corev1.Pod) {
			p.Status.ResourceClaimStatuses = []corev1.PodResourceClaimStatus{{Name: "c"}}
		}, []ActionType{UpdatePodOther}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oldPod, newPod := base(), base()
			tt.mutate(newPod)
			var got []ActionType
			for _, ev := range podChangeEvents(UnscheduledPod, oldPod, newPod) {
				if ev.Resource != UnscheduledPod {
					t.Errorf("event resource %q", ev.Resource)
				}
				got = append(got, ev.ActionType)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if u := isPodUpdated(oldPod, newPod); u != tt.updated {
				t.Errorf("isPodUpdated = %v, want %v", u, tt.updated)
			}
		})
	}
}

package podcondition

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestReady(t *testing.T) {
	pod := func(conds ...corev1.PodCondition) *corev1.Pod {
		return &corev1.Pod{Status: corev1.PodStatus{Conditions: conds}}
	}
	for _, tc := range []struct {
		pod  *corev1.Pod
		want bool
	}{
		{pod(), false},
		{pod(corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}), false},
		{pod(corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionFalse}), false},
		{pod(corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}, corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue}), true},
	} {
		if got := Ready(tc.pod); got != tc.want {
			t.Errorf("Ready(%v) = %v, want %v", tc.pod.Status.Conditions, got, tc.want)
		}
	}
	p := pod(corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue})
	Get(p, corev1.PodReady).Status = corev1.ConditionFalse
	if Ready(p) {
		t.Error("Get must return the pod's own condition, not a copy")
	}
}

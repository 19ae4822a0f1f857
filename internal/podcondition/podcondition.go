// Package podcondition reads a pod's status conditions the way every
// component needs them (controllers, the eviction API, hollow nodes).
package podcondition

import corev1 "k8s.io/api/core/v1"

// Get returns the pod's condition of type t, or nil.
func Get(pod *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == t {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}

// Ready reports whether the pod's Ready condition is True.
func Ready(pod *corev1.Pod) bool {
	c := Get(pod, corev1.PodReady)
	return c != nil && c.Status == corev1.ConditionTrue
}

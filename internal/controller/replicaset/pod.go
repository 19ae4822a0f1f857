package replicaset

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/podcondition"
)

// active reports whether a pod counts towards replicas: not finished and
// not being deleted.
func active(p *corev1.Pod) bool {
	return p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed && p.DeletionTimestamp == nil
}

// terminating reports whether a pod is being deleted but still running.
func terminating(p *corev1.Pod) bool {
	return p.DeletionTimestamp != nil && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed
}

// availableIn is how long until a ready pod counts as available with
// minReadySeconds: 0 if it already does, -1 if it is not ready (or
// its readiness has no time, so it never will be).
func availableIn(p *corev1.Pod, minReadySeconds int32, now time.Time) time.Duration {
	c := podcondition.Get(p, corev1.PodReady)
	if c == nil || c.Status != corev1.ConditionTrue {
		return -1
	}
	if minReadySeconds == 0 {
		return 0
	}
	// As upstream: available once strictly more than minReadySeconds have
	// passed since the pod became ready.
	if c.LastTransitionTime.IsZero() {
		return -1
	}
	at := c.LastTransitionTime.Add(time.Duration(minReadySeconds) * time.Second)
	if at.Before(now) {
		return 0
	}
	return at.Sub(now)
}

// podFromTemplate is the pod a ReplicaSet creates: the template's labels,
// annotations, finalizers and spec, named "<owner>-<random>" and
// controlled by owner.
func podFromTemplate(rs *appsv1.ReplicaSet, ref *metav1.OwnerReference) *corev1.Pod {
	t := rs.Spec.Template.DeepCopy()
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    rs.Name + "-",
			Namespace:       rs.Namespace,
			Labels:          t.Labels,
			Annotations:     t.Annotations,
			Finalizers:      t.Finalizers,
			OwnerReferences: []metav1.OwnerReference{*ref},
		},
		Spec: t.Spec,
	}
}

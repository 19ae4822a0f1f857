package disruption

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/berth-dev/berth/internal/controller/worker"
)

// StalePodDisruptionTimeout is how long a pod may carry a True
// DisruptionTarget condition without being deleted before the controller
// sets it back to False: the disruption (an eviction or a preemption)
// evidently did not happen.
const StalePodDisruptionTimeout = 2 * time.Minute

// StaleDeps are what reconcileStale needs.
type StaleDeps struct {
	GetPod          func(namespace, name string) (*corev1.Pod, error)
	UpdatePodStatus func(ctx context.Context, pod *corev1.Pod) error
	Now             func() time.Time
}

// staleDisruption reports whether pod carries a DisruptionTarget
// condition that may go stale, and how long until it does. Conditions
// set by the kubelet, and those on deleting or finished pods, never go
// stale.
func staleDisruption(pod *corev1.Pod, now time.Time) (bool, time.Duration) {
	if pod.DeletionTimestamp != nil || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return false, 0
	}
	for _, c := range pod.Status.Conditions {
		if c.Type != corev1.DisruptionTarget {
			continue
		}
		if c.Status != corev1.ConditionTrue || c.Reason == corev1.PodReasonTerminationByKubelet {
			return false, 0
		}
		return true, max(StalePodDisruptionTimeout-now.Sub(c.LastTransitionTime.Time), 0)
	}
	return false, 0
}

// reconcileStale sets the stale DisruptionTarget condition of the pod at
// key to False, or comes back when it will be stale.
func reconcileStale(ctx context.Context, d StaleDeps, key string) (worker.Result, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return worker.Result{}, nil
	}
	pod, err := d.GetPod(ns, name)
	if apierrors.IsNotFound(err) {
		return worker.Result{}, nil
	}
	if err != nil {
		return worker.Result{}, err
	}
	now := d.Now()
	stale, wait := staleDisruption(pod, now)
	if !stale {
		return worker.Result{}, nil
	}
	if wait > 0 {
		return worker.Result{RequeueAfter: wait}, nil
	}
	updated := pod.DeepCopy()
	for i := range updated.Status.Conditions {
		c := &updated.Status.Conditions[i]
		if c.Type == corev1.DisruptionTarget {
			c.Status, c.Reason, c.Message = corev1.ConditionFalse, "", ""
			c.LastTransitionTime = metav1.NewTime(now.Truncate(time.Second))
		}
	}
	return worker.Result{}, d.UpdatePodStatus(ctx, updated)
}

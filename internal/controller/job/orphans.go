package job

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
)

// orphanPrefix marks queue keys naming a pod, not a Job: a pod with the
// tracking finalizer and no controller (released by its Job, or left by a
// Job deleted with orphan propagation). Namespaces cannot contain ':'.
const orphanPrefix = "orphan-pod:"

func orphanKey(p *corev1.Pod) string { return orphanPrefix + p.Namespace + "/" + p.Name }

// isOrphan: the pod holds the tracking finalizer but has no controller.
func isOrphan(p *corev1.Pod) bool {
	return hasFinalizer(p) && metav1.GetControllerOfNoCopy(p) == nil
}

// releaseOrphan removes the tracking finalizer of an orphaned pod unless
// an unfinished Job selects it and so may adopt it.
func (s *syncer) releaseOrphan(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(strings.TrimPrefix(key, orphanPrefix))
	if err != nil {
		return nil
	}
	pods, err := s.deps.ListPods(ns)
	if err != nil {
		return err
	}
	var pod *corev1.Pod
	for _, p := range pods {
		if p.Name == name {
			pod = p
		}
	}
	if pod == nil || !isOrphan(pod) {
		return nil
	}
	jobs, err := s.deps.ListJobs(ns)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		sel, err := metav1.LabelSelectorAsSelector(j.Spec.Selector)
		if err != nil || sel.Empty() || finishedCondition(j) != nil || j.DeletionTimestamp != nil {
			continue
		}
		if sel.Matches(labels.Set(pod.Labels)) {
			return nil
		}
	}
	if err := s.deps.PatchPod(ctx, ns, name, removeFinalizerPatch); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("remove finalizer of orphaned pod %s/%s: %w", ns, name, err)
	}
	return nil
}

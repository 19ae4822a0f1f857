package job

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/podcondition"
)

// noIndex marks a pod without a valid completion index.
const noIndex = -1

// completionIndexEnv is the variable through which pods learn their index.
const completionIndexEnv = "JOB_COMPLETION_INDEX"

var jobKind = batchv1.SchemeGroupVersion.WithKind("Job")

func indexed(j *batchv1.Job) bool {
	return ptr.Deref(j.Spec.CompletionMode, batchv1.NonIndexedCompletion) == batchv1.IndexedCompletion
}

func suspended(j *batchv1.Job) bool { return ptr.Deref(j.Spec.Suspend, false) }

func perIndexBackoff(j *batchv1.Job) bool {
	return indexed(j) && j.Spec.BackoffLimitPerIndex != nil
}

// onlyReplaceFailed is podReplacementPolicy Failed (implied by a
// podFailurePolicy): terminating pods are neither replaced nor counted as
// failed until they reach phase Failed.
func onlyReplaceFailed(j *batchv1.Job) bool {
	return j.Spec.PodFailurePolicy != nil || ptr.Deref(j.Spec.PodReplacementPolicy, batchv1.TerminatingOrFailed) == batchv1.Failed
}

// podIndex is the pod's completion index, or noIndex.
func podIndex(p *corev1.Pod) int {
	v, ok := p.Annotations[batchv1.JobCompletionIndexAnnotation]
	if !ok {
		return noIndex
	}
	i, err := strconv.Atoi(v)
	if err != nil || i < 0 {
		return noIndex
	}
	return i
}

// validIndex reports whether p has an index within the Job's completions.
func validIndex(j *batchv1.Job, p *corev1.Pod) bool {
	i := podIndex(p)
	return i != noIndex && i < int(ptr.Deref(j.Spec.Completions, 0))
}

func terminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

func isActive(p *corev1.Pod) bool { return !terminal(p) && p.DeletionTimestamp == nil }

func isTerminating(p *corev1.Pod) bool { return !terminal(p) && p.DeletionTimestamp != nil }

// isFailed: phase Failed, or (unless only failed pods are replaced) being
// deleted before succeeding, so that orphaned pods still count.
func isFailed(p *corev1.Pod, j *batchv1.Job) bool {
	if p.Status.Phase == corev1.PodFailed {
		return true
	}
	if onlyReplaceFailed(j) {
		return false
	}
	return p.DeletionTimestamp != nil && p.Status.Phase != corev1.PodSucceeded
}

func hasFinalizer(p *corev1.Pod) bool {
	return slices.Contains(p.Finalizers, batchv1.JobTrackingFinalizer)
}

// removeFinalizerPatch is a strategic-merge patch dropping the tracking
// finalizer.
var removeFinalizerPatch = []byte(`{"metadata":{"$deleteFromPrimitiveList/finalizers":["` + batchv1.JobTrackingFinalizer + `"]}}`)

// newPod builds a pod of j from its template; index is noIndex for
// NonIndexed Jobs. prevFailed is the last failed pod of the index when
// backoffLimitPerIndex carries counts over.
func newPod(j *batchv1.Job, index int, prevFailed *corev1.Pod) *corev1.Pod {
	t := j.Spec.Template.DeepCopy()
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:       j.Namespace,
			GenerateName:    j.Name + "-",
			Labels:          maps.Clone(t.Labels),
			Annotations:     maps.Clone(t.Annotations),
			Finalizers:      t.Finalizers,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(j, jobKind)},
		},
		Spec: t.Spec,
	}
	if !slices.Contains(p.Finalizers, batchv1.JobTrackingFinalizer) {
		p.Finalizers = append(p.Finalizers, batchv1.JobTrackingFinalizer)
	}
	if index == noIndex {
		return p
	}
	if p.Annotations == nil {
		p.Annotations = map[string]string{}
	}
	if p.Labels == nil {
		p.Labels = map[string]string{}
	}
	ix := strconv.Itoa(index)
	p.Annotations[batchv1.JobCompletionIndexAnnotation] = ix
	p.Labels[batchv1.JobCompletionIndexAnnotation] = ix
	p.Spec.Hostname = fmt.Sprintf("%s-%d", j.Name, index)
	p.GenerateName = indexedGenerateName(j.Name, index)
	addIndexEnv(p.Spec.InitContainers)
	addIndexEnv(p.Spec.Containers)
	if perIndexBackoff(j) {
		failed, ignored := 0, 0
		if prevFailed != nil {
			failed, ignored = indexFailures(prevFailed)
			if matchFailurePolicy(j.Spec.PodFailurePolicy, prevFailed).count {
				failed++
			} else {
				ignored++
			}
		}
		p.Annotations[batchv1.JobIndexFailureCountAnnotation] = strconv.Itoa(failed)
		if ignored > 0 {
			p.Annotations[batchv1.JobIndexIgnoredFailureCountAnnotation] = strconv.Itoa(ignored)
		}
	}
	return p
}

// indexedGenerateName is "<job>-<index>-", with the Job name cut so the
// generated name stays a valid DNS subdomain.
func indexedGenerateName(job string, index int) string {
	suffix := "-" + strconv.Itoa(index) + "-"
	const maxPrefix = 253 - 5
	if len(job)+len(suffix) > maxPrefix {
		job = job[:maxPrefix-len(suffix)]
	}
	return job + suffix
}

func addIndexEnv(cs []corev1.Container) {
	for i := range cs {
		if slices.ContainsFunc(cs[i].Env, func(e corev1.EnvVar) bool { return e.Name == completionIndexEnv }) {
			continue
		}
		cs[i].Env = append(cs[i].Env, corev1.EnvVar{Name: completionIndexEnv, ValueFrom: &corev1.EnvVarSource{
			FieldRef: &corev1.ObjectFieldSelector{FieldPath: fmt.Sprintf("metadata.annotations['%s']", batchv1.JobCompletionIndexAnnotation)},
		}})
	}
}

// removalOrder sorts pods so the cheapest to lose come first: unscheduled,
// pending, not ready, then the newest.
func removalOrder(a, b *corev1.Pod) int {
	rank := func(p *corev1.Pod) int {
		switch {
		case p.Spec.NodeName == "":
			return 0
		case p.Status.Phase == corev1.PodPending:
			return 1
		case !podcondition.Ready(p):
			return 2
		}
		return 3
	}
	if c := cmp.Compare(rank(a), rank(b)); c != 0 {
		return c
	}
	return b.CreationTimestamp.Compare(a.CreationTimestamp.Time)
}

// podsToRemove picks at least n active pods to delete; for Indexed Jobs
// pods with an invalid or repeated index always go first.
func podsToRemove(j *batchv1.Job, active []*corev1.Pod, n int) []*corev1.Pod {
	var rm, keep []*corev1.Pod
	if indexed(j) {
		best := map[int]*corev1.Pod{}
		for _, p := range active {
			if !validIndex(j, p) {
				rm = append(rm, p)
				continue
			}
			i := podIndex(p)
			if cur, ok := best[i]; ok {
				if removalOrder(p, cur) > 0 {
					best[i], p = p, cur
				}
				rm = append(rm, p)
				continue
			}
			best[i] = p
		}
		for _, p := range active {
			if best[podIndex(p)] == p {
				keep = append(keep, p)
			}
		}
	} else {
		keep = slices.Clone(active)
	}
	if len(rm) < n {
		slices.SortFunc(keep, removalOrder)
		rm = append(rm, keep[:min(n-len(rm), len(keep))]...)
	}
	return rm
}

package job

import (
	"context"
	"errors"
	"fmt"
	"slices"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/utils/ptr"
)

// track counts finished pods exactly once, as upstream: it records them in
// status.uncountedTerminatedPods (or completedIndexes) first, then removes
// their finalizers, then moves the pods whose finalizer is gone into the
// succeeded/failed counters, and finally writes the Job's terminal
// condition once nothing is left uncounted or terminating.
func (s *syncer) track(ctx context.Context, st *state, flush bool) error {
	j := st.job
	isIndexed := indexed(j)
	pods := st.pods
	if isIndexed {
		pods = slices.Clone(pods)
		slices.SortStableFunc(pods, func(a, b *corev1.Pod) int { return podIndex(a) - podIndex(b) })
	}
	withFinalizer := sets.New[types.UID]()
	for _, p := range pods {
		if hasFinalizer(p) {
			withFinalizer.Insert(p.UID)
		}
	}
	if countUncounted(&j.Status, withFinalizer) {
		flush = true
	}
	unc := j.Status.UncountedTerminatedPods
	var release []*corev1.Pod
	var newIdx []int
	full := false
	for _, p := range pods {
		if !hasFinalizer(p) {
			continue
		}
		failed := isFailed(p, j)
		if !s.canRelease(st, p, failed) {
			continue
		}
		release = append(release, p)
		switch {
		case p.Status.Phase == corev1.PodSucceeded && !st.uncFail.Has(p.UID):
			if isIndexed {
				if validIndex(j, p) && !st.prevSucceeded.has(podIndex(p)) {
					newIdx = append(newIdx, podIndex(p))
					flush = true
				}
			} else if !st.uncSucc.Has(p.UID) {
				unc.Succeeded = append(unc.Succeeded, p.UID)
				flush = true
			}
		case failed || (st.finished != nil && st.finished.Type != batchv1.JobSuccessCriteriaMet):
			// Once the Job is finishing, every pod still unfinished fails.
			if !st.uncFail.Has(p.UID) && (!isIndexed || validIndex(j, p)) && matchFailurePolicy(j.Spec.PodFailurePolicy, p).count {
				unc.Failed = append(unc.Failed, p.UID)
				flush = true
			}
		}
		if len(newIdx)+len(unc.Succeeded)+len(unc.Failed) >= maxUncounted {
			full = true
			break
		}
	}
	if isIndexed {
		st.succeededIdx = st.succeededIdx.with(newIdx)
		if s := st.succeededIdx.String(); s != j.Status.CompletedIndexes {
			j.Status.CompletedIndexes = s
			flush = true
		}
		j.Status.Succeeded = int32(st.succeededIdx.total())
		var failedStr *string
		if perIndexBackoff(j) {
			failedStr = ptr.To(st.failedIdx.String())
		}
		if !ptr.Equal(failedStr, j.Status.FailedIndexes) {
			j.Status.FailedIndexes = failedStr
			flush = true
		}
	}
	// The interim condition is written before any finalizer is removed, so
	// that the outcome survives a restart; the final one comes later.
	if st.finished != nil && st.finished.Type == batchv1.JobFailureTarget {
		j.Status.Conditions = append(j.Status.Conditions, *st.finished)
		flush = true
		st.finished = condition(batchv1.JobFailed, st.finished.Reason, st.finished.Message, st.now)
	}
	if st.finished != nil && st.finished.Type == batchv1.JobSuccessCriteriaMet {
		if findCondition(j, batchv1.JobSuccessCriteriaMet) == nil {
			j.Status.Conditions = append(j.Status.Conditions, *st.finished)
			flush = true
		}
		st.finished = condition(batchv1.JobComplete, st.finished.Reason, st.finished.Message, st.now)
	}
	if flush {
		if err := s.updateStatus(ctx, st); err != nil {
			return fmt.Errorf("add uncounted pods: %w", err)
		}
		s.backoff.set(st.key, st.backoff)
		flush = false
	}
	rmErr := s.removeFinalizers(ctx, st, release, withFinalizer)
	if countUncounted(&st.job.Status, withFinalizer) {
		flush = true
	}
	if rmErr != nil {
		if flush {
			if err := s.updateStatus(ctx, st); err != nil {
				return errors.Join(rmErr, err)
			}
		}
		return rmErr
	}
	done := !full && s.enactFinished(st)
	if done || flush {
		if err := s.updateStatus(ctx, st); err != nil {
			return fmt.Errorf("count pods: %w", err)
		}
	}
	if done {
		s.recordFinished(st)
	}
	return nil
}

func (s *syncer) updateStatus(ctx context.Context, st *state) error {
	got, err := s.deps.UpdateJobStatus(ctx, st.job)
	if err != nil {
		return err
	}
	st.job = got
	if got.Status.UncountedTerminatedPods == nil {
		got.Status.UncountedTerminatedPods = &batchv1.UncountedTerminatedPods{}
	}
	return nil
}

// canRelease says whether a pod's finalizer may go: the Job is being
// deleted or finishing, the pod succeeded, or it failed and is not held
// for its index's replacement.
func (s *syncer) canRelease(st *state, p *corev1.Pod, failed bool) bool {
	if st.job.DeletionTimestamp != nil || st.finished != nil || p.Status.Phase == corev1.PodSucceeded {
		return true
	}
	if !failed {
		return false
	}
	if perIndexBackoff(st.job) {
		if d, ok := st.delayed[podIndex(p)]; ok && d.UID == p.UID {
			return false
		}
	}
	return true
}

// removeFinalizers patches the pods and drops those done from
// withFinalizer.
func (s *syncer) removeFinalizers(ctx context.Context, st *state, pods []*corev1.Pod, withFinalizer sets.Set[types.UID]) error {
	if len(pods) == 0 {
		return nil
	}
	uids := make([]string, len(pods))
	for i, p := range pods {
		uids[i] = string(p.UID)
	}
	s.finalizers.ExpectDeletions(st.key, uids)
	var errs []error
	for _, p := range pods {
		if err := s.deps.PatchPod(ctx, p.Namespace, p.Name, removeFinalizerPatch); err != nil {
			s.finalizers.DeletionObserved(st.key, string(p.UID))
			if !apierrors.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("remove finalizer of pod %s/%s: %w", p.Namespace, p.Name, err))
				continue
			}
		}
		withFinalizer.Delete(p.UID)
	}
	return errors.Join(errs...)
}

// countUncounted moves uncounted pods whose finalizer is gone into the
// counters and reports a change.
func countUncounted(st *batchv1.JobStatus, withFinalizer sets.Set[types.UID]) bool {
	u := st.UncountedTerminatedPods
	keep := func(uids []types.UID) []types.UID {
		var out []types.UID
		for _, uid := range uids {
			if withFinalizer.Has(uid) {
				out = append(out, uid)
			}
		}
		return out
	}
	changed := false
	if k := keep(u.Succeeded); len(k) != len(u.Succeeded) {
		st.Succeeded += int32(len(u.Succeeded) - len(k))
		u.Succeeded, changed = k, true
	}
	if k := keep(u.Failed); len(k) != len(u.Failed) {
		st.Failed += int32(len(u.Failed) - len(k))
		u.Failed, changed = k, true
	}
	return changed
}

// enactFinished writes the Complete or Failed condition once every
// finished pod is counted and none is terminating.
func (s *syncer) enactFinished(st *state) bool {
	if st.finished == nil {
		return false
	}
	j := st.job
	if u := j.Status.UncountedTerminatedPods; u != nil && len(u.Succeeded)+len(u.Failed) > 0 {
		return false
	}
	if st.terminating > 0 {
		return false
	}
	setCondition(j, st.finished.Type, corev1.ConditionTrue, st.finished.Reason, st.finished.Message, st.now)
	if st.finished.Type == batchv1.JobComplete {
		j.Status.CompletionTime = ptr.To(st.finished.LastTransitionTime)
	}
	return true
}

func (s *syncer) recordFinished(st *state) {
	j, c := st.job, st.finished
	if c.Type == batchv1.JobComplete {
		if j.Spec.Completions != nil && j.Status.Succeeded > *j.Spec.Completions {
			s.deps.Event(j, corev1.EventTypeWarning, "TooManySucceededPods", "Too many succeeded pods running after completion count reached")
		}
		s.deps.Event(j, corev1.EventTypeNormal, "Completed", "Job completed")
		return
	}
	s.deps.Event(j, corev1.EventTypeWarning, c.Reason, c.Message)
}

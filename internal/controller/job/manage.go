package job

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/podcondition"
)

// manage creates or deletes pods toward the wanted number of active pods
// and returns the new active count. A sync either creates or deletes,
// never both.
func (s *syncer) manage(ctx context.Context, st *state) (int32, error) {
	j := st.job
	active := int32(len(st.active))
	if suspended(j) {
		removed, err := s.deletePods(ctx, st, podsToRemove(j, st.active, len(st.active)))
		return active - removed, err
	}
	parallelism := ptr.Deref(j.Spec.Parallelism, 1)
	var want int32
	if j.Spec.Completions == nil {
		// Without completions, once a pod succeeded the others are left
		// to finish and none is added.
		want = parallelism
		if st.succeeded > 0 {
			want = active
		}
	} else {
		want = max(min(*j.Spec.Completions-st.succeeded, parallelism), 0)
	}
	if rm := podsToRemove(j, st.active, int(max(active-want, 0))); len(rm) > 0 {
		removed, err := s.deletePods(ctx, st, rm[:min(len(rm), maxPodChanges)])
		return active - removed, err
	}
	var terminating int32
	if onlyReplaceFailed(j) {
		terminating = st.terminating
	}
	diff := want - terminating - active
	if diff <= 0 {
		return active, nil
	}
	if !perIndexBackoff(j) {
		if d := remaining(st.backoff.failures, st.backoff.lastFailure, st.now, s.base, s.limit); d > 0 {
			st.requeueIn(d)
			return active, nil
		}
	}
	diff = min(diff, maxPodChanges)
	indexes := []int{}
	if indexed(j) {
		indexes = pendingIndexes(st, int(diff))
		if perIndexBackoff(j) {
			var wait time.Duration
			indexes, wait = s.readyIndexes(st, indexes)
			if len(indexes) == 0 {
				st.requeueIn(wait)
				return active, nil
			}
		}
		diff = int32(len(indexes))
	}
	created, err := s.createPods(ctx, st, int(diff), indexes)
	return active + created, err
}

// createPods creates n pods (one per index for Indexed Jobs) in batches
// of 1, 2, 4, … stopping at the first batch with a failure, as upstream's
// slow start. It returns how many were created.
func (s *syncer) createPods(ctx context.Context, st *state, n int, indexes []int) (int32, error) {
	j := st.job
	s.pods.ExpectCreations(st.key, n)
	var created int32
	var errs []error
	for batch := 1; n > 0; batch = min(2*batch, n) {
		batch = min(batch, n)
		failed := false
		for range batch {
			ix := noIndex
			if len(indexes) > 0 {
				ix, indexes = indexes[0], indexes[1:]
			}
			pod := newPod(j, ix, st.delayed[ix])
			got, err := s.deps.CreatePod(ctx, pod)
			if err != nil {
				s.pods.CreationObserved(st.key)
				if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
					continue
				}
				failed = true
				s.deps.Event(j, corev1.EventTypeWarning, "FailedCreate", fmt.Sprintf("Error creating: %v", err))
				errs = append(errs, fmt.Errorf("create pod for job %s: %w", st.key, err))
				continue
			}
			created++
			s.deps.Event(j, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: "+got.Name)
		}
		n -= batch
		if failed {
			for range n {
				s.pods.CreationObserved(st.key)
			}
			break
		}
	}
	return created, errors.Join(errs...)
}

// deletePods removes pods the Job no longer wants: their finalizer first,
// so that they are not counted as failed, then the pods themselves.
func (s *syncer) deletePods(ctx context.Context, st *state, pods []*corev1.Pod) (int32, error) {
	if len(pods) == 0 {
		return 0, nil
	}
	uids := make([]string, len(pods))
	for i, p := range pods {
		uids[i] = string(p.UID)
	}
	s.pods.ExpectDeletions(st.key, uids)
	var removed int32
	var errs []error
	for _, p := range pods {
		err := error(nil)
		if hasFinalizer(p) {
			err = s.deps.PatchPod(ctx, p.Namespace, p.Name, removeFinalizerPatch)
		}
		if err == nil {
			err = s.deps.DeletePod(ctx, p.Namespace, p.Name)
		}
		if err != nil {
			s.pods.DeletionObserved(st.key, string(p.UID))
			if !apierrors.IsNotFound(err) {
				s.deps.Event(st.job, corev1.EventTypeWarning, "FailedDelete", fmt.Sprintf("Error deleting: %v", err))
				errs = append(errs, fmt.Errorf("delete pod %s/%s: %w", p.Namespace, p.Name, err))
				continue
			}
		} else {
			s.deps.Event(st.job, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: "+p.Name)
		}
		removed++
		st.terminating++
		if podcondition.Ready(p) {
			st.ready--
		}
	}
	return removed, errors.Join(errs...)
}

// pendingIndexes are the first n indexes with no succeeded, failed,
// active (or, when only failed pods are replaced, terminating) pod.
func pendingIndexes(st *state, n int) []int {
	j := st.job
	busy := sets.New[int]()
	for _, p := range st.pods {
		if isActive(p) || (onlyReplaceFailed(j) && isTerminating(p)) {
			busy.Insert(podIndex(p))
		}
	}
	var out []int
	for i := 0; i < int(ptr.Deref(j.Spec.Completions, 0)) && len(out) < n; i++ {
		if !busy.Has(i) && !st.succeededIdx.has(i) && !st.failedIdx.has(i) {
			out = append(out, i)
		}
	}
	return out
}

// readyIndexes keeps the indexes whose own back-off has passed, else
// returns the shortest wait.
func (s *syncer) readyIndexes(st *state, indexes []int) ([]int, time.Duration) {
	var out []int
	var wait time.Duration
	for _, i := range indexes {
		p := st.delayed[i]
		d := time.Duration(0)
		if p != nil {
			failed, ignored := indexFailures(p)
			d = remaining(failed+ignored+1, finishedAt(p), st.now, s.base, s.limit)
		}
		if d == 0 {
			out = append(out, i)
		} else if wait == 0 || d < wait {
			wait = d
		}
	}
	return out, wait
}

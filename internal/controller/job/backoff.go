package job

import (
	"slices"
	"strconv"
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// Upstream's pod-recreation back-off: 10s after the first failure since the
// last success, doubling, capped (DefaultJobPodFailureBackOff and
// MaxJobPodFailureBackOff).
const (
	DefaultBackoff    = 10 * time.Second
	DefaultMaxBackoff = 10 * time.Minute
)

// backoffRecord is what the back-off of one Job depends on: failures since
// the last success and when the last of them happened.
type backoffRecord struct {
	failures    int
	lastFailure time.Time
}

// backoffStore keeps the records in memory, as upstream does; a restarted
// controller starts without back-off.
type backoffStore struct {
	mu   sync.Mutex
	recs map[string]backoffRecord
}

func newBackoffStore() *backoffStore { return &backoffStore{recs: map[string]backoffRecord{}} }

func (s *backoffStore) get(key string) backoffRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recs[key]
}

func (s *backoffStore) set(key string, r backoffRecord) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs[key] = r
}

func (s *backoffStore) delete(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.recs, key)
}

// next folds newly finished pods into r: a success resets the count to the
// failures that finished after the last success.
func (r backoffRecord) next(succeeded, failed []*corev1.Pod) backoffRecord {
	byFinish := func(a, b *corev1.Pod) int { return finishedAt(a).Compare(finishedAt(b)) }
	succeeded = slices.SortedFunc(slices.Values(succeeded), byFinish)
	failed = slices.SortedFunc(slices.Values(failed), byFinish)
	if len(failed) == 0 && len(succeeded) == 0 {
		return r
	}
	if len(succeeded) == 0 {
		return backoffRecord{failures: r.failures + len(failed), lastFailure: finishedAt(failed[len(failed)-1])}
	}
	lastSuccess := finishedAt(succeeded[len(succeeded)-1])
	out := backoffRecord{}
	for i := len(failed) - 1; i >= 0; i-- {
		t := finishedAt(failed[i])
		if !t.After(lastSuccess) {
			break
		}
		if out.failures == 0 {
			out.lastFailure = t
		}
		out.failures++
	}
	return out
}

// backoffDelay is base doubled per failure after the first, capped at max.
func backoffDelay(failures int, base, max time.Duration) time.Duration {
	if failures <= 0 {
		return 0
	}
	d := base
	for i := 1; i < failures; i++ {
		d *= 2
		if d >= max {
			return max
		}
	}
	return min(d, max)
}

// remaining is how long pod creation must still wait at now.
func remaining(failures int, last, now time.Time, base, max time.Duration) time.Duration {
	d := backoffDelay(failures, base, max) - now.Sub(last)
	if failures == 0 || d < 0 {
		return 0
	}
	return d
}

// finishedAt is when a pod finished: its containers' last termination,
// else its Ready=False transition, else its deletion, else its creation.
func finishedAt(p *corev1.Pod) time.Time {
	var t time.Time
	for _, list := range [][]corev1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
		for _, cs := range list {
			if term := cs.State.Terminated; term != nil && term.FinishedAt.After(t) {
				t = term.FinishedAt.Time
			}
		}
	}
	if !t.IsZero() {
		return t
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionFalse && !c.LastTransitionTime.IsZero() {
			return c.LastTransitionTime.Time
		}
	}
	if p.DeletionTimestamp != nil {
		return p.DeletionTimestamp.Time
	}
	return p.CreationTimestamp.Time
}

// indexFailures reads a pod's per-index failure counters.
func indexFailures(p *corev1.Pod) (failed, ignored int) {
	failed, _ = strconv.Atoi(p.Annotations[batchv1.JobIndexFailureCountAnnotation])
	ignored, _ = strconv.Atoi(p.Annotations[batchv1.JobIndexIgnoredFailureCountAnnotation])
	return max(failed, 0), max(ignored, 0)
}

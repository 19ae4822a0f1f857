package job

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/controller/expectations"
	"github.com/berth-dev/berth/internal/controller/worker"
	"github.com/berth-dev/berth/internal/podcondition"
)

// Deps are what reconcile needs, as small functions so tests need no
// fakes of whole clients.
type Deps struct {
	// GetJob reads the Job from the informer cache.
	GetJob func(namespace, name string) (*batchv1.Job, error)
	// ListPods lists the namespace's pods from the informer cache.
	ListPods func(namespace string) ([]*corev1.Pod, error)
	// ListJobs lists the namespace's Jobs from the informer cache.
	ListJobs func(namespace string) ([]*batchv1.Job, error)
	// ClaimPods adopts matching orphans and releases pods that stopped
	// matching, returning the Job's pods.
	ClaimPods func(ctx context.Context, j *batchv1.Job, pods []*corev1.Pod) ([]*corev1.Pod, error)
	CreatePod func(ctx context.Context, p *corev1.Pod) (*corev1.Pod, error)
	DeletePod func(ctx context.Context, namespace, name string) error
	// PatchPod applies a strategic-merge patch (finalizer removal).
	PatchPod        func(ctx context.Context, namespace, name string, patch []byte) error
	UpdateJobStatus func(ctx context.Context, j *batchv1.Job) (*batchv1.Job, error)
	Event           func(j *batchv1.Job, eventType, reason, message string)
	Now             func() time.Time
}

type result = worker.Result

// maxUncounted bounds status.uncountedTerminatedPods per sync, as upstream.
const maxUncounted = 500

// maxPodChanges bounds pod creations or deletions per sync, as upstream.
const maxPodChanges = 500

// syncer holds what outlives one reconcile: expectations of pod creations
// and deletions, of finalizer removals, and the back-off records.
type syncer struct {
	deps        Deps
	pods        *expectations.Expectations
	finalizers  *expectations.Expectations
	backoff     *backoffStore
	base, limit time.Duration
}

// state is one reconcile's view of a Job.
type state struct {
	job         *batchv1.Job
	key         string
	now         time.Time
	pods        []*corev1.Pod
	active      []*corev1.Pod
	ready       int32
	terminating int32
	uncSucc     sets.Set[types.UID]
	uncFail     sets.Set[types.UID]
	succeeded   int32
	failed      int32
	backoff     backoffRecord

	prevSucceeded indexSet
	succeededIdx  indexSet
	failedIdx     indexSet
	// delayed is, per index, the failed pod whose finalizer is kept until
	// its replacement carries its failure count (backoffLimitPerIndex).
	delayed map[int]*corev1.Pod

	// finished is the terminal (or interim) condition reached, if any.
	finished *batchv1.JobCondition
	requeue  time.Duration
	// started: this sync set status.startTime.
	started bool
}

func (st *state) requeueIn(d time.Duration) {
	if d > 0 && (st.requeue == 0 || d < st.requeue) {
		st.requeue = d
	}
}

func (s *syncer) reconcile(ctx context.Context, key string) (result, error) {
	if strings.HasPrefix(key, orphanPrefix) {
		return result{}, s.releaseOrphan(ctx, key)
	}
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return result{}, nil
	}
	j, err := s.deps.GetJob(ns, name)
	if apierrors.IsNotFound(err) {
		s.pods.Delete(key)
		s.finalizers.Delete(key)
		s.backoff.delete(key)
		return result{}, s.releaseFinalizers(ctx, ns, name, "")
	}
	if err != nil {
		return result{}, err
	}
	if finishedCondition(j) != nil {
		s.backoff.delete(key)
		return result{}, s.releaseFinalizers(ctx, ns, name, "")
	}
	if m := j.Spec.ManagedBy; m != nil && *m != batchv1.JobControllerName {
		return result{}, nil
	}
	if err := s.releaseFinalizers(ctx, ns, name, j.UID); err != nil {
		return result{}, err
	}
	if !s.finalizers.Satisfied(key) {
		// Pod updates for the finalizers removed bring the Job back; the
		// expectations expire after their TTL should one be lost.
		return result{RequeueAfter: expectations.TTL}, nil
	}
	j = j.DeepCopy()
	all, err := s.deps.ListPods(ns)
	if err != nil {
		return result{}, err
	}
	pods, err := s.deps.ClaimPods(ctx, j, all)
	if err != nil {
		return result{}, err
	}
	st := s.observe(j, key, pods)
	satisfied := s.pods.Satisfied(key)
	s.decide(st)

	var manageErr error
	active := int32(len(st.active))
	changed := false
	if st.finished != nil {
		deleted, err := s.deleteActive(ctx, st)
		if deleted != active || !satisfied {
			// Not finished while pods may still appear or run.
			st.finished = nil
		}
		active -= deleted
		manageErr = err
	} else {
		managed := false
		if satisfied && j.DeletionTimestamp == nil {
			active, manageErr = s.manage(ctx, st)
			managed = true
		}
		complete := st.succeeded > 0 && active == 0
		if j.Spec.Completions != nil {
			complete = st.succeeded >= *j.Spec.Completions && active == 0
		}
		if complete {
			st.finished = condition(batchv1.JobSuccessCriteriaMet, batchv1.JobReasonCompletionsReached, "Reached expected number of succeeded pods", st.now)
		} else if managed {
			changed = s.suspendCondition(st)
		}
	}
	changed = changed || st.started || active != j.Status.Active || !ptr.Equal(&st.ready, j.Status.Ready) || !ptr.Equal(&st.terminating, j.Status.Terminating)
	j.Status.Active = active
	j.Status.Ready = ptr.To(st.ready)
	j.Status.Terminating = ptr.To(st.terminating)
	if err := s.track(ctx, st, changed); err != nil {
		return result{}, fmt.Errorf("track job %s status: %w", key, err)
	}
	return result{RequeueAfter: st.requeue}, manageErr
}

// observe counts the Job's pods against its status.
func (s *syncer) observe(j *batchv1.Job, key string, pods []*corev1.Pod) *state {
	st := &state{job: j, key: key, now: s.deps.Now(), pods: pods}
	if j.Status.UncountedTerminatedPods == nil {
		j.Status.UncountedTerminatedPods = &batchv1.UncountedTerminatedPods{}
	}
	st.uncSucc = sets.New(j.Status.UncountedTerminatedPods.Succeeded...)
	st.uncFail = sets.New(j.Status.UncountedTerminatedPods.Failed...)
	for _, p := range pods {
		switch {
		case isActive(p):
			st.active = append(st.active, p)
			if podcondition.Ready(p) {
				st.ready++
			}
		case isTerminating(p):
			st.terminating++
		}
	}
	var newSucc, newFail []*corev1.Pod
	nonIgnored := 0
	for _, p := range pods {
		if !hasFinalizer(p) || st.uncSucc.Has(p.UID) || st.uncFail.Has(p.UID) || (indexed(j) && !validIndex(j, p)) {
			continue
		}
		switch {
		case p.Status.Phase == corev1.PodSucceeded:
			newSucc = append(newSucc, p)
		case isFailed(p, j):
			newFail = append(newFail, p)
			if matchFailurePolicy(j.Spec.PodFailurePolicy, p).count {
				nonIgnored++
			}
		}
	}
	st.succeeded = j.Status.Succeeded + int32(len(newSucc)+st.uncSucc.Len())
	st.failed = j.Status.Failed + int32(nonIgnored+st.uncFail.Len())
	if j.Status.StartTime == nil && !suspended(j) {
		j.Status.StartTime = ptr.To(metav1.NewTime(st.now))
		st.started = true
	}
	st.backoff = s.backoff.get(key).next(newSucc, newFail)
	return st
}

// decide finds the condition the Job has reached, in upstream's order of
// precedence.
func (s *syncer) decide(st *state) {
	j := st.job
	if c := findCondition(j, batchv1.JobSuccessCriteriaMet); c != nil && c.Status == corev1.ConditionTrue {
		st.finished = c.DeepCopy()
	}
	if st.finished == nil {
		if c := findCondition(j, batchv1.JobFailureTarget); c != nil && c.Status == corev1.ConditionTrue {
			st.finished = condition(batchv1.JobFailed, c.Reason, c.Message, st.now)
		} else if msg := failJobMessage(j, st.pods); msg != "" {
			st.finished = condition(batchv1.JobFailureTarget, batchv1.JobReasonPodFailurePolicy, msg, st.now)
		}
	}
	if st.finished == nil {
		switch {
		case st.failed > ptr.Deref(j.Spec.BackoffLimit, 6) || pastBackoffLimitOnFailure(j, st.pods):
			st.finished = condition(batchv1.JobFailureTarget, batchv1.JobReasonBackoffLimitExceeded, "Job has reached the specified backoff limit", st.now)
		case j.Spec.ActiveDeadlineSeconds != nil && j.Status.StartTime != nil && !suspended(j):
			left := time.Duration(*j.Spec.ActiveDeadlineSeconds)*time.Second - st.now.Sub(j.Status.StartTime.Time)
			if left <= 0 {
				st.finished = condition(batchv1.JobFailureTarget, batchv1.JobReasonDeadlineExceeded, "Job was active longer than specified deadline", st.now)
			} else {
				st.requeueIn(left)
			}
		}
	}
	if !indexed(j) {
		return
	}
	completions := int(ptr.Deref(j.Spec.Completions, 0))
	st.prevSucceeded = parseIndexes(j.Status.CompletedIndexes, completions)
	var ix []int
	for _, p := range st.pods {
		if hasFinalizer(p) && p.Status.Phase == corev1.PodSucceeded && validIndex(j, p) {
			ix = append(ix, podIndex(p))
		}
	}
	st.succeededIdx = st.prevSucceeded.with(ix)
	st.succeeded = int32(st.succeededIdx.total())
	if perIndexBackoff(j) {
		st.failedIdx = failedIndexes(j, st.pods)
		if st.finished == nil {
			switch n := st.failedIdx.total(); {
			case j.Spec.MaxFailedIndexes != nil && n > int(*j.Spec.MaxFailedIndexes):
				st.finished = condition(batchv1.JobFailureTarget, batchv1.JobReasonMaxFailedIndexesExceeded, "Job has exceeded the specified maximal number of failed indexes", st.now)
			case n > 0 && n+st.succeededIdx.total() >= completions:
				st.finished = condition(batchv1.JobFailureTarget, batchv1.JobReasonFailedIndexes, "Job has failed indexes", st.now)
			}
		}
		st.delayed = delayedPods(st)
	}
	if st.finished == nil {
		if msg, ok := matchSuccessPolicy(j.Spec.SuccessPolicy, completions, st.succeededIdx); ok {
			st.finished = condition(batchv1.JobSuccessCriteriaMet, batchv1.JobReasonSuccessPolicy, msg, st.now)
		}
	}
}

// failJobMessage is the message of the first failed pod matched by a
// FailJob rule.
func failJobMessage(j *batchv1.Job, pods []*corev1.Pod) string {
	if j.Spec.PodFailurePolicy == nil {
		return ""
	}
	for _, p := range pods {
		if isFailed(p, j) {
			if v := matchFailurePolicy(j.Spec.PodFailurePolicy, p); v.failJob != "" {
				return v.failJob
			}
		}
	}
	return ""
}

// pastBackoffLimitOnFailure counts container restarts of running pods
// when the template restarts on failure.
func pastBackoffLimitOnFailure(j *batchv1.Job, pods []*corev1.Pod) bool {
	if j.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyOnFailure {
		return false
	}
	var n int32
	for _, p := range pods {
		if p.Status.Phase == corev1.PodRunning || p.Status.Phase == corev1.PodPending {
			for _, cs := range append(slices.Clone(p.Status.InitContainerStatuses), p.Status.ContainerStatuses...) {
				n += cs.RestartCount
			}
		}
	}
	limit := ptr.Deref(j.Spec.BackoffLimit, 6)
	if limit == 0 {
		return n > 0
	}
	return n >= limit
}

// failedIndexes are those recorded plus the indexes whose newest failure
// exhausts backoffLimitPerIndex or matches a FailIndex rule.
func failedIndexes(j *batchv1.Job, pods []*corev1.Pod) indexSet {
	completions := int(ptr.Deref(j.Spec.Completions, 0))
	prev := parseIndexes(ptr.Deref(j.Status.FailedIndexes, ""), completions)
	var ix []int
	for _, p := range pods {
		if !hasFinalizer(p) || !validIndex(j, p) || !isFailed(p, j) {
			continue
		}
		v := matchFailurePolicy(j.Spec.PodFailurePolicy, p)
		failures, _ := indexFailures(p)
		if v.action == batchv1.PodFailurePolicyActionFailIndex || (v.count && failures >= int(*j.Spec.BackoffLimitPerIndex)) {
			ix = append(ix, podIndex(p))
		}
	}
	return prev.with(ix)
}

// delayedPods picks, per index still to run and without an active pod,
// the latest failed pod: its failure counts pass to the replacement.
func delayedPods(st *state) map[int]*corev1.Pod {
	j := st.job
	activeIdx := sets.New[int]()
	for _, p := range st.active {
		activeIdx.Insert(podIndex(p))
	}
	out := map[int]*corev1.Pod{}
	for _, p := range st.pods {
		if !hasFinalizer(p) || !validIndex(j, p) || !isFailed(p, j) {
			continue
		}
		i := podIndex(p)
		if st.succeededIdx.has(i) || st.failedIdx.has(i) || activeIdx.Has(i) {
			continue
		}
		if cur, ok := out[i]; ok {
			cf, ci := indexFailures(cur)
			pf, pi := indexFailures(p)
			if cf+ci > pf+pi || finishedAt(p).Before(finishedAt(cur)) {
				continue
			}
		}
		out[i] = p
	}
	return out
}

// suspendCondition keeps the Suspended condition in line with
// spec.suspend; resuming restarts the active deadline.
func (s *syncer) suspendCondition(st *state) bool {
	j := st.job
	if suspended(j) {
		if setCondition(j, batchv1.JobSuspended, corev1.ConditionTrue, "JobSuspended", "Job suspended", st.now) {
			s.deps.Event(j, corev1.EventTypeNormal, "Suspended", "Job suspended")
			return true
		}
		return false
	}
	if setCondition(j, batchv1.JobSuspended, corev1.ConditionFalse, "JobResumed", "Job resumed", st.now) {
		s.deps.Event(j, corev1.EventTypeNormal, "Resumed", "Job resumed")
		j.Status.StartTime = ptr.To(metav1.NewTime(st.now))
		return true
	}
	return false
}

// deleteActive deletes every active pod of a finishing Job, keeping their
// finalizers so they are counted once they are gone.
func (s *syncer) deleteActive(ctx context.Context, st *state) (int32, error) {
	var n int32
	var errs []error
	for _, p := range st.active {
		err := s.deps.DeletePod(ctx, p.Namespace, p.Name)
		switch {
		case err == nil:
			s.deps.Event(st.job, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: "+p.Name)
		case !apierrors.IsNotFound(err):
			s.deps.Event(st.job, corev1.EventTypeWarning, "FailedDelete", fmt.Sprintf("Error deleting: %v", err))
			errs = append(errs, fmt.Errorf("delete pod %s/%s: %w", p.Namespace, p.Name, err))
			continue
		}
		n++
		st.terminating++
		if podcondition.Ready(p) {
			st.ready--
		}
	}
	return n, errors.Join(errs...)
}

// releaseFinalizers removes the tracking finalizer from pods of a Job
// named name that is gone or finished (uid empty), or from pods of an
// older Job of that name (uid set).
func (s *syncer) releaseFinalizers(ctx context.Context, ns, name string, uid types.UID) error {
	pods, err := s.deps.ListPods(ns)
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range pods {
		ref := metav1.GetControllerOfNoCopy(p)
		if !hasFinalizer(p) || ref == nil || ref.Kind != "Job" || ref.Name != name || (uid != "" && ref.UID == uid) {
			continue
		}
		if err := s.deps.PatchPod(ctx, p.Namespace, p.Name, removeFinalizerPatch); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove finalizer of pod %s/%s: %w", p.Namespace, p.Name, err))
		}
	}
	return errors.Join(errs...)
}

func findCondition(j *batchv1.Job, t batchv1.JobConditionType) *batchv1.JobCondition {
	for i := range j.Status.Conditions {
		if j.Status.Conditions[i].Type == t {
			return &j.Status.Conditions[i]
		}
	}
	return nil
}

// finishedCondition returns the Job's Complete or Failed condition if true.
func finishedCondition(j *batchv1.Job) *batchv1.JobCondition {
	for i, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return &j.Status.Conditions[i]
		}
	}
	return nil
}

func condition(t batchv1.JobConditionType, reason, msg string, now time.Time) *batchv1.JobCondition {
	return &batchv1.JobCondition{Type: t, Status: corev1.ConditionTrue, Reason: reason, Message: msg,
		LastProbeTime: metav1.NewTime(now), LastTransitionTime: metav1.NewTime(now)}
}

// setCondition sets or adds a condition (a False one is never added) and
// reports a change.
func setCondition(j *batchv1.Job, t batchv1.JobConditionType, status corev1.ConditionStatus, reason, msg string, now time.Time) bool {
	if c := findCondition(j, t); c != nil {
		if c.Status == status && c.Reason == reason && c.Message == msg {
			return false
		}
		*c = *condition(t, reason, msg, now)
		c.Status = status
		return true
	}
	if status == corev1.ConditionFalse {
		return false
	}
	j.Status.Conditions = append(j.Status.Conditions, *condition(t, reason, msg, now))
	return true
}

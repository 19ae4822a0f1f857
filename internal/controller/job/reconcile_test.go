package job

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/controller/expectations"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// podAt is a pod of the test Job in phase.
func podAt(name string, phase corev1.PodPhase) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: types.UID("uid-" + name)},
		Status: corev1.PodStatus{Phase: phase}}
}

// world is an in-memory API for one Job and its pods, playing the API
// server's part for finalizers and deletion.
type world struct {
	job      *batchv1.Job
	pods     map[string]*corev1.Pod
	writes   []batchv1.JobStatus
	events   []string
	clock    *clocktesting.FakeClock
	s        *syncer
	nextName int
}

func newWorld(j *batchv1.Job) *world {
	w := &world{job: j, pods: map[string]*corev1.Pod{}, clock: clocktesting.NewFakeClock(t0)}
	w.s = &syncer{deps: w.deps(), pods: expectations.New(w.clock), finalizers: expectations.New(w.clock),
		backoff: newBackoffStore(), base: DefaultBackoff, limit: DefaultMaxBackoff}
	return w
}

func testJob(completions, parallelism int32) *batchv1.Job {
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "j", UID: "job-uid"},
		Spec: batchv1.JobSpec{
			Completions: ptr.To(completions), Parallelism: ptr.To(parallelism), BackoffLimit: ptr.To[int32](6),
			CompletionMode: ptr.To(batchv1.NonIndexedCompletion), Suspend: ptr.To(false),
			PodReplacementPolicy: ptr.To(batchv1.TerminatingOrFailed),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{batchv1.JobNameLabel: "j", batchv1.ControllerUidLabel: "job-uid"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "i"}}},
			},
		},
	}
}

func (w *world) deps() Deps {
	notFound := func(name string) error { return apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, name) }
	return Deps{
		GetJob:   func(string, string) (*batchv1.Job, error) { return w.job, nil },
		ListJobs: func(string) ([]*batchv1.Job, error) { return []*batchv1.Job{w.job}, nil },
		ListPods: func(string) ([]*corev1.Pod, error) {
			var out []*corev1.Pod
			for _, n := range slices.Sorted(mapsKeys(w.pods)) {
				out = append(out, w.pods[n].DeepCopy())
			}
			return out, nil
		},
		ClaimPods: func(_ context.Context, j *batchv1.Job, all []*corev1.Pod) ([]*corev1.Pod, error) {
			var out []*corev1.Pod
			for _, p := range all {
				if ref := metav1.GetControllerOf(p); ref != nil && ref.UID == j.UID {
					out = append(out, p)
				}
			}
			return out, nil
		},
		CreatePod: func(_ context.Context, p *corev1.Pod) (*corev1.Pod, error) {
			p = p.DeepCopy()
			w.nextName++
			p.Name = fmt.Sprintf("%s%d", p.GenerateName, w.nextName)
			p.UID = types.UID("uid-" + p.Name)
			p.CreationTimestamp = metav1.NewTime(w.clock.Now())
			p.Status.Phase = corev1.PodPending
			w.pods[p.Name] = p
			return p, nil
		},
		DeletePod: func(_ context.Context, _, name string) error {
			p, ok := w.pods[name]
			if !ok {
				return notFound(name)
			}
			if len(p.Finalizers) == 0 {
				delete(w.pods, name)
				return nil
			}
			p.DeletionTimestamp = ptr.To(metav1.NewTime(w.clock.Now()))
			return nil
		},
		PatchPod: func(_ context.Context, _, name string, patch []byte) error {
			p, ok := w.pods[name]
			if !ok {
				return notFound(name)
			}
			if string(patch) != string(removeFinalizerPatch) {
				return fmt.Errorf("unexpected patch %s", patch)
			}
			p.Finalizers = slices.DeleteFunc(p.Finalizers, func(f string) bool { return f == batchv1.JobTrackingFinalizer })
			if p.DeletionTimestamp != nil && len(p.Finalizers) == 0 {
				delete(w.pods, name)
			}
			return nil
		},
		UpdateJobStatus: func(_ context.Context, j *batchv1.Job) (*batchv1.Job, error) {
			w.job = j.DeepCopy()
			w.writes = append(w.writes, *j.Status.DeepCopy())
			return j.DeepCopy(), nil
		},
		Event: func(_ *batchv1.Job, _, reason, _ string) { w.events = append(w.events, reason) },
		Now:   w.clock.Now,
	}
}

func mapsKeys(m map[string]*corev1.Pod) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// sync reconciles once; the informer is assumed to have seen every change
// made so far, so expectations are met afterwards.
func (w *world) sync(t *testing.T) result {
	t.Helper()
	res, err := w.s.reconcile(t.Context(), "ns/j")
	if err != nil {
		t.Fatal(err)
	}
	w.s.pods.Delete("ns/j")
	w.s.finalizers.Delete("ns/j")
	return res
}

func (w *world) active() []*corev1.Pod {
	var out []*corev1.Pod
	for _, n := range slices.Sorted(mapsKeys(w.pods)) {
		if isActive(w.pods[n]) {
			out = append(out, w.pods[n])
		}
	}
	return out
}

// finish plays the kubelet: the pod's main container exits with code.
func (w *world) finish(p *corev1.Pod, code int32) {
	p.Status.Phase = corev1.PodSucceeded
	if code != 0 {
		p.Status.Phase = corev1.PodFailed
	}
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "main", State: corev1.ContainerState{
		Terminated: &corev1.ContainerStateTerminated{ExitCode: code, FinishedAt: metav1.NewTime(w.clock.Now())}}}}
}

func conditionTypes(j *batchv1.Job) []string {
	var out []string
	for _, c := range j.Status.Conditions {
		out = append(out, fmt.Sprintf("%s/%s", c.Type, c.Reason))
	}
	return out
}

func TestCreatesPodsAndCountsOnce(t *testing.T) {
	w := newWorld(testJob(2, 2))
	w.sync(t)
	pods := w.active()
	if len(pods) != 2 || w.job.Status.Active != 2 || w.job.Status.StartTime == nil {
		t.Fatalf("pods %d status %+v", len(pods), w.job.Status)
	}
	p := pods[0]
	if !hasFinalizer(p) || p.GenerateName != "j-" || metav1.GetControllerOf(p).UID != "job-uid" || p.Labels[batchv1.JobNameLabel] != "j" {
		t.Fatalf("pod = %+v", p.ObjectMeta)
	}
	w.finish(p, 0)
	w.writes = nil
	w.sync(t)
	// First the pod is recorded as uncounted, then its finalizer goes,
	// then it is counted.
	if len(w.writes) != 2 || !slices.Equal(w.writes[0].UncountedTerminatedPods.Succeeded, []types.UID{p.UID}) ||
		w.writes[0].Succeeded != 0 || w.writes[1].Succeeded != 1 || len(w.writes[1].UncountedTerminatedPods.Succeeded) != 0 {
		t.Fatalf("status writes = %+v", w.writes)
	}
	if hasFinalizer(w.pods[p.Name]) {
		t.Fatal("finalizer kept")
	}
	w.sync(t)
	if w.job.Status.Succeeded != 1 || len(w.active()) != 1 {
		t.Fatalf("second sync recounted: %+v", w.job.Status)
	}
	w.finish(w.active()[0], 0)
	w.sync(t)
	if diff := cmp.Diff([]string{"SuccessCriteriaMet/CompletionsReached", "Complete/CompletionsReached"}, conditionTypes(w.job)); diff != "" {
		t.Fatalf("conditions (-want +got):\n%s", diff)
	}
	if w.job.Status.Succeeded != 2 || w.job.Status.CompletionTime == nil {
		t.Fatalf("status = %+v", w.job.Status)
	}
	if !slices.Contains(w.events, "Completed") {
		t.Fatalf("events = %v", w.events)
	}
}

func TestFailedPodIsReplacedAfterBackoff(t *testing.T) {
	w := newWorld(testJob(1, 1))
	w.sync(t)
	w.finish(w.active()[0], 1)
	res := w.sync(t)
	if len(w.active()) != 0 || res.RequeueAfter != 10*time.Second || w.job.Status.Failed != 1 {
		t.Fatalf("after the first failure: active %d requeue %v status %+v", len(w.active()), res.RequeueAfter, w.job.Status)
	}
	w.clock.Step(10 * time.Second)
	w.sync(t)
	if len(w.active()) != 1 {
		t.Fatal("no replacement after the back-off")
	}
	w.finish(w.active()[0], 1)
	if res := w.sync(t); res.RequeueAfter != 20*time.Second {
		t.Fatalf("second back-off = %v, want 20s", res.RequeueAfter)
	}
}

func TestBackoffLimitFailsJob(t *testing.T) {
	j := testJob(2, 2)
	j.Spec.BackoffLimit = ptr.To[int32](0)
	w := newWorld(j)
	w.sync(t)
	pods := w.active()
	w.finish(pods[0], 3)
	w.writes = nil
	w.sync(t)
	// The other pod is deleted; the Job is FailureTarget until it is gone.
	if diff := cmp.Diff([]string{"FailureTarget/BackoffLimitExceeded"}, conditionTypes(w.job)); diff != "" {
		t.Fatalf("conditions (-want +got):\n%s", diff)
	}
	// Its finalizer went at once (the Job is finishing), so here, with no
	// kubelet to hold it, it is gone; it was still terminating this sync.
	if _, ok := w.pods[pods[1].Name]; ok || ptr.Deref(w.job.Status.Terminating, 0) != 1 {
		t.Fatalf("running pod not deleted: terminating %v", w.job.Status.Terminating)
	}
	w.sync(t) // nothing terminating any more
	if diff := cmp.Diff([]string{"FailureTarget/BackoffLimitExceeded", "Failed/BackoffLimitExceeded"}, conditionTypes(w.job)); diff != "" {
		t.Fatalf("conditions (-want +got):\n%s", diff)
	}
	if w.job.Status.Failed != 2 || len(w.pods) != 1 {
		t.Fatalf("status %+v, pods %v", w.job.Status, w.pods)
	}
	if !slices.Contains(w.events, "BackoffLimitExceeded") {
		t.Fatalf("events = %v", w.events)
	}
}

func TestPodFailurePolicy(t *testing.T) {
	policy := &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
		{Action: batchv1.PodFailurePolicyActionIgnore, OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{
			{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}},
		{Action: batchv1.PodFailurePolicyActionFailJob, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
			Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{42}}},
	}}
	t.Run("ignored disruption is not counted", func(t *testing.T) {
		j := testJob(1, 1)
		j.Spec.PodFailurePolicy = policy
		w := newWorld(j)
		w.sync(t)
		p := w.active()[0]
		w.finish(p, 1)
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}
		w.sync(t)
		if w.job.Status.Failed != 0 || hasFinalizer(w.pods[p.Name]) {
			t.Fatalf("status %+v", w.job.Status)
		}
	})
	t.Run("exit code 42 fails the job", func(t *testing.T) {
		j := testJob(1, 1)
		j.Spec.PodFailurePolicy = policy
		w := newWorld(j)
		w.sync(t)
		p := w.active()[0]
		w.finish(p, 42)
		w.sync(t)
		want := "Container main for pod ns/" + p.Name + " failed with exit code 42 matching FailJob rule at index 1"
		c := findCondition(w.job, batchv1.JobFailed)
		if c == nil || c.Reason != batchv1.JobReasonPodFailurePolicy || c.Message != want || findCondition(w.job, batchv1.JobFailureTarget) == nil {
			t.Fatalf("conditions = %+v", w.job.Status.Conditions)
		}
	})
}

func TestActiveDeadline(t *testing.T) {
	j := testJob(1, 1)
	j.Spec.ActiveDeadlineSeconds = ptr.To[int64](30)
	w := newWorld(j)
	if res := w.sync(t); res.RequeueAfter != 30*time.Second {
		t.Fatalf("requeue = %v, want the deadline", res.RequeueAfter)
	}
	w.clock.Step(30 * time.Second)
	w.sync(t)
	w.sync(t)
	w.sync(t)
	if diff := cmp.Diff([]string{"FailureTarget/DeadlineExceeded", "Failed/DeadlineExceeded"}, conditionTypes(w.job)); diff != "" {
		t.Fatalf("conditions (-want +got):\n%s", diff)
	}
	if len(w.active()) != 0 || w.job.Status.Failed != 1 {
		t.Fatalf("status %+v", w.job.Status)
	}
}

func TestSuspendDeletesPodsUncounted(t *testing.T) {
	w := newWorld(testJob(3, 2))
	w.sync(t)
	w.job.Spec.Suspend = ptr.To(true)
	w.sync(t)
	w.sync(t)
	if len(w.pods) != 0 || w.job.Status.Failed != 0 || w.job.Status.Active != 0 {
		t.Fatalf("pods %d status %+v", len(w.pods), w.job.Status)
	}
	if c := findCondition(w.job, batchv1.JobSuspended); c == nil || c.Status != corev1.ConditionTrue || c.Reason != "JobSuspended" {
		t.Fatalf("conditions = %+v", w.job.Status.Conditions)
	}
	w.clock.Step(time.Minute)
	w.job.Spec.Suspend = ptr.To(false)
	w.sync(t)
	if c := findCondition(w.job, batchv1.JobSuspended); c.Status != corev1.ConditionFalse || c.Reason != "JobResumed" || !w.job.Status.StartTime.Time.Equal(w.clock.Now()) {
		t.Fatalf("after resume: %+v start %v", c, w.job.Status.StartTime)
	}
	if len(w.active()) != 2 {
		t.Fatalf("active after resume = %d", len(w.active()))
	}
	if diff := cmp.Diff([]string{"SuccessfulCreate", "SuccessfulCreate", "SuccessfulDelete", "SuccessfulDelete", "Suspended", "SuccessfulCreate", "SuccessfulCreate", "Resumed"}, w.events); diff != "" {
		t.Fatalf("events (-want +got):\n%s", diff)
	}
}

func indexedJob(completions, parallelism int32) *batchv1.Job {
	j := testJob(completions, parallelism)
	j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
	return j
}

func (w *world) byIndex() map[int]*corev1.Pod {
	out := map[int]*corev1.Pod{}
	for _, p := range w.active() {
		out[podIndex(p)] = p
	}
	return out
}

func TestIndexedPods(t *testing.T) {
	w := newWorld(indexedJob(3, 2))
	w.sync(t)
	got := w.byIndex()
	if len(got) != 2 || got[0] == nil || got[1] == nil {
		t.Fatalf("indexes = %v", got)
	}
	p := got[1]
	if p.GenerateName != "j-1-" || p.Spec.Hostname != "j-1" || p.Labels[batchv1.JobCompletionIndexAnnotation] != "1" {
		t.Fatalf("pod 1 = %+v %+v", p.ObjectMeta, p.Spec.Hostname)
	}
	w.finish(got[1], 0)
	w.sync(t)
	if w.job.Status.CompletedIndexes != "1" || w.job.Status.Succeeded != 1 {
		t.Fatalf("status %+v", w.job.Status)
	}
	if _, ok := w.byIndex()[2]; !ok {
		t.Fatalf("index 2 not started: %v", w.byIndex())
	}
	// A second pod for a completed index is removed.
	dup := w.byIndex()[2].DeepCopy()
	dup.Name, dup.UID = "dup", "uid-dup"
	dup.Annotations[batchv1.JobCompletionIndexAnnotation] = "1"
	w.pods["dup"] = dup
	w.sync(t)
	if _, ok := w.pods["dup"]; ok {
		t.Fatal("duplicate index pod kept")
	}
}

func TestBackoffLimitPerIndex(t *testing.T) {
	j := indexedJob(3, 3)
	j.Spec.BackoffLimitPerIndex = ptr.To[int32](1)
	j.Spec.BackoffLimit = ptr.To[int32](1 << 30)
	w := newWorld(j)
	w.sync(t)
	w.finish(w.byIndex()[1], 1)
	res := w.sync(t)
	if res.RequeueAfter != 10*time.Second || len(w.active()) != 2 {
		t.Fatalf("requeue %v active %d", res.RequeueAfter, len(w.active()))
	}
	w.clock.Step(10 * time.Second)
	w.sync(t)
	second := w.byIndex()[1]
	if second == nil || second.Annotations[batchv1.JobIndexFailureCountAnnotation] != "1" {
		t.Fatalf("replacement for index 1 = %+v", second)
	}
	w.finish(second, 1)
	w.sync(t)
	if ptr.Deref(w.job.Status.FailedIndexes, "") != "1" {
		t.Fatalf("failedIndexes = %v", w.job.Status.FailedIndexes)
	}
	w.finish(w.byIndex()[0], 0)
	w.finish(w.byIndex()[2], 0)
	w.sync(t)
	w.sync(t)
	if diff := cmp.Diff([]string{"FailureTarget/FailedIndexes", "Failed/FailedIndexes"}, conditionTypes(w.job)); diff != "" {
		t.Fatalf("conditions (-want +got):\n%s", diff)
	}
	if w.job.Status.CompletedIndexes != "0,2" || w.job.Status.Failed != 2 {
		t.Fatalf("status %+v", w.job.Status)
	}
}

func TestMaxFailedIndexes(t *testing.T) {
	j := indexedJob(4, 4)
	j.Spec.BackoffLimitPerIndex = ptr.To[int32](0)
	j.Spec.MaxFailedIndexes = ptr.To[int32](0)
	w := newWorld(j)
	w.sync(t)
	w.finish(w.byIndex()[2], 1)
	for range 3 {
		w.sync(t)
	}
	if c := findCondition(w.job, batchv1.JobFailed); c == nil || c.Reason != batchv1.JobReasonMaxFailedIndexesExceeded {
		t.Fatalf("conditions = %v", conditionTypes(w.job))
	}
	if len(w.active()) != 0 {
		t.Fatalf("active pods left: %d", len(w.active()))
	}
}

func TestSuccessPolicy(t *testing.T) {
	j := indexedJob(3, 3)
	j.Spec.SuccessPolicy = &batchv1.SuccessPolicy{Rules: []batchv1.SuccessPolicyRule{{SucceededIndexes: ptr.To("0")}}}
	w := newWorld(j)
	w.sync(t)
	w.finish(w.byIndex()[0], 0)
	w.sync(t)
	if diff := cmp.Diff([]string{"SuccessCriteriaMet/SuccessPolicy"}, conditionTypes(w.job)); diff != "" {
		t.Fatalf("conditions (-want +got):\n%s", diff)
	}
	w.sync(t)
	w.sync(t)
	if diff := cmp.Diff([]string{"SuccessCriteriaMet/SuccessPolicy", "Complete/SuccessPolicy"}, conditionTypes(w.job)); diff != "" {
		t.Fatalf("conditions (-want +got):\n%s", diff)
	}
	if w.job.Status.Succeeded != 1 || w.job.Status.Failed != 0 || len(w.pods) != 1 {
		t.Fatalf("status %+v pods %d", w.job.Status, len(w.pods))
	}
}

func TestOrphanedPodsLoseTheFinalizer(t *testing.T) {
	for _, tc := range []struct {
		name     string
		labels   map[string]string
		finished bool
		wantKept bool
	}{
		{name: "selected by a running job: kept for adoption", labels: map[string]string{"app": "x"}, wantKept: true},
		{name: "selected by a finished job", labels: map[string]string{"app": "x"}, finished: true},
		{name: "selected by no job", labels: map[string]string{"app": "y"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := testJob(1, 1)
			j.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "x"}}
			if tc.finished {
				j.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}
			}
			w := newWorld(j)
			p := podAt("orphan", corev1.PodRunning)
			p.Labels = tc.labels
			p.Finalizers = []string{batchv1.JobTrackingFinalizer}
			w.pods[p.Name] = p
			if _, err := w.s.reconcile(t.Context(), orphanKey(p)); err != nil {
				t.Fatal(err)
			}
			if hasFinalizer(w.pods[p.Name]) != tc.wantKept {
				t.Fatalf("finalizers = %v", w.pods[p.Name].Finalizers)
			}
		})
	}
}

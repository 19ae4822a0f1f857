package integration

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/controller/job"
	"github.com/berth-dev/berth/internal/testutil"
)

// jobStart runs a server without controllers and one Job controller of the
// test's own, with a pod back-off short enough for failure tests.
func jobStart(t *testing.T) kubernetes.Interface {
	t.Helper()
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{}})
	c := srv.Client(t)
	factory := informers.NewSharedInformerFactory(c, 0)
	events := record.NewBroadcaster()
	events.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: c.CoreV1().Events("")})
	t.Cleanup(events.Shutdown)
	ctrl, err := job.New(job.Config{Client: c, Informer: factory, Workers: 2, Backoff: 20 * time.Millisecond,
		Recorder: events.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "job-controller"})})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	factory.Start(ctx.Done())
	go func() { defer close(done); _ = ctrl.Start(ctx) }()
	t.Cleanup(func() { cancel(); <-done; factory.Shutdown() })
	return c
}

func jobObj(name string, completions, parallelism int32) *batchv1.Job {
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: batchv1.JobSpec{
			Completions: ptr.To(completions), Parallelism: ptr.To(parallelism),
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				RestartPolicy: corev1.RestartPolicyNever,
				Containers:    []corev1.Container{{Name: "work", Image: "busybox"}},
			}},
		},
	}
}

// jobActivePods lists the pods of j that are neither finished nor deleted.
func jobActivePods(ctx context.Context, c kubernetes.Interface, ns, name string) ([]corev1.Pod, error) {
	list, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: batchv1.JobNameLabel + "=" + name})
	if err != nil {
		return nil, err
	}
	var out []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			out = append(out, p)
		}
	}
	return out, nil
}

// jobFinishPod plays the kubelet: the pod's one container exits with code.
func jobFinishPod(t *testing.T, c kubernetes.Interface, p corev1.Pod, code int32) {
	t.Helper()
	p.Status.Phase = corev1.PodSucceeded
	if code != 0 {
		p.Status.Phase = corev1.PodFailed
	}
	now := metav1.Now()
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "work", State: corev1.ContainerState{
		Terminated: &corev1.ContainerStateTerminated{ExitCode: code, FinishedAt: now, StartedAt: now}}}}
	if _, err := c.CoreV1().Pods(p.Namespace).UpdateStatus(t.Context(), &p, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("finish pod %s: %v", p.Name, err)
	}
}

// jobWaitActive waits for n active pods and returns them.
func jobWaitActive(t *testing.T, c kubernetes.Interface, ns, name string, n int) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	poll(t, fmt.Sprintf("%d active pods of %s", n, name), func(ctx context.Context) (bool, error) {
		var err error
		pods, err = jobActivePods(ctx, c, ns, name)
		return len(pods) == n, err
	})
	return pods
}

// jobWaitCondition waits for a true condition of type ct and returns the Job.
func jobWaitCondition(t *testing.T, c kubernetes.Interface, ns, name string, ct batchv1.JobConditionType) *batchv1.Job {
	t.Helper()
	var j *batchv1.Job
	poll(t, fmt.Sprintf("job %s condition %s", name, ct), func(ctx context.Context) (bool, error) {
		var err error
		j, err = c.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return jobCondition(j, ct) != nil, nil
	})
	return j
}

func jobCondition(j *batchv1.Job, ct batchv1.JobConditionType) *batchv1.JobCondition {
	for i, c := range j.Status.Conditions {
		if c.Type == ct && c.Status == corev1.ConditionTrue {
			return &j.Status.Conditions[i]
		}
	}
	return nil
}

func jobConditionTypes(j *batchv1.Job) []batchv1.JobConditionType {
	var out []batchv1.JobConditionType
	for _, c := range j.Status.Conditions {
		out = append(out, c.Type)
	}
	return out
}

// A Job with completions 3 and parallelism 2 runs two pods at a time,
// counts each success once and completes after the third.
func TestJobCompletes(t *testing.T) {
	c := jobStart(t)
	ns := newNamespace(t, c)
	j, err := c.BatchV1().Jobs(ns).Create(t.Context(), jobObj("pi", 3, 2), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pods := jobWaitActive(t, c, ns, "pi", 2)
	for _, p := range pods {
		if !slices.Contains(p.Finalizers, batchv1.JobTrackingFinalizer) || p.Labels[batchv1.ControllerUidLabel] != string(j.UID) {
			t.Fatalf("pod %s: finalizers %v labels %v", p.Name, p.Finalizers, p.Labels)
		}
		if ref := metav1.GetControllerOf(&p); ref == nil || ref.UID != j.UID {
			t.Fatalf("pod %s controller = %v", p.Name, ref)
		}
	}
	jobFinishPod(t, c, pods[0], 0)
	// One success leaves one completion to go: a single pod stays active.
	pods = jobWaitActive(t, c, ns, "pi", 2)
	jobFinishPod(t, c, pods[0], 0)
	pods = jobWaitActive(t, c, ns, "pi", 1)
	jobFinishPod(t, c, pods[0], 0)

	j = jobWaitCondition(t, c, ns, "pi", batchv1.JobComplete)
	if j.Status.Succeeded != 3 || j.Status.Failed != 0 || j.Status.Active != 0 || j.Status.CompletionTime == nil || j.Status.StartTime == nil {
		t.Fatalf("status = %+v", j.Status)
	}
	if got := jobConditionTypes(j); !slices.Equal(got, []batchv1.JobConditionType{batchv1.JobSuccessCriteriaMet, batchv1.JobComplete}) {
		t.Fatalf("conditions = %v, want SuccessCriteriaMet then Complete", got)
	}
	if u := j.Status.UncountedTerminatedPods; u != nil && len(u.Succeeded)+len(u.Failed) > 0 {
		t.Fatalf("uncounted = %+v", u)
	}
	list, err := c.CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range list.Items {
		if slices.Contains(p.Finalizers, batchv1.JobTrackingFinalizer) {
			t.Fatalf("pod %s keeps the tracking finalizer", p.Name)
		}
	}
	jobWaitEvent(t, c, ns, "pi", "Completed")
}

func jobWaitEvent(t *testing.T, c kubernetes.Interface, ns, name, reason string) {
	t.Helper()
	poll(t, "event "+reason, func(ctx context.Context) (bool, error) {
		list, err := c.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, e := range list.Items {
			if e.InvolvedObject.Name == name && e.Reason == reason && e.Source.Component == "job-controller" {
				return true, nil
			}
		}
		return false, nil
	})
}

// A Job with backoffLimit 2 fails on its third pod failure, and each
// failed pod is replaced after the back-off.
func TestJobBackoffLimitExceeded(t *testing.T) {
	c := jobStart(t)
	ns := newNamespace(t, c)
	spec := jobObj("flaky", 1, 1)
	spec.Spec.BackoffLimit = ptr.To[int32](2)
	if _, err := c.BatchV1().Jobs(ns).Create(t.Context(), spec, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		pods := jobWaitActive(t, c, ns, "flaky", 1)
		jobFinishPod(t, c, pods[0], 1)
	}
	j := jobWaitCondition(t, c, ns, "flaky", batchv1.JobFailed)
	if cond := jobCondition(j, batchv1.JobFailed); cond.Reason != batchv1.JobReasonBackoffLimitExceeded {
		t.Fatalf("Failed condition = %+v", cond)
	}
	if j.Status.Failed != 3 || j.Status.Succeeded != 0 || j.Status.Active != 0 {
		t.Fatalf("status = %+v", j.Status)
	}
	if got := jobConditionTypes(j); !slices.Equal(got, []batchv1.JobConditionType{batchv1.JobFailureTarget, batchv1.JobFailed}) {
		t.Fatalf("conditions = %v", got)
	}
	jobWaitEvent(t, c, ns, "flaky", "BackoffLimitExceeded")
}

// An Indexed Job gives each pod its index (annotation, label, hostname,
// environment) and reports completed indexes in the compressed format.
func TestJobIndexed(t *testing.T) {
	c := jobStart(t)
	ns := newNamespace(t, c)
	spec := jobObj("idx", 3, 3)
	spec.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
	if _, err := c.BatchV1().Jobs(ns).Create(t.Context(), spec, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pods := jobWaitActive(t, c, ns, "idx", 3)
	byIndex := map[string]corev1.Pod{}
	for _, p := range pods {
		ix := p.Annotations[batchv1.JobCompletionIndexAnnotation]
		if p.Labels[batchv1.JobCompletionIndexAnnotation] != ix || p.Spec.Hostname != "idx-"+ix {
			t.Fatalf("pod %s: index %q labels %v hostname %q", p.Name, ix, p.Labels, p.Spec.Hostname)
		}
		env := p.Spec.Containers[0].Env
		if len(env) != 1 || env[0].Name != "JOB_COMPLETION_INDEX" || env[0].ValueFrom.FieldRef.FieldPath != "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
			t.Fatalf("pod %s env = %+v", p.Name, env)
		}
		byIndex[ix] = p
	}
	if len(byIndex) != 3 {
		t.Fatalf("indexes = %v", byIndex)
	}
	jobFinishPod(t, c, byIndex["0"], 0)
	jobFinishPod(t, c, byIndex["2"], 0)
	poll(t, "completedIndexes 0,2", func(ctx context.Context) (bool, error) {
		j, err := c.BatchV1().Jobs(ns).Get(ctx, "idx", metav1.GetOptions{})
		return err == nil && j.Status.CompletedIndexes == "0,2" && j.Status.Succeeded == 2, err
	})
	jobFinishPod(t, c, byIndex["1"], 0)
	j := jobWaitCondition(t, c, ns, "idx", batchv1.JobComplete)
	if j.Status.CompletedIndexes != "0-2" || j.Status.Succeeded != 3 {
		t.Fatalf("status = %+v", j.Status)
	}
}

// Suspending a Job deletes its pods without counting them as failures;
// resuming it creates them again.
func TestJobSuspendResume(t *testing.T) {
	c := jobStart(t)
	ns := newNamespace(t, c)
	spec := jobObj("sleepy", 2, 2)
	spec.Spec.Suspend = ptr.To(true)
	if _, err := c.BatchV1().Jobs(ns).Create(t.Context(), spec, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	j := jobWaitCondition(t, c, ns, "sleepy", batchv1.JobSuspended)
	if j.Status.StartTime != nil || j.Status.Active != 0 {
		t.Fatalf("suspended status = %+v", j.Status)
	}
	jobSetSuspend(t, c, ns, "sleepy", false)
	jobWaitActive(t, c, ns, "sleepy", 2)
	poll(t, "resumed condition", func(ctx context.Context) (bool, error) {
		j, err := c.BatchV1().Jobs(ns).Get(ctx, "sleepy", metav1.GetOptions{})
		if err != nil || len(j.Status.Conditions) == 0 {
			return false, err
		}
		cond := j.Status.Conditions[0]
		return cond.Type == batchv1.JobSuspended && cond.Status == corev1.ConditionFalse && cond.Reason == "JobResumed" && j.Status.StartTime != nil, nil
	})
	jobSetSuspend(t, c, ns, "sleepy", true)
	jobWaitActive(t, c, ns, "sleepy", 0)
	j = jobWaitCondition(t, c, ns, "sleepy", batchv1.JobSuspended)
	poll(t, "no active pods counted", func(ctx context.Context) (bool, error) {
		j, err := c.BatchV1().Jobs(ns).Get(ctx, "sleepy", metav1.GetOptions{})
		return err == nil && j.Status.Active == 0, err
	})
	if j.Status.Failed != 0 {
		t.Fatalf("suspension counted failures: %+v", j.Status)
	}
	jobWaitEvent(t, c, ns, "sleepy", "SuccessfulDelete")
}

func jobSetSuspend(t *testing.T, c kubernetes.Interface, ns, name string, v bool) {
	t.Helper()
	patch := fmt.Appendf(nil, `{"spec":{"suspend":%t}}`, v)
	if _, err := c.BatchV1().Jobs(ns).Patch(t.Context(), name, "application/merge-patch+json", patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}

// A pod exiting with a code named by a FailJob rule fails the Job at once,
// whatever the backoffLimit, with reason PodFailurePolicy; the other pod
// is deleted first.
func TestJobPodFailurePolicyFailJob(t *testing.T) {
	c := jobStart(t)
	ns := newNamespace(t, c)
	spec := jobObj("strict", 2, 2)
	spec.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{
		Action:      batchv1.PodFailurePolicyActionFailJob,
		OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{42}},
	}}}
	if _, err := c.BatchV1().Jobs(ns).Create(t.Context(), spec, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pods := jobWaitActive(t, c, ns, "strict", 2)
	jobFinishPod(t, c, pods[0], 42)
	jobWaitCondition(t, c, ns, "strict", batchv1.JobFailureTarget)
	// The Job's Failed condition waits for the deleted pod to terminate:
	// its kubelet (the test) reports it, unless it is already gone.
	poll(t, "other pod terminated", func(ctx context.Context) (bool, error) {
		p, err := c.CoreV1().Pods(ns).Get(ctx, pods[1].Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		if err != nil || p.DeletionTimestamp == nil {
			return false, err
		}
		p.Status.Phase = corev1.PodFailed
		_, err = c.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
			return false, nil // changed meanwhile: look again
		}
		return err == nil, err
	})
	j := jobWaitCondition(t, c, ns, "strict", batchv1.JobFailed)
	cond := jobCondition(j, batchv1.JobFailed)
	want := "Container work for pod " + ns + "/" + pods[0].Name + " failed with exit code 42 matching FailJob rule at index 0"
	if cond.Reason != batchv1.JobReasonPodFailurePolicy || cond.Message != want {
		t.Fatalf("Failed condition = %+v", cond)
	}
}

package integration

import (
	"context"
	"fmt"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/controller/cronjob"
	"github.com/berth-dev/berth/internal/testutil"
)

// A CronJob whose schedule time has come creates its Job at once, tracks it
// in status.active, and notes its completion.
func TestCronJobCreatesJob(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{}})
	c := srv.Client(t)
	ns := newNamespace(t, c)
	ctx := t.Context()

	// The controller's clock stands three minutes ahead: the CronJob,
	// created now, has a due "* * * * *" time from its first sync.
	clk := clocktesting.NewFakeClock(time.Now().Add(3 * time.Minute))
	factory := informers.NewSharedInformerFactory(c, 0)
	events := record.NewBroadcaster()
	events.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: c.CoreV1().Events("")})
	t.Cleanup(events.Shutdown)
	ctrl, err := cronjob.New(cronjob.Config{Client: c, Informer: factory, Clock: clk,
		Recorder: events.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "cronjob-controller"})})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	factory.Start(runCtx.Done())
	go func() { defer close(done); _ = ctrl.Start(runCtx) }()
	t.Cleanup(func() { cancel(); <-done; factory.Shutdown() })

	cj := &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "tick"},
		Spec: batchv1.CronJobSpec{
			Schedule:                   "* * * * *",
			ConcurrencyPolicy:          batchv1.ForbidConcurrent,
			SuccessfulJobsHistoryLimit: ptr.To[int32](3),
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				RestartPolicy: corev1.RestartPolicyNever,
				Containers:    []corev1.Container{{Name: "work", Image: "busybox"}},
			}}}},
		},
	}
	cj, err = c.BatchV1().CronJobs(ns).Create(ctx, cj, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("tick-%d", clk.Now().Truncate(time.Minute).Unix()/60)
	var j *batchv1.Job
	poll(t, "job "+want, func(ctx context.Context) (bool, error) {
		list, err := c.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{})
		if err != nil || len(list.Items) == 0 {
			return false, err
		}
		if len(list.Items) != 1 || list.Items[0].Name != want {
			return false, fmt.Errorf("jobs = %v, want only %s", list.Items, want)
		}
		j = &list.Items[0]
		return true, nil
	})
	if ref := metav1.GetControllerOf(j); ref == nil || ref.UID != cj.UID || ref.Kind != "CronJob" {
		t.Fatalf("job owner = %+v", ref)
	}
	if _, ok := j.Annotations[batchv1.CronJobScheduledTimestampAnnotation]; !ok {
		t.Fatalf("job annotations = %v", j.Annotations)
	}
	poll(t, "status.active", func(ctx context.Context) (bool, error) {
		got, err := c.BatchV1().CronJobs(ns).Get(ctx, "tick", metav1.GetOptions{})
		return err == nil && len(got.Status.Active) == 1 && got.Status.Active[0].UID == j.UID && got.Status.LastScheduleTime != nil, err
	})

	// The Job completes (no Job controller runs here: the test writes it).
	now := metav1.NewTime(clk.Now().Truncate(time.Second))
	j.Status.StartTime, j.Status.CompletionTime = &now, &now
	j.Status.Succeeded = 1
	j.Status.Conditions = []batchv1.JobCondition{
		{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, LastTransitionTime: now},
	}
	if _, err := c.BatchV1().Jobs(ns).UpdateStatus(ctx, j, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "completion noted", func(ctx context.Context) (bool, error) {
		got, err := c.BatchV1().CronJobs(ns).Get(ctx, "tick", metav1.GetOptions{})
		return err == nil && len(got.Status.Active) == 0 && got.Status.LastSuccessfulTime != nil, err
	})
	poll(t, "SawCompletedJob event", func(ctx context.Context) (bool, error) {
		list, err := c.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		saw := false
		for _, e := range list.Items {
			if e.Reason == "UnexpectedJob" {
				return false, fmt.Errorf("the controller did not recognise its own job: %s", e.Message)
			}
			if e.Reason == "SawCompletedJob" && e.InvolvedObject.Name == "tick" && e.Source.Component == "cronjob-controller" {
				saw = true
			}
		}
		return saw, nil
	})
}

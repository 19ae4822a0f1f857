package integration

import (
	"context"
	"slices"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/testutil"
)

// A Job with ttlSecondsAfterFinished 0 is deleted (in the foreground, as
// upstream) once it completes; an unfinished one and a finished one
// without a TTL stay. The server's own job and ttl-after-finished
// controllers run.
func TestTTLDeletesFinishedJob(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"job", "ttl-after-finished"}})
	c := srv.Client(t)
	ns := newNamespace(t, c)
	ctx := t.Context()
	create := func(name string, ttl *int32, finish bool) {
		j := jobObj(name, 1, 1)
		j.Spec.Suspend = ptr.To(true)
		j.Spec.TTLSecondsAfterFinished = ttl
		j, err := c.BatchV1().Jobs(ns).Create(ctx, j, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !finish {
			return
		}
		now := metav1.Now()
		j.Status.StartTime, j.Status.CompletionTime = &now, &now
		j.Status.Succeeded = 1
		j.Status.Conditions = []batchv1.JobCondition{
			{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, LastTransitionTime: now},
		}
		if _, err := c.BatchV1().Jobs(ns).UpdateStatus(ctx, j, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	create("running", ptr.To[int32](0), false)
	create("keep", nil, true)
	done := jobObj("done", 1, 1)
	done.Spec.TTLSecondsAfterFinished = ptr.To[int32](0)
	if _, err := c.BatchV1().Jobs(ns).Create(ctx, done, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pods := jobWaitActive(t, c, ns, "done", 1)
	jobFinishPod(t, c, pods[0], 0)
	poll(t, "job done deleted", func(ctx context.Context) (bool, error) {
		j, err := c.BatchV1().Jobs(ns).Get(ctx, "done", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		// Without a garbage collector running, foreground deletion waits
		// on its finalizer.
		return err == nil && j.DeletionTimestamp != nil && slices.Contains(j.Finalizers, metav1.FinalizerDeleteDependents), err
	})
	for _, name := range []string{"running", "keep"} {
		j, err := c.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil || j.DeletionTimestamp != nil {
			t.Fatalf("job %s: %v, deletionTimestamp %v", name, err, j.DeletionTimestamp)
		}
	}
}

package ttlafterfinished

import (
	"context"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// finished is a Job that finished at t0 with the given TTL (nil: none).
func finished(ttl *int32, cond batchv1.JobConditionType) *batchv1.Job {
	j := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "j", UID: "u1"}}
	j.Spec.TTLSecondsAfterFinished = ttl
	if cond != "" {
		j.Status.Conditions = []batchv1.JobCondition{{Type: cond, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(t0)}}
	}
	return j
}

type world struct {
	cached, fresh *batchv1.Job
	deleted       []types.UID
}

func (w *world) deps(clk *clocktesting.FakeClock) Deps {
	get := func(j *batchv1.Job) (*batchv1.Job, error) {
		if j == nil {
			return nil, apierrors.NewNotFound(schema.GroupResource{Group: "batch", Resource: "jobs"}, "j")
		}
		return j, nil
	}
	return Deps{
		GetCached: func(string, string) (*batchv1.Job, error) { return get(w.cached) },
		GetFresh:  func(context.Context, string, string) (*batchv1.Job, error) { return get(w.fresh) },
		Delete: func(_ context.Context, j *batchv1.Job) error {
			w.deleted = append(w.deleted, j.UID)
			return nil
		},
		Now: clk.Now,
	}
}

func TestReconcile(t *testing.T) {
	replaced := finished(ptr.To[int32](10), batchv1.JobComplete)
	replaced.UID = "u2"
	longer := finished(ptr.To[int32](100), batchv1.JobComplete)
	for _, tc := range []struct {
		name          string
		cached, fresh *batchv1.Job
		now           time.Time
		wantRequeue   time.Duration
		wantDeleted   []types.UID
	}{
		{name: "no ttl", cached: finished(nil, batchv1.JobComplete), now: t0.Add(time.Hour)},
		{name: "not finished", cached: finished(ptr.To[int32](0), ""), now: t0.Add(time.Hour)},
		{name: "suspended is not finished", cached: finished(ptr.To[int32](0), batchv1.JobSuspended), now: t0.Add(time.Hour)},
		{name: "before expiry requeues at expiry", cached: finished(ptr.To[int32](10), batchv1.JobComplete),
			now: t0.Add(4 * time.Second), wantRequeue: 6 * time.Second},
		{name: "expired complete job is deleted", cached: finished(ptr.To[int32](10), batchv1.JobComplete),
			fresh: finished(ptr.To[int32](10), batchv1.JobComplete), now: t0.Add(10 * time.Second), wantDeleted: []types.UID{"u1"}},
		{name: "expired failed job is deleted", cached: finished(ptr.To[int32](0), batchv1.JobFailed),
			fresh: finished(ptr.To[int32](0), batchv1.JobFailed), now: t0, wantDeleted: []types.UID{"u1"}},
		{name: "fresh copy with a longer ttl wins", cached: finished(ptr.To[int32](10), batchv1.JobComplete),
			fresh: longer, now: t0.Add(20 * time.Second), wantRequeue: 80 * time.Second},
		{name: "fresh copy gone", cached: finished(ptr.To[int32](10), batchv1.JobComplete), now: t0.Add(time.Minute)},
		{name: "delete names the fresh uid", cached: finished(ptr.To[int32](10), batchv1.JobComplete),
			fresh: replaced, now: t0.Add(time.Minute), wantDeleted: []types.UID{"u2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &world{cached: tc.cached, fresh: tc.fresh}
			res, err := reconcile(t.Context(), w.deps(clocktesting.NewFakeClock(tc.now)), "ns/j")
			if err != nil {
				t.Fatal(err)
			}
			if res.RequeueAfter != tc.wantRequeue {
				t.Errorf("requeue = %v, want %v", res.RequeueAfter, tc.wantRequeue)
			}
			if len(w.deleted) != len(tc.wantDeleted) || (len(w.deleted) > 0 && w.deleted[0] != tc.wantDeleted[0]) {
				t.Errorf("deleted = %v, want %v", w.deleted, tc.wantDeleted)
			}
		})
	}
}

func TestFinishedWithoutTimeIsAnError(t *testing.T) {
	j := finished(ptr.To[int32](1), batchv1.JobFailed)
	j.Status.Conditions[0].LastTransitionTime = metav1.Time{}
	w := &world{cached: j}
	if _, err := reconcile(t.Context(), w.deps(clocktesting.NewFakeClock(t0)), "ns/j"); err == nil {
		t.Fatal("want an error for a finished condition without a time")
	}
}

package ttlafterfinished

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/cache"

	"github.com/berth-dev/berth/internal/controller/worker"
)

// Deps are what reconcile needs, as small functions so tests need no
// fakes of whole clients.
type Deps struct {
	// GetCached reads the Job from the informer cache.
	GetCached func(namespace, name string) (*batchv1.Job, error)
	// GetFresh reads the Job from the API server.
	GetFresh func(ctx context.Context, namespace, name string) (*batchv1.Job, error)
	// Delete deletes j (with its pods, in the foreground) provided its
	// UID is unchanged.
	Delete func(ctx context.Context, j *batchv1.Job) error
	Now    func() time.Time
}

type result = worker.Result

// reconcile deletes Job key if its time-to-live has passed, or asks to be
// called again when it will.
func reconcile(ctx context.Context, d Deps, key string) (result, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return result{}, nil
	}
	j, err := d.GetCached(ns, name)
	if apierrors.IsNotFound(err) {
		return result{}, nil
	}
	if err != nil {
		return result{}, err
	}
	if res, expired, err := check(j, d.Now()); !expired {
		return res, err
	}
	// The cache may be stale: the TTL may have been changed or the Job
	// replaced since. Decide again on the stored Job.
	fresh, err := d.GetFresh(ctx, ns, name)
	if apierrors.IsNotFound(err) {
		return result{}, nil
	}
	if err != nil {
		return result{}, err
	}
	if res, expired, err := check(fresh, d.Now()); !expired {
		return res, err
	}
	if err := d.Delete(ctx, fresh); err != nil && !apierrors.IsNotFound(err) {
		return result{}, fmt.Errorf("delete job %s: %w", key, err)
	}
	return result{}, nil
}

// check reports whether j has expired at now; if it will later, the
// result asks to look again at that moment.
func check(j *batchv1.Job, now time.Time) (result, bool, error) {
	if j.DeletionTimestamp != nil || j.Spec.TTLSecondsAfterFinished == nil {
		return result{}, false, nil
	}
	finished, ok, err := finishTime(j)
	if !ok || err != nil {
		return result{}, false, err
	}
	left := finished.Add(time.Duration(*j.Spec.TTLSecondsAfterFinished) * time.Second).Sub(now)
	if left > 0 {
		return result{RequeueAfter: left}, false, nil
	}
	return result{}, true, nil
}

// needsCleanup: a TTL is set and the Job is finished.
func needsCleanup(j *batchv1.Job) bool {
	_, ok, _ := finishTime(j)
	return j.Spec.TTLSecondsAfterFinished != nil && ok
}

// finishTime is the transition time of the Job's true Complete or Failed
// condition; ok is false if the Job has not finished.
func finishTime(j *batchv1.Job) (time.Time, bool, error) {
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			if c.LastTransitionTime.IsZero() {
				return time.Time{}, true, fmt.Errorf("unable to find the time when the Job %s/%s finished", j.Namespace, j.Name)
			}
			return c.LastTransitionTime.Time, true, nil
		}
	}
	return time.Time{}, false, nil
}

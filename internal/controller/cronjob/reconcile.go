package cronjob

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/controller/worker"
	"github.com/berth-dev/berth/internal/cron"
)

// Deps are what reconcile needs, as small functions so tests need no
// fakes of whole clients.
type Deps struct {
	// GetCronJob reads the CronJob from the informer cache.
	GetCronJob func(namespace, name string) (*batchv1.CronJob, error)
	// GetFreshCronJob reads the CronJob from the API server.
	GetFreshCronJob func(ctx context.Context, namespace, name string) (*batchv1.CronJob, error)
	// ListJobs lists the namespace's Jobs from the informer cache.
	ListJobs func(namespace string) ([]*batchv1.Job, error)
	// GetJob reads a Job from the API server.
	GetJob    func(ctx context.Context, namespace, name string) (*batchv1.Job, error)
	CreateJob func(ctx context.Context, j *batchv1.Job) (*batchv1.Job, error)
	// DeleteJob deletes a Job and, in the background, its pods.
	DeleteJob    func(ctx context.Context, namespace, name string) error
	UpdateStatus func(ctx context.Context, cj *batchv1.CronJob) (*batchv1.CronJob, error)
	Event        func(cj *batchv1.CronJob, eventType, reason, message string)
	Now          func() time.Time
}

type result = worker.Result

var cronJobKind = batchv1.SchemeGroupVersion.WithKind("CronJob")

// reconcile brings CronJob key's Jobs and status in line with its
// schedule at the current time.
func reconcile(ctx context.Context, d Deps, key string) (result, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return result{}, nil
	}
	cached, err := d.GetCronJob(ns, name)
	if apierrors.IsNotFound(err) {
		return result{}, nil
	}
	if err != nil {
		return result{}, err
	}
	cj := cached.DeepCopy()
	all, err := d.ListJobs(ns)
	if err != nil {
		return result{}, err
	}
	var jobs []*batchv1.Job
	for _, j := range all {
		if ref := metav1.GetControllerOfNoCopy(j); ref != nil && ref.UID == cj.UID {
			jobs = append(jobs, j)
		}
	}
	cj, err = freshIfJobUnknown(ctx, d, cj, jobs)
	if err != nil {
		return result{}, err
	}
	res, changed, syncErr := schedule(ctx, d, cj, jobs)
	if pruneHistory(ctx, d, cj, jobs) {
		changed = true
	}
	if changed {
		if _, err := d.UpdateStatus(ctx, cj); err != nil {
			return result{}, errors.Join(syncErr, fmt.Errorf("update cronjob %s status: %w", key, err))
		}
	}
	return res, syncErr
}

// freshIfJobUnknown re-reads the CronJob from the API server when one of
// its unfinished Jobs is missing from the cached status.active: the cache
// may lag behind the status written with the Job's creation.
func freshIfJobUnknown(ctx context.Context, d Deps, cj *batchv1.CronJob, jobs []*batchv1.Job) (*batchv1.CronJob, error) {
	for _, j := range jobs {
		if finished(j) == "" && !slices.ContainsFunc(cj.Status.Active, func(r corev1.ObjectReference) bool { return r.UID == j.UID }) {
			fresh, err := d.GetFreshCronJob(ctx, cj.Namespace, cj.Name)
			if err != nil {
				return nil, fmt.Errorf("get cronjob %s/%s: %w", cj.Namespace, cj.Name, err)
			}
			if fresh.UID != cj.UID {
				return cj, nil
			}
			return fresh.DeepCopy(), nil
		}
	}
	return cj, nil
}

// schedule reconciles status.active with the Jobs, then starts the Job
// due now, if any. It reports whether the status changed.
func schedule(ctx context.Context, d Deps, cj *batchv1.CronJob, jobs []*batchv1.Job) (result, bool, error) {
	changed := trackJobs(d, cj, jobs)
	seen := map[types.UID]bool{}
	for _, j := range jobs {
		seen[j.UID] = true
	}
	for _, ref := range slices.Clone(cj.Status.Active) {
		if seen[ref.UID] {
			continue
		}
		// The cache may lag behind a Job just created: ask the server.
		_, err := d.GetJob(ctx, ref.Namespace, ref.Name)
		switch {
		case apierrors.IsNotFound(err):
			d.Event(cj, corev1.EventTypeNormal, "MissingJob", "Active job went missing: "+ref.Name)
			removeActive(cj, ref.UID)
			changed = true
		case err != nil:
			return result{}, changed, err
		}
	}
	if cj.DeletionTimestamp != nil {
		return result{}, changed, nil
	}
	if cj.Spec.TimeZone != nil {
		if _, err := time.LoadLocation(*cj.Spec.TimeZone); err != nil {
			d.Event(cj, corev1.EventTypeWarning, "UnknownTimeZone", fmt.Sprintf("invalid timeZone: %q: %s", *cj.Spec.TimeZone, err))
			return result{}, changed, nil
		}
	}
	if ptr.Deref(cj.Spec.Suspend, false) {
		return result{}, changed, nil
	}
	sched, err := cron.Parse(scheduleSpec(cj))
	if err != nil {
		d.Event(cj, corev1.EventTypeWarning, "UnparseableSchedule", fmt.Sprintf("unparseable schedule: %q : %s", cj.Spec.Schedule, err))
		return result{}, changed, nil
	}
	now := d.Now()
	next := result{RequeueAfter: requeueAfter(cj, sched, now)}

	from := earliest(cj)
	if sec := cj.Spec.StartingDeadlineSeconds; sec != nil {
		// Times older than the deadline are never run.
		if limit := now.Add(-time.Duration(*sec) * time.Second); limit.After(from) {
			from = limit
		}
	}
	due, err := missedTimes(sched, from, now)
	if err != nil {
		d.Event(cj, corev1.EventTypeWarning, "InvalidSchedule", fmt.Sprintf("invalid schedule: %s : %s", cj.Spec.Schedule, err))
		return result{}, changed, nil
	}
	if due.latest.IsZero() {
		if cj.Spec.StartingDeadlineSeconds != nil {
			if m, _ := missedTimes(sched, earliest(cj), now); !m.latest.IsZero() {
				d.Event(cj, corev1.EventTypeWarning, "MissSchedule", "Missed scheduled time to start a job: "+m.latest.UTC().Format(time.RFC1123Z))
			}
		}
		return next, changed, nil
	}
	if due.count > tooMany {
		d.Event(cj, corev1.EventTypeWarning, "TooManyMissedTimes", "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew")
	}
	scheduled := due.latest
	name := jobName(cj, scheduled)
	if slices.ContainsFunc(cj.Status.Active, func(r corev1.ObjectReference) bool { return r.Name == name }) ||
		(cj.Status.LastScheduleTime != nil && cj.Status.LastScheduleTime.Time.Equal(scheduled)) {
		return next, changed, nil
	}
	switch cj.Spec.ConcurrencyPolicy {
	case batchv1.ForbidConcurrent:
		if len(cj.Status.Active) > 0 {
			d.Event(cj, corev1.EventTypeNormal, "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid")
			return next, changed, nil
		}
	case batchv1.ReplaceConcurrent:
		for _, ref := range slices.Clone(cj.Status.Active) {
			j, err := d.GetJob(ctx, ref.Namespace, ref.Name)
			if err != nil {
				d.Event(cj, corev1.EventTypeWarning, "FailedGet", fmt.Sprintf("Get job: %v", err))
				return result{}, changed, err
			}
			if !deleteJob(ctx, d, cj, j) {
				return result{}, changed, fmt.Errorf("could not replace job %s/%s", j.Namespace, j.Name)
			}
			changed = true
		}
	}
	job, err := newJob(cj, scheduled)
	if err != nil {
		return result{}, changed, err
	}
	created, err := d.CreateJob(ctx, job)
	switch {
	case apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause):
		return result{}, changed, err
	case apierrors.IsAlreadyExists(err):
		// Created earlier by us (status not yet written) or by someone
		// else, whose Job we leave alone.
		existing, err := d.GetJob(ctx, job.Namespace, job.Name)
		if err != nil {
			return result{}, changed, err
		}
		if !metav1.IsControlledBy(existing, cj) || slices.ContainsFunc(cj.Status.Active, func(r corev1.ObjectReference) bool { return r.UID == existing.UID }) {
			return result{}, changed, nil
		}
		created = existing
	case err != nil:
		d.Event(cj, corev1.EventTypeWarning, "FailedCreate", fmt.Sprintf("Error creating job: %v", err))
		return result{}, changed, err
	default:
		d.Event(cj, corev1.EventTypeNormal, "SuccessfulCreate", "Created job "+created.Name)
	}
	cj.Status.Active = append(cj.Status.Active, jobRef(created))
	cj.Status.LastScheduleTime = &metav1.Time{Time: scheduled}
	return next, true, nil
}

// trackJobs drops finished Jobs from status.active, notes unexpected ones
// and records the latest successful completion.
func trackJobs(d Deps, cj *batchv1.CronJob, jobs []*batchv1.Job) bool {
	changed := false
	for _, j := range jobs {
		active := slices.ContainsFunc(cj.Status.Active, func(r corev1.ObjectReference) bool { return r.UID == j.UID })
		cond := finished(j)
		switch {
		case !active && cond == "":
			d.Event(cj, corev1.EventTypeWarning, "UnexpectedJob", "Saw a job that the controller did not create or forgot: "+j.Name)
		case active && cond != "":
			removeActive(cj, j.UID)
			d.Event(cj, corev1.EventTypeNormal, "SawCompletedJob", fmt.Sprintf("Saw completed job: %s, condition: %v", j.Name, cond))
			changed = true
		}
		if cond == batchv1.JobComplete && j.Status.CompletionTime != nil {
			if last := cj.Status.LastSuccessfulTime; last == nil || j.Status.CompletionTime.After(last.Time) {
				cj.Status.LastSuccessfulTime = j.Status.CompletionTime.DeepCopy()
				changed = true
			}
		}
	}
	return changed
}

// pruneHistory deletes the oldest finished Jobs beyond the history limits.
func pruneHistory(ctx context.Context, d Deps, cj *batchv1.CronJob, jobs []*batchv1.Job) bool {
	var ok, failed []*batchv1.Job
	for _, j := range jobs {
		switch finished(j) {
		case batchv1.JobComplete:
			ok = append(ok, j)
		case batchv1.JobFailed:
			failed = append(failed, j)
		}
	}
	changed := false
	for _, h := range []struct {
		limit *int32
		jobs  []*batchv1.Job
	}{{cj.Spec.SuccessfulJobsHistoryLimit, ok}, {cj.Spec.FailedJobsHistoryLimit, failed}} {
		if h.limit == nil || len(h.jobs) <= int(*h.limit) {
			continue
		}
		slices.SortStableFunc(h.jobs, byStartTime)
		for _, j := range h.jobs[:len(h.jobs)-int(*h.limit)] {
			if deleteJob(ctx, d, cj, j) {
				changed = true
			}
		}
	}
	return changed
}

// byStartTime orders Jobs oldest first, unstarted last, then by name.
func byStartTime(a, b *batchv1.Job) int {
	sa, sb := a.Status.StartTime, b.Status.StartTime
	switch {
	case sa == nil && sb != nil:
		return 1
	case sa != nil && sb == nil:
		return -1
	case sa == nil || sa.Equal(sb):
		return strings.Compare(a.Name, b.Name)
	case sa.Before(sb):
		return -1
	}
	return 1
}

func deleteJob(ctx context.Context, d Deps, cj *batchv1.CronJob, j *batchv1.Job) bool {
	if err := d.DeleteJob(ctx, j.Namespace, j.Name); err != nil && !apierrors.IsNotFound(err) {
		d.Event(cj, corev1.EventTypeWarning, "FailedDelete", fmt.Sprintf("Deleted job: %v", err))
		return false
	}
	removeActive(cj, j.UID)
	d.Event(cj, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted job "+j.Name)
	return true
}

// finished is the type of the Job's true Complete or Failed condition.
func finished(j *batchv1.Job) batchv1.JobConditionType {
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return c.Type
		}
	}
	return ""
}

func removeActive(cj *batchv1.CronJob, uid types.UID) {
	cj.Status.Active = slices.DeleteFunc(cj.Status.Active, func(r corev1.ObjectReference) bool { return r.UID == uid })
}

func jobRef(j *batchv1.Job) corev1.ObjectReference {
	return corev1.ObjectReference{Kind: "Job", APIVersion: batchv1.SchemeGroupVersion.String(),
		Namespace: j.Namespace, Name: j.Name, UID: j.UID, ResourceVersion: j.ResourceVersion}
}

// newJob is the Job for the run scheduled at t.
func newJob(cj *batchv1.CronJob, t time.Time) (*batchv1.Job, error) {
	loc, err := time.LoadLocation(ptr.Deref(cj.Spec.TimeZone, ""))
	if err != nil {
		return nil, err
	}
	ann := maps.Clone(cj.Spec.JobTemplate.Annotations)
	if ann == nil {
		ann = map[string]string{}
	}
	ann[batchv1.CronJobScheduledTimestampAnnotation] = t.In(loc).Format(time.RFC3339)
	labels := maps.Clone(cj.Spec.JobTemplate.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	j := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{
		Namespace: cj.Namespace, Name: jobName(cj, t), Labels: labels, Annotations: ann,
		OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, cronJobKind)},
	}}
	cj.Spec.JobTemplate.Spec.DeepCopyInto(&j.Spec)
	return j, nil
}

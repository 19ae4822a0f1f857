package cronjob

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

	"github.com/berth-dev/berth/internal/cron"
)

var jobsGR = schema.GroupResource{Group: "batch", Resource: "jobs"}

// world is an in-memory namespace holding one CronJob and its Jobs.
type world struct {
	cj      *batchv1.CronJob
	fresh   *batchv1.CronJob // the API server's copy when the cache lags
	jobs    map[string]*batchv1.Job
	events  []string
	deleted []string
	clock   *clocktesting.FakeClock
	uid     int
}

func newWorld(cj *batchv1.CronJob, now time.Time, jobs ...*batchv1.Job) *world {
	w := &world{cj: cj, jobs: map[string]*batchv1.Job{}, clock: clocktesting.NewFakeClock(now)}
	for _, j := range jobs {
		w.jobs[j.Name] = j
	}
	return w
}

func (w *world) deps() Deps {
	return Deps{
		GetCronJob: func(string, string) (*batchv1.CronJob, error) { return w.cj, nil },
		GetFreshCronJob: func(context.Context, string, string) (*batchv1.CronJob, error) {
			if w.fresh != nil {
				return w.fresh, nil
			}
			return w.cj, nil
		},
		ListJobs: func(string) ([]*batchv1.Job, error) {
			var out []*batchv1.Job
			for _, j := range w.jobs {
				out = append(out, j)
			}
			return out, nil
		},
		GetJob: func(_ context.Context, _, name string) (*batchv1.Job, error) {
			if j, ok := w.jobs[name]; ok {
				return j, nil
			}
			return nil, apierrors.NewNotFound(jobsGR, name)
		},
		CreateJob: func(_ context.Context, j *batchv1.Job) (*batchv1.Job, error) {
			if _, ok := w.jobs[j.Name]; ok {
				return nil, apierrors.NewAlreadyExists(jobsGR, j.Name)
			}
			w.uid++
			j = j.DeepCopy()
			j.UID = types.UID(fmt.Sprintf("job-uid-%d", w.uid))
			w.jobs[j.Name] = j
			return j, nil
		},
		DeleteJob: func(_ context.Context, _, name string) error {
			delete(w.jobs, name)
			w.deleted = append(w.deleted, name)
			return nil
		},
		UpdateStatus: func(_ context.Context, cj *batchv1.CronJob) (*batchv1.CronJob, error) {
			w.cj = cj.DeepCopy()
			return w.cj, nil
		},
		Event: func(_ *batchv1.CronJob, _, reason, _ string) { w.events = append(w.events, reason) },
		Now:   w.clock.Now,
	}
}

func (w *world) sync(t *testing.T) result {
	t.Helper()
	res, err := reconcile(t.Context(), w.deps(), "ns/cj")
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (w *world) jobNames() []string {
	var out []string
	for n := range w.jobs {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func cronJob(schedule string, created time.Time) *batchv1.CronJob {
	return &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "cj", UID: "cj-uid", CreationTimestamp: metav1.NewTime(created)},
		Spec: batchv1.CronJobSpec{
			Schedule:          schedule,
			ConcurrencyPolicy: batchv1.AllowConcurrent,
			JobTemplate: batchv1.JobTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "x"}, Annotations: map[string]string{"a": "b"}},
				Spec:       batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i"}}}}},
			},
		},
	}
}

// ownedJob is a Job of cj scheduled at t, finished with cond if set.
func ownedJob(cj *batchv1.CronJob, t time.Time, cond batchv1.JobConditionType) *batchv1.Job {
	j, _ := newJob(cj, t)
	j.UID = types.UID("uid-" + j.Name)
	j.Status.StartTime = ptr.To(metav1.NewTime(t))
	if cond != "" {
		j.Status.Conditions = []batchv1.JobCondition{{Type: cond, Status: corev1.ConditionTrue}}
		j.Status.CompletionTime = ptr.To(metav1.NewTime(t.Add(30 * time.Second)))
	}
	return j
}

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) // a Monday

func TestCreatesDueJob(t *testing.T) {
	cj := cronJob("*/5 * * * *", t0.Add(-time.Minute))
	w := newWorld(cj, t0.Add(30*time.Second))
	res := w.sync(t)
	want := fmt.Sprintf("cj-%d", t0.Unix()/60)
	if diff := cmp.Diff([]string{want}, w.jobNames()); diff != "" {
		t.Fatalf("jobs (-want +got):\n%s", diff)
	}
	j := w.jobs[want]
	if j.Annotations[batchv1.CronJobScheduledTimestampAnnotation] != "2026-03-02T10:00:00Z" || j.Annotations["a"] != "b" || j.Labels["app"] != "x" {
		t.Errorf("job metadata: %v %v", j.Annotations, j.Labels)
	}
	if ref := metav1.GetControllerOf(j); ref == nil || ref.Kind != "CronJob" || ref.UID != "cj-uid" || !ptr.Deref(ref.BlockOwnerDeletion, false) {
		t.Errorf("owner = %+v", ref)
	}
	if len(w.cj.Status.Active) != 1 || w.cj.Status.Active[0].Name != want || !w.cj.Status.LastScheduleTime.Time.Equal(t0) {
		t.Errorf("status = %+v", w.cj.Status)
	}
	// Next run at 10:05, padded by 100ms.
	if want := 4*time.Minute + 30*time.Second + nextDelta; res.RequeueAfter != want {
		t.Errorf("requeue = %v, want %v", res.RequeueAfter, want)
	}
	if !slices.Equal(w.events, []string{"SuccessfulCreate"}) {
		t.Errorf("events = %v", w.events)
	}
	// Synced again at the same time: nothing new.
	w.events = nil
	w.sync(t)
	if len(w.jobs) != 1 || len(w.events) != 0 {
		t.Errorf("second sync: jobs %v events %v", w.jobNames(), w.events)
	}
}

func TestNotDueYet(t *testing.T) {
	w := newWorld(cronJob("0 12 * * *", t0), t0.Add(time.Hour))
	res := w.sync(t)
	if len(w.jobs) != 0 || res.RequeueAfter != time.Hour+nextDelta {
		t.Fatalf("jobs %v requeue %v", w.jobNames(), res.RequeueAfter)
	}
}

func TestTimeZone(t *testing.T) {
	// 09:00 in New York is 14:00 UTC (EST) on 2 March 2026.
	cj := cronJob("0 9 * * *", t0)
	cj.Spec.TimeZone = ptr.To("America/New_York")
	w := newWorld(cj, time.Date(2026, 3, 2, 13, 59, 0, 0, time.UTC))
	if res := w.sync(t); len(w.jobs) != 0 || res.RequeueAfter != time.Minute+nextDelta {
		t.Fatalf("before 09:00 EST: jobs %v requeue %v", w.jobNames(), res.RequeueAfter)
	}
	w.clock.SetTime(time.Date(2026, 3, 2, 14, 0, 1, 0, time.UTC))
	w.sync(t)
	if len(w.jobs) != 1 {
		t.Fatalf("at 09:00 EST: jobs %v", w.jobNames())
	}
	for _, j := range w.jobs {
		if got := j.Annotations[batchv1.CronJobScheduledTimestampAnnotation]; got != "2026-03-02T09:00:00-05:00" {
			t.Errorf("scheduled timestamp = %q", got)
		}
	}
}

func TestUnknownTimeZone(t *testing.T) {
	cj := cronJob("* * * * *", t0.Add(-time.Hour))
	cj.Spec.TimeZone = ptr.To("Mars/Olympus")
	w := newWorld(cj, t0)
	w.sync(t)
	if len(w.jobs) != 0 || !slices.Equal(w.events, []string{"UnknownTimeZone"}) {
		t.Fatalf("jobs %v events %v", w.jobNames(), w.events)
	}
}

func TestSuspended(t *testing.T) {
	cj := cronJob("* * * * *", t0.Add(-time.Hour))
	cj.Spec.Suspend = ptr.To(true)
	w := newWorld(cj, t0)
	if res := w.sync(t); len(w.jobs) != 0 || res.RequeueAfter != 0 {
		t.Fatalf("jobs %v requeue %v", w.jobNames(), res.RequeueAfter)
	}
}

func TestMissedSchedules(t *testing.T) {
	for _, tc := range []struct {
		name       string
		deadline   *int64
		created    time.Time
		now        time.Time
		wantJob    bool
		wantEvents []string
	}{
		{name: "a few missed: the latest runs", created: t0.Add(-10 * time.Minute), now: t0.Add(10 * time.Second),
			wantJob: true, wantEvents: []string{"SuccessfulCreate"}},
		{name: "too many missed: warned, the latest runs", created: t0.Add(-200 * time.Minute), now: t0.Add(10 * time.Second),
			wantJob: true, wantEvents: []string{"TooManyMissedTimes", "SuccessfulCreate"}},
		{name: "deadline bounds the count", deadline: ptr.To[int64](120), created: t0.Add(-200 * time.Minute), now: t0.Add(10 * time.Second),
			wantJob: true, wantEvents: []string{"SuccessfulCreate"}},
		{name: "past the deadline: missed", deadline: ptr.To[int64](5), created: t0.Add(-10 * time.Minute), now: t0.Add(10 * time.Second),
			wantEvents: []string{"MissSchedule"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cj := cronJob("* * * * *", tc.created)
			cj.Spec.StartingDeadlineSeconds = tc.deadline
			w := newWorld(cj, tc.now)
			w.sync(t)
			if got := len(w.jobs) == 1; got != tc.wantJob {
				t.Errorf("job created = %v, want %v", got, tc.wantJob)
			}
			if tc.wantJob {
				if want := fmt.Sprintf("cj-%d", t0.Unix()/60); w.jobNames()[0] != want {
					t.Errorf("job = %v, want the latest time %s", w.jobNames(), want)
				}
			}
			if diff := cmp.Diff(tc.wantEvents, w.events); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConcurrencyPolicies(t *testing.T) {
	prev := t0.Add(-time.Minute)
	for _, tc := range []struct {
		policy     batchv1.ConcurrencyPolicy
		wantJobs   int
		wantActive int
		wantEvents []string
	}{
		{batchv1.AllowConcurrent, 2, 2, []string{"SuccessfulCreate"}},
		{batchv1.ForbidConcurrent, 1, 1, []string{"JobAlreadyActive"}},
		{batchv1.ReplaceConcurrent, 1, 1, []string{"SuccessfulDelete", "SuccessfulCreate"}},
	} {
		t.Run(string(tc.policy), func(t *testing.T) {
			cj := cronJob("* * * * *", t0.Add(-time.Hour))
			cj.Spec.ConcurrencyPolicy = tc.policy
			running := ownedJob(cj, prev, "")
			cj.Status.Active = []corev1.ObjectReference{jobRef(running)}
			cj.Status.LastScheduleTime = ptr.To(metav1.NewTime(prev))
			w := newWorld(cj, t0.Add(time.Second), running)
			w.sync(t)
			if len(w.jobs) != tc.wantJobs || len(w.cj.Status.Active) != tc.wantActive {
				t.Errorf("jobs %v active %v", w.jobNames(), w.cj.Status.Active)
			}
			if diff := cmp.Diff(tc.wantEvents, w.events); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if tc.policy == batchv1.ReplaceConcurrent && (len(w.deleted) != 1 || w.deleted[0] != running.Name) {
				t.Errorf("deleted %v, want the running job", w.deleted)
			}
		})
	}
}

func TestTracksJobs(t *testing.T) {
	cj := cronJob("0 0 1 1 *", t0.Add(-time.Hour))
	done := ownedJob(cj, t0.Add(-3*time.Minute), batchv1.JobComplete)
	stray := ownedJob(cj, t0.Add(-2*time.Minute), "")
	gone := ownedJob(cj, t0.Add(-time.Minute), "")
	cj.Status.Active = []corev1.ObjectReference{jobRef(done), jobRef(gone)}
	w := newWorld(cj, t0, done, stray)
	w.sync(t)
	if len(w.cj.Status.Active) != 0 {
		t.Errorf("active = %v, want none", w.cj.Status.Active)
	}
	if lst := w.cj.Status.LastSuccessfulTime; lst == nil || !lst.Equal(done.Status.CompletionTime) {
		t.Errorf("lastSuccessfulTime = %v", lst)
	}
	slices.Sort(w.events)
	if diff := cmp.Diff([]string{"MissingJob", "SawCompletedJob", "UnexpectedJob"}, w.events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestHistoryLimits(t *testing.T) {
	cj := cronJob("0 0 1 1 *", t0.Add(-time.Hour))
	cj.Spec.SuccessfulJobsHistoryLimit = ptr.To[int32](1)
	cj.Spec.FailedJobsHistoryLimit = ptr.To[int32](0)
	var jobs []*batchv1.Job
	for i, cond := range []batchv1.JobConditionType{batchv1.JobComplete, batchv1.JobComplete, batchv1.JobComplete, batchv1.JobFailed, ""} {
		jobs = append(jobs, ownedJob(cj, t0.Add(time.Duration(i-10)*time.Minute), cond))
	}
	cj.Status.Active = []corev1.ObjectReference{jobRef(jobs[4])}
	w := newWorld(cj, t0, jobs...)
	w.sync(t)
	want := []string{jobs[2].Name, jobs[4].Name} // the newest success and the running one
	if diff := cmp.Diff(want, w.jobNames()); diff != "" {
		t.Errorf("jobs left (-want +got):\n%s", diff)
	}
}

func TestMissedTimes(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name           string
		spec           string
		earliest, now  time.Time
		wantLatest     time.Time
		wantCountAbove int64
	}{
		{name: "none yet", spec: "0 * * * *", earliest: t0, now: t0.Add(59 * time.Minute)},
		{name: "one", spec: "0 * * * *", earliest: t0, now: t0.Add(61 * time.Minute), wantLatest: t0.Add(time.Hour), wantCountAbove: 0},
		{name: "many hourly", spec: "0 * * * *", earliest: t0, now: t0.Add(300*time.Hour + time.Minute), wantLatest: t0.Add(300 * time.Hour), wantCountAbove: 100},
		{name: "irregular weekday schedule", spec: "30 6-16/4 * * 1-5", earliest: t0, now: time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC), // Saturday
			wantLatest: time.Date(2026, 3, 6, 14, 30, 0, 0, time.UTC), wantCountAbove: 1},
		{name: "irregular schedule, now deep in its weekend gap", spec: "30 6-16/4 * * 1-5", earliest: t0, now: time.Date(2026, 3, 8, 23, 0, 0, 0, time.UTC),
			wantLatest: time.Date(2026, 3, 6, 14, 30, 0, 0, time.UTC), wantCountAbove: 1},
		{name: "every 90s", spec: "@every 90s", earliest: t0, now: t0.Add(10 * time.Minute), wantLatest: t0.Add(9 * time.Minute), wantCountAbove: 5},
		// 02:30 does not exist in New York on 8 March 2026 (spring forward);
		// the latest time is the next day's.
		{name: "dst spring forward skips a day's missing hour", spec: "TZ=America/New_York 30 2 * * *",
			earliest: time.Date(2026, 3, 7, 12, 0, 0, 0, ny), now: time.Date(2026, 3, 9, 12, 0, 0, 0, ny),
			wantLatest: time.Date(2026, 3, 9, 2, 30, 0, 0, ny), wantCountAbove: 0},
		{name: "dst spring forward: no run on the day without 02:30", spec: "TZ=America/New_York 30 2 * * *",
			earliest: time.Date(2026, 3, 7, 12, 0, 0, 0, ny), now: time.Date(2026, 3, 8, 12, 0, 0, 0, ny)},
		{name: "dst fall back runs the repeated hour once per instant", spec: "TZ=America/New_York 30 1 * * *",
			earliest: time.Date(2026, 10, 31, 12, 0, 0, 0, ny), now: time.Date(2026, 11, 1, 1, 45, 0, 0, ny).Add(time.Hour),
			wantLatest: time.Date(2026, 11, 1, 1, 30, 0, 0, ny).Add(time.Hour), wantCountAbove: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := cron.Parse(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			m, err := missedTimes(s, tc.earliest, tc.now)
			if err != nil {
				t.Fatal(err)
			}
			if !m.latest.Equal(tc.wantLatest) {
				t.Errorf("latest = %v, want %v", m.latest, tc.wantLatest)
			}
			if !tc.wantLatest.IsZero() && m.count <= tc.wantCountAbove {
				t.Errorf("count = %d, want above %d", m.count, tc.wantCountAbove)
			}
		})
	}
}

func TestStaleCacheIsNoUnexpectedJob(t *testing.T) {
	cj := cronJob("0 0 1 1 *", t0.Add(-time.Hour))
	running := ownedJob(cj, t0.Add(-time.Minute), "")
	w := newWorld(cj.DeepCopy(), t0, running)
	w.fresh = cj.DeepCopy()
	w.fresh.Status.Active = []corev1.ObjectReference{jobRef(running)}
	w.sync(t)
	if len(w.events) != 0 {
		t.Fatalf("events = %v", w.events)
	}
}

package cronjob

import (
	"errors"
	"fmt"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"

	"github.com/berth-dev/berth/internal/cron"
)

// nextDelta pads requeues past the schedule time, as upstream, so a
// slightly early wake-up still finds the time due.
const nextDelta = 100 * time.Millisecond

// tooMany is upstream's threshold of missed schedule times above which it
// warns instead of quietly catching up.
const tooMany = 100

// scheduleSpec is the schedule to parse: spec.schedule, prefixed with
// spec.timeZone as a TZ= zone when set (a schedule naming its own zone
// keeps it, as upstream).
func scheduleSpec(cj *batchv1.CronJob) string {
	if cj.Spec.TimeZone != nil && !strings.Contains(cj.Spec.Schedule, "TZ") {
		return fmt.Sprintf("TZ=%s %s", *cj.Spec.TimeZone, cj.Spec.Schedule)
	}
	return cj.Spec.Schedule
}

// missed describes the schedule times in (earliest, now].
type missed struct {
	// latest is the most recent of them; zero if there is none.
	latest time.Time
	// count approximates how many there are, as upstream: the interval
	// between the first two, fitted into the elapsed time.
	count int64
}

var errTooFrequent = errors.New("time difference between two schedules is less than 1 second")

// missedTimes finds the schedule times in (earliest, now].
func missedTimes(s cron.Schedule, earliest, now time.Time) (missed, error) {
	t1 := s.Next(earliest)
	if t1.IsZero() || t1.After(now) {
		return missed{}, nil
	}
	t2 := s.Next(t1)
	if t2.IsZero() || t2.After(now) {
		return missed{latest: t1, count: 1}, nil
	}
	gap := t2.Sub(t1).Round(time.Second)
	if gap < time.Second {
		return missed{}, errTooFrequent
	}
	m := missed{count: int64(now.Sub(t1)/gap) + 1, latest: t2}
	// Jump close to now assuming a regular interval, as upstream (this
	// keeps "@every" schedules on their grid).
	if t := s.Next(t1.Add(time.Duration(m.count-2) * gap)); !t.IsZero() && !t.After(now) {
		m.latest = t
	} else {
		// An irregular schedule ("30 6-16/4 * * 1-5", DST) overshot: look
		// back from now in doubling windows instead.
		for w := gap; now.Add(-w).After(t2); w *= 2 {
			if t := s.Next(now.Add(-w)); !t.After(now) {
				m.latest = t
				break
			}
		}
	}
	for t := s.Next(m.latest); !t.IsZero() && !t.After(now); t = s.Next(t) {
		m.latest = t
	}
	return m, nil
}

// earliest is the time after which schedule times are still to run: the
// last one scheduled, else the CronJob's creation.
func earliest(cj *batchv1.CronJob) time.Time {
	if t := cj.Status.LastScheduleTime; t != nil {
		return t.Time
	}
	return cj.CreationTimestamp.Time
}

// requeueAfter is how long until just after the next schedule time.
func requeueAfter(cj *batchv1.CronJob, s cron.Schedule, now time.Time) time.Duration {
	from := now
	if m, err := missedTimes(s, earliest(cj), now); err == nil {
		switch {
		case !m.latest.IsZero():
			from = m.latest
		case m.count == 0:
			from = earliest(cj)
		}
	}
	next := s.Next(from)
	if next.IsZero() {
		return 0
	}
	return max(next.Add(nextDelta).Sub(now), nextDelta)
}

// jobName is "<cronjob>-<scheduled time in minutes since the epoch>".
func jobName(cj *batchv1.CronJob, scheduled time.Time) string {
	return fmt.Sprintf("%s-%d", cj.Name, scheduled.Unix()/60)
}

// Package cronjob creates Jobs on a schedule, as kube-controller-manager's
// cronjob controller (v2): at each schedule time (in spec.timeZone) it
// creates the Job "<cronjob>-<minutes since the epoch>" from
// spec.jobTemplate, honouring suspend, startingDeadlineSeconds and the
// concurrency policy (Allow, Forbid, Replace); it tracks the Jobs it
// started in status.active, records lastScheduleTime and
// lastSuccessfulTime, prunes finished Jobs beyond the history limits, and
// looks at each CronJob again just after its next schedule time.
package cronjob

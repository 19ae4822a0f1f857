package printers

import (
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	batchv1beta1 "k8s.io/api/batch/v1beta1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

func jobPrinter() Printer {
	return Printer{
		Columns: columns(
			[]metav1.TableColumnDefinition{
				nameColumn(),
				col("Status", "Status of the job."),
				col("Completions", batchv1.JobStatus{}.SwaggerDoc()["succeeded"]),
				col("Duration", "Time required to complete the job."),
				ageColumn(),
			},
			containerColumns(),
			[]metav1.TableColumnDefinition{wide("Selector", batchv1.JobSpec{}.SwaggerDoc()["selector"])},
		),
		Row: rowOf(jobRow),
	}
}

func jobRow(j *batchv1.Job, now time.Time) []interface{} {
	completions := fmt.Sprintf("%d/1", j.Status.Succeeded)
	switch {
	case j.Spec.Completions != nil:
		completions = fmt.Sprintf("%d/%d", j.Status.Succeeded, *j.Spec.Completions)
	case j.Spec.Parallelism != nil && *j.Spec.Parallelism > 1:
		completions = fmt.Sprintf("%d/1 of %d", j.Status.Succeeded, *j.Spec.Parallelism)
	}

	var took string
	switch {
	case j.Status.StartTime == nil:
	case j.Status.CompletionTime == nil:
		took = duration.HumanDuration(now.Sub(j.Status.StartTime.Time))
	default:
		took = duration.HumanDuration(j.Status.CompletionTime.Sub(j.Status.StartTime.Time))
	}

	names, images := containerCells(j.Spec.Template.Spec.Containers)
	return []interface{}{
		j.Name, jobStatus(j), completions, took, age(j.CreationTimestamp, now),
		names, images, metav1.FormatLabelSelector(j.Spec.Selector),
	}
}

// jobStatus is the first that applies of: Complete, Failed, Terminating,
// Suspended, FailureTarget, Running.
func jobStatus(j *batchv1.Job) string {
	switch {
	case jobCondition(j, batchv1.JobComplete):
		return "Complete"
	case jobCondition(j, batchv1.JobFailed):
		return "Failed"
	case j.DeletionTimestamp != nil:
		return "Terminating"
	case jobCondition(j, batchv1.JobSuspended):
		return "Suspended"
	case jobCondition(j, batchv1.JobFailureTarget):
		return "FailureTarget"
	}
	return "Running"
}

// jobCondition reports whether the job's first condition of type t is True.
func jobCondition(j *batchv1.Job, t batchv1.JobConditionType) bool {
	for _, c := range j.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func cronJobPrinter() Printer {
	spec, status := batchv1beta1.CronJobSpec{}.SwaggerDoc(), batchv1beta1.CronJobStatus{}.SwaggerDoc()
	return Printer{
		Columns: columns(
			[]metav1.TableColumnDefinition{
				nameColumn(),
				col("Schedule", spec["schedule"]),
				col("Timezone", spec["timeZone"]),
				typed("Suspend", "boolean", spec["suspend"]),
				typed("Active", "integer", status["active"]),
				col("Last Schedule", status["lastScheduleTime"]),
				ageColumn(),
			},
			containerColumns(),
			[]metav1.TableColumnDefinition{wide("Selector", batchv1.JobSpec{}.SwaggerDoc()["selector"])},
		),
		Row: rowOf(func(cj *batchv1.CronJob, now time.Time) []interface{} {
			last := "<none>"
			if cj.Status.LastScheduleTime != nil {
				last = age(*cj.Status.LastScheduleTime, now)
			}
			zone := "<none>"
			if cj.Spec.TimeZone != nil {
				zone = *cj.Spec.TimeZone
			}
			job := cj.Spec.JobTemplate.Spec
			names, images := containerCells(job.Template.Spec.Containers)
			return []interface{}{
				cj.Name, cj.Spec.Schedule, zone,
				// Upstream prints the flag as a string, though the column says boolean.
				boolPtr(cj.Spec.Suspend),
				int64(len(cj.Status.Active)), last, age(cj.CreationTimestamp, now),
				names, images, metav1.FormatLabelSelector(job.Selector),
			}
		}),
	}
}

package batch

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/cron"
)

// DefaultCronJob applies batch/v1 defaults to cj and to the pod template of
// its job template. Job defaults are not applied to the job template.
func (r Rules) DefaultCronJob(cj *batchv1.CronJob) {
	s := &cj.Spec
	if s.ConcurrencyPolicy == "" {
		s.ConcurrencyPolicy = batchv1.AllowConcurrent
	}
	if s.Suspend == nil {
		s.Suspend = ptr.To(false)
	}
	if s.SuccessfulJobsHistoryLimit == nil {
		s.SuccessfulJobsHistoryLimit = ptr.To[int32](3)
	}
	if s.FailedJobsHistoryLimit == nil {
		s.FailedJobsHistoryLimit = ptr.To[int32](1)
	}
	r.defaultTemplate(&s.JobTemplate.Spec.Template)
}

// ValidateCronJob checks a new CronJob, metadata included. Its name is at
// most 52 characters, leaving room for the suffix of the Jobs it creates.
func (r Rules) ValidateCronJob(cj *batchv1.CronJob) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMeta(&cj.ObjectMeta, true, apimachineryvalidation.NameIsDNSSubdomain, metaPath)
	errs = append(errs, r.validateCronJobSpec(&cj.Spec, nil, field.NewPath("spec"))...)
	if len(cj.Name) > 52 {
		errs = append(errs, field.Invalid(metaPath.Child("name"), cj.Name, "must be no more than 52 characters"))
	}
	return errs
}

// ValidateCronJobUpdate checks cj as a replacement for old. The name length
// limit is not applied, so older long-named CronJobs can still be changed.
func (r Rules) ValidateCronJobUpdate(cj, old *batchv1.CronJob) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMetaUpdate(&cj.ObjectMeta, &old.ObjectMeta, metaPath)
	return append(errs, r.validateCronJobSpec(&cj.Spec, &old.Spec, field.NewPath("spec"))...)
}

// ValidateCronJobStatusUpdate checks a write through the status
// subresource.
func ValidateCronJobStatusUpdate(cj, old *batchv1.CronJob) field.ErrorList {
	return apimachineryvalidation.ValidateObjectMetaUpdate(&cj.ObjectMeta, &old.ObjectMeta, metaPath)
}

func (r Rules) validateCronJobSpec(s, old *batchv1.CronJobSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.Schedule == "" {
		errs = append(errs, field.Required(fldPath.Child("schedule"), ""))
	} else {
		// A TZ in the schedule is tolerated only if it was already there.
		allowTZ := old != nil && strings.Contains(old.Schedule, "TZ")
		errs = append(errs, validateSchedule(s.Schedule, allowTZ, s.TimeZone, fldPath.Child("schedule"))...)
	}
	if s.StartingDeadlineSeconds != nil {
		errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(*s.StartingDeadlineSeconds, fldPath.Child("startingDeadlineSeconds"))...)
	}
	if old == nil || !ptr.Equal(old.TimeZone, s.TimeZone) {
		errs = append(errs, validateTimeZone(s.TimeZone, fldPath.Child("timeZone"))...)
	}
	p := fldPath.Child("concurrencyPolicy")
	switch s.ConcurrencyPolicy {
	case batchv1.AllowConcurrent, batchv1.ForbidConcurrent, batchv1.ReplaceConcurrent:
	case "":
		errs = append(errs, field.Required(p, ""))
	default:
		errs = append(errs, field.NotSupported(p, s.ConcurrencyPolicy, []batchv1.ConcurrencyPolicy{batchv1.AllowConcurrent, batchv1.ForbidConcurrent, batchv1.ReplaceConcurrent}))
	}
	errs = append(errs, r.validateJobTemplateSpec(&s.JobTemplate, fldPath.Child("jobTemplate"))...)
	errs = append(errs, nonNegativePtr(s.SuccessfulJobsHistoryLimit, fldPath.Child("successfulJobsHistoryLimit"))...)
	errs = append(errs, nonNegativePtr(s.FailedJobsHistoryLimit, fldPath.Child("failedJobsHistoryLimit"))...)
	return errs
}

func (r Rules) validateJobTemplateSpec(t *batchv1.JobTemplateSpec, fldPath *field.Path) field.ErrorList {
	errs := r.validateJobSpecCommon(&t.Spec, fldPath.Child("spec"))
	if t.Spec.Selector != nil {
		errs = append(errs, field.Invalid(fldPath.Child("spec", "selector"), t.Spec.Selector, "`selector` will be auto-generated"))
	}
	if ptr.Deref(t.Spec.ManualSelector, false) {
		errs = append(errs, field.NotSupported(fldPath.Child("spec", "manualSelector"), t.Spec.ManualSelector, []string{"nil", "false"}))
	}
	return errs
}

func validateSchedule(schedule string, allowTZ bool, timeZone *string, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if _, err := cron.Parse(schedule); err != nil {
		errs = append(errs, field.Invalid(fldPath, schedule, err.Error()))
	}
	switch {
	case allowTZ && strings.Contains(schedule, "TZ") && timeZone != nil:
		errs = append(errs, field.Invalid(fldPath, schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"))
	case !allowTZ && strings.Contains(schedule, "TZ"):
		errs = append(errs, field.Invalid(fldPath, schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
	}
	return errs
}

var timeZonePart = regexp.MustCompile(`^[A-Za-z\.\-_0-9+]{1,14}$`)

func validateTimeZone(tz *string, fldPath *field.Path) field.ErrorList {
	if tz == nil {
		return nil
	}
	if *tz == "" {
		return field.ErrorList{field.Invalid(fldPath, tz, "timeZone must be nil or non-empty string")}
	}
	for _, part := range strings.Split(*tz, "/") {
		if part == "." || part == ".." || strings.HasPrefix(part, "-") || !timeZonePart.MatchString(part) {
			return field.ErrorList{field.Invalid(fldPath, tz, fmt.Sprintf("unknown time zone %s", *tz))}
		}
	}
	var errs field.ErrorList
	if strings.EqualFold(*tz, "Local") {
		errs = append(errs, field.Invalid(fldPath, tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"))
	}
	if _, err := time.LoadLocation(*tz); err != nil {
		errs = append(errs, field.Invalid(fldPath, tz, err.Error()))
	}
	return errs
}

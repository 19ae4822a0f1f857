package batch

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

var fakeRules = Rules{PodTemplate: PodTemplateRules{
	Default: func(t *corev1.PodTemplateSpec) {
		if t.Spec.RestartPolicy == "" {
			t.Spec.RestartPolicy = corev1.RestartPolicyAlways
		}
	},
	Validate: func(t *corev1.PodTemplateSpec, p *field.Path) field.ErrorList {
		if len(t.Spec.Containers) == 0 {
			return field.ErrorList{field.Required(p.Child("spec", "containers"), "")}
		}
		return nil
	},
}}

func errSummary(errs field.ErrorList) []string {
	var out []string
	for _, e := range errs {
		out = append(out, string(e.Type)+" "+e.Field)
	}
	return out
}

// job builds a valid Job as the store leaves it after generating the
// selector.
func job(mut ...func(*batchv1.Job)) *batchv1.Job {
	l := map[string]string{
		controllerUIDLabel: "uid-1", jobNameLabel: "pi",
		legacyControllerUIDLabel: "uid-1", legacyJobNameLabel: "pi",
	}
	j := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "pi", Namespace: "ns", UID: "uid-1", ResourceVersion: "1"},
		Spec: batchv1.JobSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{controllerUIDLabel: "uid-1"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: l},
				Spec: corev1.PodSpec{
					RestartPolicy: corev1.RestartPolicyNever,
					Containers:    []corev1.Container{{Name: "c", Image: "i"}},
				},
			},
		},
	}
	fakeRules.DefaultJob(j)
	for _, m := range mut {
		m(j)
	}
	return j
}

func TestDefaultJob(t *testing.T) {
	j := &batchv1.Job{}
	fakeRules.DefaultJob(j)
	want := batchv1.JobSpec{
		Completions:          ptr.To[int32](1),
		Parallelism:          ptr.To[int32](1),
		BackoffLimit:         ptr.To[int32](6),
		CompletionMode:       ptr.To(batchv1.NonIndexedCompletion),
		Suspend:              ptr.To(false),
		PodReplacementPolicy: ptr.To(batchv1.TerminatingOrFailed),
		Template:             corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyAlways}},
	}
	if diff := cmp.Diff(want, j.Spec); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	again := j.DeepCopy()
	fakeRules.DefaultJob(again)
	if diff := cmp.Diff(j, again); diff != "" {
		t.Errorf("not idempotent (-want +got):\n%s", diff)
	}

	// Parallel job: completions stays unset.
	p := &batchv1.Job{Spec: batchv1.JobSpec{Parallelism: ptr.To[int32](3)}}
	fakeRules.DefaultJob(p)
	if p.Spec.Completions != nil {
		t.Errorf("completions = %v, want nil", *p.Spec.Completions)
	}
	// Per-index backoff and pod failure policy.
	pi := &batchv1.Job{Spec: batchv1.JobSpec{
		BackoffLimitPerIndex: ptr.To[int32](1),
		PodFailurePolicy: &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{
			Action:          batchv1.PodFailurePolicyActionIgnore,
			OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: corev1.DisruptionTarget}},
		}}},
	}}
	fakeRules.DefaultJob(pi)
	if got := *pi.Spec.BackoffLimit; got != math.MaxInt32 {
		t.Errorf("backoffLimit = %d, want MaxInt32", got)
	}
	if got := *pi.Spec.PodReplacementPolicy; got != batchv1.Failed {
		t.Errorf("podReplacementPolicy = %s, want Failed", got)
	}
	if got := pi.Spec.PodFailurePolicy.Rules[0].OnPodConditions[0].Status; got != corev1.ConditionTrue {
		t.Errorf("onPodConditions status = %q, want True", got)
	}
	// Labels are copied from the template.
	lj := &batchv1.Job{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"a": "b"}}}}}
	fakeRules.DefaultJob(lj)
	if diff := cmp.Diff(map[string]string{"a": "b"}, lj.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
}

func TestValidateJob(t *testing.T) {
	tests := []struct {
		name string
		j    *batchv1.Job
		want []string
	}{
		{"valid", job(), nil},
		{"restart always", job(func(j *batchv1.Job) { j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways }),
			[]string{"FieldValueRequired spec.template.spec.restartPolicy"}},
		{"restart bogus", job(func(j *batchv1.Job) { j.Spec.Template.Spec.RestartPolicy = "Sometimes" }),
			[]string{"FieldValueNotSupported spec.template.spec.restartPolicy"}},
		{"negative counts", job(func(j *batchv1.Job) {
			j.Spec.Parallelism = ptr.To[int32](-1)
			j.Spec.BackoffLimit = ptr.To[int32](-1)
			j.Spec.ActiveDeadlineSeconds = ptr.To[int64](-1)
		}), []string{"FieldValueInvalid spec.parallelism", "FieldValueInvalid spec.activeDeadlineSeconds", "FieldValueInvalid spec.backoffLimit"}},
		{"no selector", job(func(j *batchv1.Job) { j.Spec.Selector = nil }),
			[]string{"FieldValueRequired spec.selector", "FieldValueInvalid spec.template.metadata.labels"}},
		{"selector mismatch", job(func(j *batchv1.Job) {
			j.Spec.ManualSelector = ptr.To(true)
			j.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"x": "y"}}
		}), []string{"FieldValueInvalid spec.template.metadata.labels"}},
		{"missing generated label", job(func(j *batchv1.Job) { delete(j.Spec.Template.Labels, jobNameLabel) }),
			[]string{"FieldValueRequired spec.template.metadata.labels[batch.kubernetes.io/job-name]"}},
		{"indexed without completions", job(func(j *batchv1.Job) {
			j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
			j.Spec.Completions = nil
		}), []string{"FieldValueRequired spec.completions"}},
		{"bad completion mode", job(func(j *batchv1.Job) { j.Spec.CompletionMode = ptr.To(batchv1.CompletionMode("Some")) }),
			[]string{"FieldValueNotSupported spec.completionMode"}},
		{"per-index backoff needs indexed", job(func(j *batchv1.Job) { j.Spec.BackoffLimitPerIndex = ptr.To[int32](1) }),
			[]string{"FieldValueInvalid spec.backoffLimitPerIndex"}},
		{"pod failure policy needs Never and Failed", job(func(j *batchv1.Job) {
			j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
			j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{
				Action:      batchv1.PodFailurePolicyActionFailJob,
				OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{2, 1, 0}},
			}}}
		}), []string{
			"FieldValueInvalid spec.podFailurePolicy.rules[0].onExitCodes.values[2]",
			"FieldValueInvalid spec.podFailurePolicy.rules[0].onExitCodes.values",
			"FieldValueNotSupported spec.podReplacementPolicy",
			"FieldValueInvalid spec.template.spec.restartPolicy",
		}},
		{"indexed name too long for pods", job(func(j *batchv1.Job) {
			j.Name = "a123456789012345678901234567890123456789012345678901234567890"
			for _, k := range []string{jobNameLabel, legacyJobNameLabel} {
				j.Spec.Template.Labels[k] = j.Name
			}
			j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
			j.Spec.Completions = ptr.To[int32](100)
		}), []string{"FieldValueInvalid metadata.name"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, errSummary(fakeRules.ValidateJob(tc.j))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateJobUpdate(t *testing.T) {
	indexed := func(j *batchv1.Job) {
		j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
		j.Spec.Completions = ptr.To[int32](2)
		j.Spec.Parallelism = ptr.To[int32](2)
	}
	suspended := func(j *batchv1.Job) { j.Spec.Suspend = ptr.To(true) }
	tests := []struct {
		name     string
		old, cur *batchv1.Job
		want     []string
	}{
		{"parallelism may change", job(), job(func(j *batchv1.Job) { j.Spec.Parallelism = ptr.To[int32](4) }), nil},
		{"completions immutable", job(), job(func(j *batchv1.Job) { j.Spec.Completions = ptr.To[int32](4) }),
			[]string{"FieldValueInvalid spec.completions"}},
		{"indexed completions in tandem", job(indexed), job(indexed, func(j *batchv1.Job) {
			j.Spec.Completions = ptr.To[int32](5)
			j.Spec.Parallelism = ptr.To[int32](5)
		}), nil},
		{"indexed completions alone", job(indexed), job(indexed, func(j *batchv1.Job) { j.Spec.Completions = ptr.To[int32](5) }),
			[]string{"FieldValueInvalid spec.completions"}},
		{"template immutable", job(), job(func(j *batchv1.Job) { j.Spec.Template.Spec.NodeSelector = map[string]string{"a": "b"} }),
			[]string{"FieldValueInvalid spec.template"}},
		{"suspended job may change scheduling", job(suspended), job(suspended, func(j *batchv1.Job) {
			j.Spec.Template.Spec.NodeSelector = map[string]string{"a": "b"}
			j.Spec.Template.Spec.Tolerations = []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists}}
		}), nil},
		{"suspended job keeps containers", job(suspended), job(suspended, func(j *batchv1.Job) { j.Spec.Template.Spec.Containers[0].Image = "other" }),
			[]string{"FieldValueInvalid spec.template"}},
		{"completion mode immutable", job(), job(func(j *batchv1.Job) {
			j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
		}), []string{"FieldValueInvalid spec.completionMode"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, errSummary(fakeRules.ValidateJobUpdate(tc.cur, tc.old))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func cronJob(mut ...func(*batchv1.CronJob)) *batchv1.CronJob {
	cj := &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "hello", Namespace: "ns", ResourceVersion: "1"},
		Spec: batchv1.CronJobSpec{
			Schedule: "*/5 * * * *",
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{
				Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyOnFailure, Containers: []corev1.Container{{Name: "c", Image: "i"}}},
			}}},
		},
	}
	fakeRules.DefaultCronJob(cj)
	for _, m := range mut {
		m(cj)
	}
	return cj
}

func TestDefaultCronJob(t *testing.T) {
	cj := &batchv1.CronJob{}
	fakeRules.DefaultCronJob(cj)
	want := batchv1.CronJobSpec{
		ConcurrencyPolicy:          batchv1.AllowConcurrent,
		Suspend:                    ptr.To(false),
		SuccessfulJobsHistoryLimit: ptr.To[int32](3),
		FailedJobsHistoryLimit:     ptr.To[int32](1),
		JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{
			Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyAlways},
		}}},
	}
	if diff := cmp.Diff(want, cj.Spec); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}

func TestValidateCronJob(t *testing.T) {
	tests := []struct {
		name string
		cj   *batchv1.CronJob
		want []string
	}{
		{"valid", cronJob(), nil},
		{"valid time zone", cronJob(func(cj *batchv1.CronJob) { cj.Spec.TimeZone = ptr.To("Europe/Berlin") }), nil},
		{"no schedule", cronJob(func(cj *batchv1.CronJob) { cj.Spec.Schedule = "" }), []string{"FieldValueRequired spec.schedule"}},
		{"bad schedule", cronJob(func(cj *batchv1.CronJob) { cj.Spec.Schedule = "61 * * * *" }), []string{"FieldValueInvalid spec.schedule"}},
		{"TZ in schedule", cronJob(func(cj *batchv1.CronJob) { cj.Spec.Schedule = "TZ=UTC 0 * * * *" }), []string{"FieldValueInvalid spec.schedule"}},
		{"unknown zone", cronJob(func(cj *batchv1.CronJob) { cj.Spec.TimeZone = ptr.To("Mars/Olympus") }), []string{"FieldValueInvalid spec.timeZone"}},
		{"empty zone", cronJob(func(cj *batchv1.CronJob) { cj.Spec.TimeZone = ptr.To("") }), []string{"FieldValueInvalid spec.timeZone"}},
		{"local zone", cronJob(func(cj *batchv1.CronJob) { cj.Spec.TimeZone = ptr.To("Local") }), []string{"FieldValueInvalid spec.timeZone"}},
		{"bad concurrency", cronJob(func(cj *batchv1.CronJob) { cj.Spec.ConcurrencyPolicy = "Sometimes" }), []string{"FieldValueNotSupported spec.concurrencyPolicy"}},
		{"selector in template", cronJob(func(cj *batchv1.CronJob) {
			cj.Spec.JobTemplate.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}}
		}), []string{"FieldValueInvalid spec.jobTemplate.spec.selector"}},
		{"negative history", cronJob(func(cj *batchv1.CronJob) { cj.Spec.FailedJobsHistoryLimit = ptr.To[int32](-1) }),
			[]string{"FieldValueInvalid spec.failedJobsHistoryLimit"}},
		{"long name", cronJob(func(cj *batchv1.CronJob) { cj.Name = "a12345678901234567890123456789012345678901234567890123" }),
			[]string{"FieldValueInvalid metadata.name"}},
		{"template restart always", cronJob(func(cj *batchv1.CronJob) {
			cj.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
		}),
			[]string{"FieldValueRequired spec.jobTemplate.spec.template.spec.restartPolicy"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, errSummary(fakeRules.ValidateCronJob(tc.cj))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
	// A TZ already present survives updates.
	old := cronJob(func(cj *batchv1.CronJob) { cj.Spec.Schedule = "TZ=UTC 0 * * * *" })
	cur := cronJob(func(cj *batchv1.CronJob) { cj.Spec.Schedule = "TZ=UTC 5 * * * *" })
	if errs := fakeRules.ValidateCronJobUpdate(cur, old); len(errs) != 0 {
		t.Errorf("update keeping TZ: %v", errs)
	}
}

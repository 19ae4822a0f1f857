package batch

import (
	"fmt"
	"math"
	"slices"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

const (
	maxParallelismForIndexedJob         = 100_000
	maxCompletionsWithBackoffPerIndex   = 100_000
	maxFailedIndexesWithBackoffPerIndex = 100_000
	maxManagedByLength                  = 63
	maxPodFailurePolicyRules            = 20
	maxOnPodConditionsPatterns          = 20
	maxOnExitCodesValues                = 255
	maxSuccessPolicyRules               = 20

	legacyControllerUIDLabel = "controller-uid"
	legacyJobNameLabel       = "job-name"
	controllerUIDLabel       = "batch.kubernetes.io/controller-uid"
	jobNameLabel             = "batch.kubernetes.io/job-name"
)

var metaPath = field.NewPath("metadata")

// DefaultJob applies batch/v1 defaults to j and its pod template.
func (r Rules) DefaultJob(j *batchv1.Job) {
	s := &j.Spec
	if s.Completions == nil && s.Parallelism == nil {
		s.Completions = ptr.To[int32](1)
		s.Parallelism = ptr.To[int32](1)
	}
	if s.Parallelism == nil {
		s.Parallelism = ptr.To[int32](1)
	}
	if s.BackoffLimit == nil {
		if s.BackoffLimitPerIndex != nil {
			s.BackoffLimit = ptr.To[int32](math.MaxInt32)
		} else {
			s.BackoffLimit = ptr.To[int32](6)
		}
	}
	if s.Template.Labels != nil && len(j.Labels) == 0 {
		j.Labels = s.Template.Labels
	}
	if s.CompletionMode == nil {
		s.CompletionMode = ptr.To(batchv1.NonIndexedCompletion)
	}
	if s.Suspend == nil {
		s.Suspend = ptr.To(false)
	}
	if s.PodFailurePolicy != nil {
		for _, rule := range s.PodFailurePolicy.Rules {
			for i := range rule.OnPodConditions {
				if rule.OnPodConditions[i].Status == "" {
					rule.OnPodConditions[i].Status = corev1.ConditionTrue
				}
			}
		}
	}
	if s.PodReplacementPolicy == nil {
		if s.PodFailurePolicy != nil {
			s.PodReplacementPolicy = ptr.To(batchv1.Failed)
		} else {
			s.PodReplacementPolicy = ptr.To(batchv1.TerminatingOrFailed)
		}
	}
	r.defaultTemplate(&s.Template)
}

// ValidateJob checks a new Job, metadata included. The store has set the
// UID and, unless spec.manualSelector, the generated selector and template
// labels before this is called.
func (r Rules) ValidateJob(j *batchv1.Job) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMeta(&j.ObjectMeta, true, apimachineryvalidation.NameIsDNSSubdomain, metaPath)
	errs = append(errs, validateGeneratedSelector(j, true)...)
	errs = append(errs, r.validateJobSpec(&j.Spec, field.NewPath("spec"))...)
	s := &j.Spec
	if s.CompletionMode != nil && *s.CompletionMode == batchv1.IndexedCompletion && s.Completions != nil && *s.Completions > 0 {
		// Pods of an indexed Job are named <job>-<index>.
		host := fmt.Sprintf("%s-%d", j.Name, *s.Completions-1)
		if len(validation.IsDNS1123Label(host)) > 0 {
			errs = append(errs, field.Invalid(metaPath.Child("name"), j.Name, "will not able to create pod with invalid DNS label: "+host))
		}
	}
	return errs
}

// ValidateJobUpdate checks j as a replacement for old: selector,
// completionMode, podFailurePolicy, backoffLimitPerIndex, managedBy and
// successPolicy are immutable; completions may change only for an indexed
// Job, together with parallelism; the template is immutable except for the
// scheduling directives of a suspended Job that never started.
func (r Rules) ValidateJobUpdate(j, old *batchv1.Job) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMetaUpdate(&j.ObjectMeta, &old.ObjectMeta, metaPath)
	fldPath := field.NewPath("spec")
	s, os := &j.Spec, &old.Spec
	errs = append(errs, r.validateJobSpec(s, fldPath)...)
	errs = append(errs, validateCompletionsUpdate(s, os, fldPath.Child("completions"))...)
	errs = append(errs, apimachineryvalidation.ValidateImmutableField(s.Selector, os.Selector, fldPath.Child("selector"))...)
	mutableScheduling := ptr.Deref(os.Suspend, false) && old.Status.StartTime == nil
	errs = append(errs, validateTemplateUpdate(s, os, mutableScheduling, fldPath.Child("template"))...)
	errs = append(errs, apimachineryvalidation.ValidateImmutableField(s.CompletionMode, os.CompletionMode, fldPath.Child("completionMode"))...)
	errs = append(errs, apimachineryvalidation.ValidateImmutableField(s.PodFailurePolicy, os.PodFailurePolicy, fldPath.Child("podFailurePolicy"))...)
	errs = append(errs, apimachineryvalidation.ValidateImmutableField(s.BackoffLimitPerIndex, os.BackoffLimitPerIndex, fldPath.Child("backoffLimitPerIndex"))...)
	errs = append(errs, apimachineryvalidation.ValidateImmutableField(s.ManagedBy, os.ManagedBy, fldPath.Child("managedBy"))...)
	errs = append(errs, apimachineryvalidation.ValidateImmutableField(s.SuccessPolicy, os.SuccessPolicy, fldPath.Child("successPolicy"))...)
	return errs
}

// ValidateJobStatusUpdate checks a write through the status subresource.
func ValidateJobStatusUpdate(j, old *batchv1.Job) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMetaUpdate(&j.ObjectMeta, &old.ObjectMeta, metaPath)
	fldPath := field.NewPath("status")
	s := &j.Status
	errs = append(errs, nonNegative(s.Active, fldPath.Child("active"))...)
	errs = append(errs, nonNegative(s.Succeeded, fldPath.Child("succeeded"))...)
	errs = append(errs, nonNegative(s.Failed, fldPath.Child("failed"))...)
	errs = append(errs, nonNegativePtr(s.Ready, fldPath.Child("ready"))...)
	errs = append(errs, nonNegativePtr(s.Terminating, fldPath.Child("terminating"))...)
	if u := s.UncountedTerminatedPods; u != nil {
		up := fldPath.Child("uncountedTerminatedPods")
		seen := map[string]bool{}
		for _, list := range []struct {
			name string
			uids []string
		}{{"succeeded", toStrings(u.Succeeded)}, {"failed", toStrings(u.Failed)}} {
			for i, uid := range list.uids {
				p := up.Child(list.name).Index(i)
				switch {
				case uid == "":
					errs = append(errs, field.Invalid(p, uid, "must not be empty"))
				case seen[uid]:
					errs = append(errs, field.Duplicate(p, uid))
				}
				seen[uid] = true
			}
		}
	}
	return errs
}

func toStrings[T ~string](in []T) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return out
}

// validateGeneratedSelector checks, for a Job without manualSelector, that
// the template carries the generated labels and the selector picks them.
func validateGeneratedSelector(j *batchv1.Job, batchLabels bool) field.ErrorList {
	if ptr.Deref(j.Spec.ManualSelector, false) || j.Spec.Selector == nil {
		return nil
	}
	var errs field.ErrorList
	if j.UID == "" {
		errs = append(errs, field.Required(metaPath.Child("uid"), ""))
	}
	tp := field.NewPath("spec", "template", "metadata")
	want := map[string]string{}
	add := func(key, value string) {
		errs = append(errs, validateHasLabel(j.Spec.Template.Labels, tp, key, value)...)
		want[key] = value
	}
	add(legacyControllerUIDLabel, string(j.UID))
	add(legacyJobNameLabel, j.Name)
	if batchLabels {
		add(controllerUIDLabel, string(j.UID))
		add(jobNameLabel, j.Name)
	}
	if sel, err := metav1.LabelSelectorAsSelector(j.Spec.Selector); err == nil && !sel.Matches(labels.Set(want)) {
		errs = append(errs, field.Invalid(field.NewPath("spec", "selector"), j.Spec.Selector, "`selector` not auto-generated"))
	}
	return errs
}

func validateHasLabel(l map[string]string, fldPath *field.Path, key, value string) field.ErrorList {
	got, ok := l[key]
	p := fldPath.Child("labels").Key(key)
	if !ok {
		return field.ErrorList{field.Required(p, value)}
	}
	if got != value {
		return field.ErrorList{field.Invalid(p, l, fmt.Sprintf("must be '%s'", value))}
	}
	return nil
}

func (r Rules) validateJobSpec(s *batchv1.JobSpec, fldPath *field.Path) field.ErrorList {
	errs := r.validateJobSpecCommon(s, fldPath)
	if s.Selector == nil {
		errs = append(errs, field.Required(fldPath.Child("selector"), ""))
	} else {
		errs = append(errs, metav1validation.ValidateLabelSelector(s.Selector, metav1validation.LabelSelectorValidationOptions{}, fldPath.Child("selector"))...)
	}
	if sel, err := metav1.LabelSelectorAsSelector(s.Selector); err == nil && !sel.Matches(labels.Set(s.Template.Labels)) {
		errs = append(errs, field.Invalid(fldPath.Child("template", "metadata", "labels"), s.Template.Labels, "`selector` does not match template `labels`"))
	}
	return errs
}

// validateJobSpecCommon holds the rules shared by Jobs and CronJob job
// templates.
func (r Rules) validateJobSpecCommon(s *batchv1.JobSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, nonNegativePtr(s.Parallelism, fldPath.Child("parallelism"))...)
	errs = append(errs, nonNegativePtr(s.Completions, fldPath.Child("completions"))...)
	if s.ActiveDeadlineSeconds != nil {
		errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(*s.ActiveDeadlineSeconds, fldPath.Child("activeDeadlineSeconds"))...)
	}
	errs = append(errs, nonNegativePtr(s.BackoffLimit, fldPath.Child("backoffLimit"))...)
	errs = append(errs, nonNegativePtr(s.TTLSecondsAfterFinished, fldPath.Child("ttlSecondsAfterFinished"))...)
	indexed := s.CompletionMode != nil && *s.CompletionMode == batchv1.IndexedCompletion
	if s.BackoffLimitPerIndex != nil {
		errs = append(errs, nonNegative(*s.BackoffLimitPerIndex, fldPath.Child("backoffLimitPerIndex"))...)
		if !indexed {
			errs = append(errs, field.Invalid(fldPath.Child("backoffLimitPerIndex"), *s.BackoffLimitPerIndex, "requires indexed completion mode"))
		}
	}
	if s.MaxFailedIndexes != nil {
		p := fldPath.Child("maxFailedIndexes")
		errs = append(errs, nonNegative(*s.MaxFailedIndexes, p)...)
		if s.BackoffLimitPerIndex == nil {
			errs = append(errs, field.Required(fldPath.Child("backoffLimitPerIndex"), "when maxFailedIndexes is specified"))
		}
		if s.Completions != nil && *s.MaxFailedIndexes > *s.Completions {
			errs = append(errs, field.Invalid(p, *s.MaxFailedIndexes, "must be less than or equal to completions"))
		}
		if *s.MaxFailedIndexes > maxFailedIndexesWithBackoffPerIndex {
			errs = append(errs, field.Invalid(p, *s.MaxFailedIndexes, fmt.Sprintf("must be less than or equal to %d", maxFailedIndexesWithBackoffPerIndex)))
		}
	}
	if s.ManagedBy != nil {
		p := fldPath.Child("managedBy")
		errs = append(errs, validation.IsDomainPrefixedPath(p, *s.ManagedBy)...)
		if len(*s.ManagedBy) > maxManagedByLength {
			errs = append(errs, field.TooLong(p, "", maxManagedByLength))
		}
	}
	if s.CompletionMode != nil {
		if *s.CompletionMode != batchv1.NonIndexedCompletion && !indexed {
			errs = append(errs, field.NotSupported(fldPath.Child("completionMode"), s.CompletionMode, []batchv1.CompletionMode{batchv1.NonIndexedCompletion, batchv1.IndexedCompletion}))
		}
		if indexed {
			if s.Completions == nil {
				errs = append(errs, field.Required(fldPath.Child("completions"), "when completion mode is Indexed"))
			}
			if s.Parallelism != nil && *s.Parallelism > maxParallelismForIndexedJob {
				errs = append(errs, field.Invalid(fldPath.Child("parallelism"), *s.Parallelism, fmt.Sprintf("must be less than or equal to %d when completion mode is Indexed", maxParallelismForIndexedJob)))
			}
			if s.Completions != nil && s.BackoffLimitPerIndex != nil && *s.Completions > maxCompletionsWithBackoffPerIndex {
				errs = append(errs, field.Invalid(fldPath.Child("completions"), *s.Completions, fmt.Sprintf("must be less than or equal to %d when completion mode is Indexed and used with backoffLimitPerIndex", maxCompletionsWithBackoffPerIndex)))
			}
		}
	}
	if s.PodFailurePolicy != nil {
		errs = append(errs, validatePodFailurePolicy(s, fldPath.Child("podFailurePolicy"))...)
	}
	if s.SuccessPolicy != nil {
		errs = append(errs, validateSuccessPolicy(s, fldPath.Child("successPolicy"))...)
	}
	if s.PodReplacementPolicy != nil {
		p := fldPath.Child("podReplacementPolicy")
		switch {
		case s.PodFailurePolicy != nil && *s.PodReplacementPolicy != batchv1.Failed:
			errs = append(errs, field.NotSupported(p, *s.PodReplacementPolicy, []batchv1.PodReplacementPolicy{batchv1.Failed}))
		case *s.PodReplacementPolicy != batchv1.Failed && *s.PodReplacementPolicy != batchv1.TerminatingOrFailed:
			errs = append(errs, field.NotSupported(p, *s.PodReplacementPolicy, []batchv1.PodReplacementPolicy{batchv1.Failed, batchv1.TerminatingOrFailed}))
		}
	}

	errs = append(errs, r.validateTemplate(&s.Template, fldPath.Child("template"))...)
	rp := fldPath.Child("template", "spec", "restartPolicy")
	switch rpv := s.Template.Spec.RestartPolicy; {
	case rpv == corev1.RestartPolicyAlways || rpv == "":
		errs = append(errs, field.Required(rp, fmt.Sprintf("valid values: %q, %q", corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever)))
	case rpv != corev1.RestartPolicyOnFailure && rpv != corev1.RestartPolicyNever:
		errs = append(errs, field.NotSupported(rp, rpv, []corev1.RestartPolicy{corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever}))
	case s.PodFailurePolicy != nil && rpv != corev1.RestartPolicyNever:
		errs = append(errs, field.Invalid(rp, rpv, fmt.Sprintf("only %q is supported when podFailurePolicy is specified", corev1.RestartPolicyNever)))
	}
	return errs
}

func validatePodFailurePolicy(s *batchv1.JobSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	rulesPath := fldPath.Child("rules")
	rules := s.PodFailurePolicy.Rules
	if len(rules) > maxPodFailurePolicyRules {
		errs = append(errs, field.TooMany(rulesPath, len(rules), maxPodFailurePolicyRules))
	}
	names := map[string]bool{}
	for _, c := range s.Template.Spec.Containers {
		names[c.Name] = true
	}
	for _, c := range s.Template.Spec.InitContainers {
		names[c.Name] = true
	}
	actions := []batchv1.PodFailurePolicyAction{batchv1.PodFailurePolicyActionCount, batchv1.PodFailurePolicyActionFailIndex, batchv1.PodFailurePolicyActionFailJob, batchv1.PodFailurePolicyActionIgnore}
	for i := range rules {
		rule := &rules[i]
		rp := rulesPath.Index(i)
		ap := rp.Child("action")
		switch {
		case rule.Action == "":
			errs = append(errs, field.Required(ap, fmt.Sprintf("valid values: %q", actions)))
		case rule.Action == batchv1.PodFailurePolicyActionFailIndex:
			if s.BackoffLimitPerIndex == nil {
				errs = append(errs, field.Invalid(ap, rule.Action, "requires the backoffLimitPerIndex to be set"))
			}
		case !slices.Contains(actions, rule.Action):
			errs = append(errs, field.NotSupported(ap, rule.Action, actions))
		}
		if rule.OnExitCodes != nil {
			errs = append(errs, validateOnExitCodes(rule.OnExitCodes, rp.Child("onExitCodes"), names)...)
		}
		if len(rule.OnPodConditions) > 0 {
			errs = append(errs, validateOnPodConditions(rule.OnPodConditions, rp.Child("onPodConditions"))...)
		}
		if rule.OnExitCodes != nil && len(rule.OnPodConditions) > 0 {
			errs = append(errs, field.Invalid(rp, field.OmitValueType{}, "specifying both OnExitCodes and OnPodConditions is not supported"))
		}
		if rule.OnExitCodes == nil && len(rule.OnPodConditions) == 0 {
			errs = append(errs, field.Invalid(rp, field.OmitValueType{}, "specifying one of OnExitCodes and OnPodConditions is required"))
		}
	}
	return errs
}

func validateOnPodConditions(patterns []batchv1.PodFailurePolicyOnPodConditionsPattern, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(patterns) > maxOnPodConditionsPatterns {
		errs = append(errs, field.TooMany(fldPath, len(patterns), maxOnPodConditionsPatterns))
	}
	statuses := []corev1.ConditionStatus{corev1.ConditionFalse, corev1.ConditionTrue, corev1.ConditionUnknown}
	for j, p := range patterns {
		pp := fldPath.Index(j)
		for _, msg := range validation.IsQualifiedName(string(p.Type)) {
			errs = append(errs, field.Invalid(pp.Child("type"), string(p.Type), msg))
		}
		switch {
		case p.Status == "":
			errs = append(errs, field.Required(pp.Child("status"), fmt.Sprintf("valid values: %q", statuses)))
		case !slices.Contains(statuses, p.Status):
			errs = append(errs, field.NotSupported(pp.Child("status"), p.Status, statuses))
		}
	}
	return errs
}

func validateOnExitCodes(req *batchv1.PodFailurePolicyOnExitCodesRequirement, fldPath *field.Path, names map[string]bool) field.ErrorList {
	var errs field.ErrorList
	ops := []batchv1.PodFailurePolicyOnExitCodesOperator{batchv1.PodFailurePolicyOnExitCodesOpIn, batchv1.PodFailurePolicyOnExitCodesOpNotIn}
	op := fldPath.Child("operator")
	switch {
	case req.Operator == "":
		errs = append(errs, field.Required(op, fmt.Sprintf("valid values: %q", ops)))
	case !slices.Contains(ops, req.Operator):
		errs = append(errs, field.NotSupported(op, req.Operator, ops))
	}
	if req.ContainerName != nil && !names[*req.ContainerName] {
		errs = append(errs, field.Invalid(fldPath.Child("containerName"), *req.ContainerName, "must be one of the container or initContainer names in the pod template"))
	}
	vp := fldPath.Child("values")
	switch {
	case len(req.Values) == 0:
		errs = append(errs, field.Invalid(vp, req.Values, "at least one value is required"))
	case len(req.Values) > maxOnExitCodesValues:
		errs = append(errs, field.TooMany(vp, len(req.Values), maxOnExitCodesValues))
	default:
		seen := map[int32]bool{}
		ordered := true
		for j, v := range req.Values {
			if req.Operator == batchv1.PodFailurePolicyOnExitCodesOpIn && v == 0 {
				errs = append(errs, field.Invalid(vp.Index(j), v, "must not be 0 for the In operator"))
			}
			if seen[v] {
				errs = append(errs, field.Duplicate(vp.Index(j), v))
			}
			seen[v] = true
			if j > 0 && req.Values[j-1] > v {
				ordered = false
			}
		}
		if !ordered {
			errs = append(errs, field.Invalid(vp, req.Values, "must be ordered"))
		}
	}
	return errs
}

// validateSuccessPolicy covers the structural rules of spec.successPolicy;
// the format of succeededIndexes is not checked yet.
func validateSuccessPolicy(s *batchv1.JobSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	rulesPath := fldPath.Child("rules")
	if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion {
		errs = append(errs, field.Invalid(fldPath.Root().Child("completionMode"), s.CompletionMode, "requires indexed completion mode"))
	}
	rules := s.SuccessPolicy.Rules
	switch {
	case len(rules) == 0:
		errs = append(errs, field.Required(rulesPath, "at least one rules must be specified when the successPolicy is specified"))
	case len(rules) > maxSuccessPolicyRules:
		errs = append(errs, field.TooMany(rulesPath, len(rules), maxSuccessPolicyRules))
	}
	for i, rule := range rules {
		rp := rulesPath.Index(i)
		if rule.SucceededCount == nil && rule.SucceededIndexes == nil {
			errs = append(errs, field.Required(rp, "at least one of succeededCount or succeededIndexes must be specified"))
		}
		if rule.SucceededCount != nil {
			errs = append(errs, nonNegative(*rule.SucceededCount, rp.Child("succeededCount"))...)
			if s.Completions != nil && *rule.SucceededCount > *s.Completions {
				errs = append(errs, field.Invalid(rp.Child("succeededCount"), *rule.SucceededCount, fmt.Sprintf("must be less than or equal to %d (the number of specified completions)", *s.Completions)))
			}
		}
	}
	return errs
}

func validateCompletionsUpdate(s, old *batchv1.JobSpec, fldPath *field.Path) field.ErrorList {
	indexed := s.CompletionMode != nil && *s.CompletionMode == batchv1.IndexedCompletion
	if !indexed {
		return apimachineryvalidation.ValidateImmutableField(s.Completions, old.Completions, fldPath)
	}
	if equality.Semantic.DeepEqual(s.Completions, old.Completions) || s.Completions == nil {
		return nil
	}
	if s.Parallelism == nil || *s.Completions != *s.Parallelism {
		return field.ErrorList{field.Invalid(fldPath, s.Completions, "can only be modified in tandem with spec.parallelism")}
	}
	return nil
}

// validateTemplateUpdate keeps the template immutable, except that a
// suspended Job that never started may change node affinity, node
// selector, tolerations, scheduling gates, labels and annotations.
func validateTemplateUpdate(s, old *batchv1.JobSpec, mutableScheduling bool, fldPath *field.Path) field.ErrorList {
	oldT := &old.Template
	if mutableScheduling {
		oldT = old.Template.DeepCopy()
		t := &s.Template
		switch {
		case t.Spec.Affinity == nil && oldT.Spec.Affinity != nil:
			oldT.Spec.Affinity.NodeAffinity = nil
			if equality.Semantic.DeepEqual(*oldT.Spec.Affinity, corev1.Affinity{}) {
				oldT.Spec.Affinity = nil
			}
		case t.Spec.Affinity != nil && oldT.Spec.Affinity == nil:
			oldT.Spec.Affinity = &corev1.Affinity{NodeAffinity: t.Spec.Affinity.NodeAffinity}
		case t.Spec.Affinity != nil && oldT.Spec.Affinity != nil:
			oldT.Spec.Affinity.NodeAffinity = t.Spec.Affinity.NodeAffinity
		}
		oldT.Spec.NodeSelector = t.Spec.NodeSelector
		oldT.Spec.Tolerations = t.Spec.Tolerations
		oldT.Spec.SchedulingGates = t.Spec.SchedulingGates
		oldT.Annotations = t.Annotations
		oldT.Labels = t.Labels
	}
	return apimachineryvalidation.ValidateImmutableField(s.Template, *oldT, fldPath)
}

func nonNegative(v int32, fldPath *field.Path) field.ErrorList {
	return apimachineryvalidation.ValidateNonnegativeField(int64(v), fldPath)
}

func nonNegativePtr(v *int32, fldPath *field.Path) field.ErrorList {
	if v == nil {
		return nil
	}
	return nonNegative(*v, fldPath)
}

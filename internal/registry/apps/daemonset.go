package apps

import (
	appsv1 "k8s.io/api/apps/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

// DefaultDaemonSet applies apps/v1 defaults to ds and its pod template.
func (r Rules) DefaultDaemonSet(ds *appsv1.DaemonSet) {
	s := &ds.Spec
	if s.UpdateStrategy.Type == "" {
		s.UpdateStrategy.Type = appsv1.RollingUpdateDaemonSetStrategyType
	}
	if s.UpdateStrategy.Type == appsv1.RollingUpdateDaemonSetStrategyType {
		if s.UpdateStrategy.RollingUpdate == nil {
			s.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateDaemonSet{}
		}
		if s.UpdateStrategy.RollingUpdate.MaxUnavailable == nil {
			s.UpdateStrategy.RollingUpdate.MaxUnavailable = ptr.To(intstr.FromInt32(1))
		}
		if s.UpdateStrategy.RollingUpdate.MaxSurge == nil {
			s.UpdateStrategy.RollingUpdate.MaxSurge = ptr.To(intstr.FromInt32(0))
		}
	}
	if s.RevisionHistoryLimit == nil {
		s.RevisionHistoryLimit = ptr.To[int32](10)
	}
	r.defaultTemplate(&s.Template)
}

// ValidateDaemonSet checks a new DaemonSet, metadata included.
func (r Rules) ValidateDaemonSet(ds *appsv1.DaemonSet) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMeta(&ds.ObjectMeta, true, apimachineryvalidation.NameIsDNSSubdomain, metaPath)
	return append(errs, r.validateDaemonSetSpec(&ds.Spec, field.NewPath("spec"))...)
}

// ValidateDaemonSetUpdate checks ds as a replacement for old. The selector
// is immutable in apps/v1.
func (r Rules) ValidateDaemonSetUpdate(ds, old *appsv1.DaemonSet) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMetaUpdate(&ds.ObjectMeta, &old.ObjectMeta, metaPath)
	errs = append(errs, r.validateDaemonSetSpec(&ds.Spec, field.NewPath("spec"))...)
	return append(errs, immutableSelector(ds.Spec.Selector, old.Spec.Selector)...)
}

// ValidateDaemonSetStatusUpdate checks a write through the status
// subresource.
func ValidateDaemonSetStatusUpdate(ds, old *appsv1.DaemonSet) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMetaUpdate(&ds.ObjectMeta, &old.ObjectMeta, metaPath)
	fldPath := field.NewPath("status")
	s := &ds.Status
	errs = append(errs, nonNegative(s.CurrentNumberScheduled, fldPath.Child("currentNumberScheduled"))...)
	errs = append(errs, nonNegative(s.NumberMisscheduled, fldPath.Child("numberMisscheduled"))...)
	errs = append(errs, nonNegative(s.DesiredNumberScheduled, fldPath.Child("desiredNumberScheduled"))...)
	errs = append(errs, nonNegative(s.NumberReady, fldPath.Child("numberReady"))...)
	errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(s.ObservedGeneration, fldPath.Child("observedGeneration"))...)
	errs = append(errs, nonNegative(s.UpdatedNumberScheduled, fldPath.Child("updatedNumberScheduled"))...)
	errs = append(errs, nonNegative(s.NumberAvailable, fldPath.Child("numberAvailable"))...)
	errs = append(errs, nonNegative(s.NumberUnavailable, fldPath.Child("numberUnavailable"))...)
	errs = append(errs, nonNegativePtr(s.CollisionCount, fldPath.Child("collisionCount"))...)
	return append(errs, collisionCountDecremented(s.CollisionCount, old.Status.CollisionCount)...)
}

func (r Rules) validateDaemonSetSpec(s *appsv1.DaemonSetSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, metav1validation.ValidateLabelSelector(s.Selector, metav1validation.LabelSelectorValidationOptions{}, fldPath.Child("selector"))...)
	selector, err := metav1.LabelSelectorAsSelector(s.Selector)
	if err == nil && !selector.Matches(labels.Set(s.Template.Labels)) {
		errs = append(errs, field.Invalid(fldPath.Child("template", "metadata", "labels"), s.Template.Labels, selectorMismatch))
	}
	if s.Selector != nil && len(s.Selector.MatchLabels)+len(s.Selector.MatchExpressions) == 0 {
		errs = append(errs, field.Invalid(fldPath.Child("selector"), s.Selector, "empty selector is invalid for daemonset"))
	}
	errs = append(errs, r.validateTemplate(&s.Template, fldPath.Child("template"))...)
	errs = append(errs, validateAlwaysRestart(&s.Template, "DaemonSet", fldPath.Child("template"))...)
	errs = append(errs, nonNegative(s.MinReadySeconds, fldPath.Child("minReadySeconds"))...)
	errs = append(errs, validateDaemonSetUpdateStrategy(&s.UpdateStrategy, fldPath.Child("updateStrategy"))...)
	errs = append(errs, nonNegativePtr(s.RevisionHistoryLimit, fldPath.Child("revisionHistoryLimit"))...)
	return errs
}

func validateDaemonSetUpdateStrategy(s *appsv1.DaemonSetUpdateStrategy, fldPath *field.Path) field.ErrorList {
	switch s.Type {
	case appsv1.OnDeleteDaemonSetStrategyType:
		return nil
	case appsv1.RollingUpdateDaemonSetStrategyType:
		if s.RollingUpdate == nil {
			return field.ErrorList{field.Required(fldPath.Child("rollingUpdate"), "")}
		}
		return validateRollingUpdateDaemonSet(s.RollingUpdate, fldPath.Child("rollingUpdate"))
	}
	return field.ErrorList{field.NotSupported(fldPath, s, []string{string(appsv1.RollingUpdateDaemonSetStrategyType), string(appsv1.OnDeleteDaemonSetStrategyType)})}
}

func validateRollingUpdateDaemonSet(ru *appsv1.RollingUpdateDaemonSet, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	unavailable := ptr.Deref(ru.MaxUnavailable, intstr.FromInt32(0))
	surge := ptr.Deref(ru.MaxSurge, intstr.FromInt32(0))
	errs = append(errs, validatePositiveIntOrPercent(unavailable, fldPath.Child("maxUnavailable"))...)
	errs = append(errs, validatePositiveIntOrPercent(surge, fldPath.Child("maxSurge"))...)
	errs = append(errs, isNotMoreThan100Percent(unavailable, fldPath.Child("maxUnavailable"))...)
	errs = append(errs, isNotMoreThan100Percent(surge, fldPath.Child("maxSurge"))...)
	hasUnavailable := intOrPercentValue(unavailable) != 0
	hasSurge := intOrPercentValue(surge) != 0
	switch {
	case hasUnavailable && hasSurge:
		errs = append(errs, field.Invalid(fldPath.Child("maxSurge"), surge, "may not be set when maxUnavailable is non-zero"))
	case !hasUnavailable && !hasSurge:
		errs = append(errs, field.Required(fldPath.Child("maxUnavailable"), "cannot be 0 when maxSurge is 0"))
	}
	return errs
}

package apps

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const selectorMismatch = "`selector` does not match template `labels`"

// validateSelector checks a required, non-empty workload selector. kind
// names the workload in the empty-selector message.
func validateSelector(sel *metav1.LabelSelector, kind string, fldPath *field.Path) field.ErrorList {
	if sel == nil {
		return field.ErrorList{field.Required(fldPath, "")}
	}
	errs := metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, fldPath)
	if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
		errs = append(errs, field.Invalid(fldPath, sel, "empty selector is invalid for "+kind))
	}
	return errs
}

// validateTemplateForReplicas checks the template of a Deployment or
// ReplicaSet: it must match the selector, be a valid pod template, restart
// always and carry no active deadline.
func (r Rules) validateTemplateForReplicas(t *corev1.PodTemplateSpec, sel *metav1.LabelSelector, kind string, specPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	selector, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return field.ErrorList{field.Invalid(specPath.Child("selector"), sel, "invalid label selector")}
	}
	fldPath := specPath.Child("template")
	if !selector.Empty() && !selector.Matches(labels.Set(t.Labels)) {
		errs = append(errs, field.Invalid(fldPath.Child("metadata", "labels"), t.Labels, selectorMismatch))
	}
	errs = append(errs, r.validateTemplate(t, fldPath)...)
	errs = append(errs, validateAlwaysRestart(t, kind, fldPath)...)
	return errs
}

func validateAlwaysRestart(t *corev1.PodTemplateSpec, kind string, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if t.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(fldPath.Child("spec", "restartPolicy"), t.Spec.RestartPolicy, []string{string(corev1.RestartPolicyAlways)}))
	}
	if t.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Forbidden(fldPath.Child("spec", "activeDeadlineSeconds"), fmt.Sprintf("activeDeadlineSeconds in %s is not Supported", kind)))
	}
	return errs
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

// notGreater reports an Invalid error when v exceeds limit.
func notGreater(v, limit int32, fldPath *field.Path, msg string) field.ErrorList {
	if v > limit {
		return field.ErrorList{field.Invalid(fldPath, v, msg)}
	}
	return nil
}

// collisionCountDecremented reports status.collisionCount going down.
func collisionCountDecremented(cur, old *int32) field.ErrorList {
	if old == nil || (cur != nil && *cur >= *old) {
		return nil
	}
	var v int32
	if cur != nil {
		v = *cur
	}
	return field.ErrorList{field.Invalid(field.NewPath("status", "collisionCount"), v, "cannot be decremented")}
}

func immutableSelector(cur, old *metav1.LabelSelector) field.ErrorList {
	return apimachineryvalidation.ValidateImmutableField(cur, old, field.NewPath("spec", "selector"))
}

var metaPath = field.NewPath("metadata")

package policy

import (
	"strconv"

	policyv1 "k8s.io/api/policy/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var metaPath = field.NewPath("metadata")

// DefaultPodDisruptionBudget is a no-op: policy/v1 sets no defaults.
func DefaultPodDisruptionBudget(*policyv1.PodDisruptionBudget) {}

// ValidatePodDisruptionBudget checks a new PodDisruptionBudget. Its name
// gets only the generic path-segment check, as upstream.
func ValidatePodDisruptionBudget(pdb *policyv1.PodDisruptionBudget) field.ErrorList {
	errs := validateSpec(&pdb.Spec, field.NewPath("spec"))
	return append(errs, apimachineryvalidation.ValidateObjectMeta(&pdb.ObjectMeta, true, path.ValidatePathSegmentName, metaPath)...)
}

// ValidatePodDisruptionBudgetUpdate checks pdb as a replacement for old; the
// spec is mutable.
func ValidatePodDisruptionBudgetUpdate(pdb, old *policyv1.PodDisruptionBudget) field.ErrorList {
	errs := validateSpec(&pdb.Spec, field.NewPath("spec"))
	return append(errs, apimachineryvalidation.ValidateObjectMetaUpdate(&pdb.ObjectMeta, &old.ObjectMeta, metaPath)...)
}

// ValidatePodDisruptionBudgetStatusUpdate checks a write through the status
// subresource.
func ValidatePodDisruptionBudgetStatusUpdate(pdb, old *policyv1.PodDisruptionBudget) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMetaUpdate(&pdb.ObjectMeta, &old.ObjectMeta, metaPath)
	fldPath := field.NewPath("status")
	s := &pdb.Status
	errs = append(errs, metav1validation.ValidateConditions(s.Conditions, fldPath.Child("conditions"))...)
	for _, f := range []struct {
		v    int32
		name string
	}{{s.DisruptionsAllowed, "disruptionsAllowed"}, {s.CurrentHealthy, "currentHealthy"}, {s.DesiredHealthy, "desiredHealthy"}, {s.ExpectedPods, "expectedPods"}} {
		errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(int64(f.v), fldPath.Child(f.name))...)
	}
	return errs
}

func validateSpec(s *policyv1.PodDisruptionBudgetSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.MinAvailable != nil && s.MaxUnavailable != nil {
		errs = append(errs, field.Invalid(fldPath, s, "minAvailable and maxUnavailable cannot be both set"))
	}
	if s.MinAvailable != nil {
		errs = append(errs, validateIntOrPercent(*s.MinAvailable, fldPath.Child("minAvailable"))...)
	}
	if s.MaxUnavailable != nil {
		errs = append(errs, validateIntOrPercent(*s.MaxUnavailable, fldPath.Child("maxUnavailable"))...)
	}
	errs = append(errs, metav1validation.ValidateLabelSelector(s.Selector, metav1validation.LabelSelectorValidationOptions{}, fldPath.Child("selector"))...)
	if p := s.UnhealthyPodEvictionPolicy; p != nil && *p != policyv1.IfHealthyBudget && *p != policyv1.AlwaysAllow {
		errs = append(errs, field.NotSupported(fldPath.Child("unhealthyPodEvictionPolicy"), *p, []string{string(policyv1.AlwaysAllow), string(policyv1.IfHealthyBudget)}))
	}
	return errs
}

// validateIntOrPercent accepts a non-negative count or a percentage of at
// most 100%.
func validateIntOrPercent(v intstr.IntOrString, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch v.Type {
	case intstr.String:
		msgs := validation.IsValidPercent(v.StrVal)
		for _, msg := range msgs {
			errs = append(errs, field.Invalid(fldPath, v, msg))
		}
		if len(msgs) == 0 {
			if n, _ := strconv.Atoi(v.StrVal[:len(v.StrVal)-1]); n > 100 {
				errs = append(errs, field.Invalid(fldPath, v, "must not be greater than 100%"))
			}
		}
	case intstr.Int:
		errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(int64(v.IntValue()), fldPath)...)
	default:
		errs = append(errs, field.Invalid(fldPath, v, "must be an integer or percentage (e.g '5%%')"))
	}
	return errs
}

package core

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// DefaultLimitRange fills container default limits and requests from
// max/min as upstream does.
func DefaultLimitRange(lr *corev1.LimitRange) {
	for i := range lr.Spec.Limits {
		item := &lr.Spec.Limits[i]
		for _, rl := range []corev1.ResourceList{item.Max, item.Min, item.Default, item.DefaultRequest, item.MaxLimitRequestRatio} {
			defaultResourceList(rl)
		}
		if item.Type != corev1.LimitTypeContainer {
			continue
		}
		if item.Default == nil {
			item.Default = corev1.ResourceList{}
		}
		if item.DefaultRequest == nil {
			item.DefaultRequest = corev1.ResourceList{}
		}
		for k, v := range item.Max {
			if _, ok := item.Default[k]; !ok {
				item.Default[k] = v.DeepCopy()
			}
		}
		for k, v := range item.Default {
			if _, ok := item.DefaultRequest[k]; !ok {
				item.DefaultRequest[k] = v.DeepCopy()
			}
		}
		for k, v := range item.Min {
			if _, ok := item.DefaultRequest[k]; !ok {
				item.DefaultRequest[k] = v.DeepCopy()
			}
		}
	}
}

func validateLimitRangeResourceName(t corev1.LimitType, name corev1.ResourceName, p *field.Path) field.ErrorList {
	if t == corev1.LimitTypePod || t == corev1.LimitTypeContainer {
		return validateContainerResourceName(name, p)
	}
	return validateResourceName(name, p)
}

// ValidateLimitRange validates a LimitRange on create.
func ValidateLimitRange(lr *corev1.LimitRange) field.ErrorList {
	allErrs := validateObjectMeta(&lr.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	types := map[corev1.LimitType]bool{}
	lp := field.NewPath("spec", "limits")
	for i := range lr.Spec.Limits {
		p := lp.Index(i)
		item := &lr.Spec.Limits[i]
		allErrs = append(allErrs, validateLimitType(item.Type, p.Child("type"))...)
		if types[item.Type] {
			allErrs = append(allErrs, field.Duplicate(p.Child("type"), item.Type))
		}
		types[item.Type] = true

		keys := sets.New[string]()
		collect := func(rl corev1.ResourceList, name string) map[string]resource.Quantity {
			out := map[string]resource.Quantity{}
			for k, q := range rl {
				allErrs = append(allErrs, validateLimitRangeResourceName(item.Type, k, p.Child(name).Key(string(k)))...)
				keys.Insert(string(k))
				out[string(k)] = q
			}
			return out
		}
		maxQ := collect(item.Max, "max")
		minQ := collect(item.Min, "min")
		defQ, defReqQ := map[string]resource.Quantity{}, map[string]resource.Quantity{}
		if item.Type == corev1.LimitTypePod {
			if len(item.Default) > 0 {
				allErrs = append(allErrs, field.Forbidden(p.Child("default"), "may not be specified when `type` is 'Pod'"))
			}
			if len(item.DefaultRequest) > 0 {
				allErrs = append(allErrs, field.Forbidden(p.Child("defaultRequest"), "may not be specified when `type` is 'Pod'"))
			}
		} else {
			defQ = collect(item.Default, "default")
			defReqQ = collect(item.DefaultRequest, "defaultRequest")
		}
		if item.Type == corev1.LimitTypePersistentVolumeClaim {
			_, minOK := item.Min[corev1.ResourceStorage]
			_, maxOK := item.Max[corev1.ResourceStorage]
			if !minOK && !maxOK {
				allErrs = append(allErrs, field.Required(p.Child("limits"), "either minimum or maximum storage value is required, but neither was provided"))
			}
		}
		ratioQ := collect(item.MaxLimitRequestRatio, "maxLimitRequestRatio")
		for _, k := range sets.List(keys) {
			mn, hasMin := minQ[k]
			mx, hasMax := maxQ[k]
			df, hasDef := defQ[k]
			dr, hasDefReq := defReqQ[k]
			ratio, hasRatio := ratioQ[k]
			if hasMin && hasMax && mn.Cmp(mx) > 0 {
				allErrs = append(allErrs, field.Invalid(p.Child("min").Key(k), mn, fmt.Sprintf("min value %s is greater than max value %s", mn.String(), mx.String())))
			}
			if hasDefReq && hasMin && mn.Cmp(dr) > 0 {
				allErrs = append(allErrs, field.Invalid(p.Child("defaultRequest").Key(k), dr, fmt.Sprintf("min value %s is greater than default request value %s", mn.String(), dr.String())))
			}
			if hasDefReq && hasMax && dr.Cmp(mx) > 0 {
				allErrs = append(allErrs, field.Invalid(p.Child("defaultRequest").Key(k), dr, fmt.Sprintf("default request value %s is greater than max value %s", dr.String(), mx.String())))
			}
			if hasDefReq && hasDef && dr.Cmp(df) > 0 {
				allErrs = append(allErrs, field.Invalid(p.Child("defaultRequest").Key(k), dr, fmt.Sprintf("default request value %s is greater than default limit value %s", dr.String(), df.String())))
			}
			if hasDef && hasMin && mn.Cmp(df) > 0 {
				allErrs = append(allErrs, field.Invalid(p.Child("default").Key(k), mn, fmt.Sprintf("min value %s is greater than default value %s", mn.String(), df.String())))
			}
			if hasDef && hasMax && df.Cmp(mx) > 0 {
				allErrs = append(allErrs, field.Invalid(p.Child("default").Key(k), mx, fmt.Sprintf("default value %s is greater than max value %s", df.String(), mx.String())))
			}
			if hasRatio && ratio.Cmp(*resource.NewQuantity(1, resource.DecimalSI)) < 0 {
				allErrs = append(allErrs, field.Invalid(p.Child("maxLimitRequestRatio").Key(k), ratio, fmt.Sprintf("ratio %s is less than 1", ratio.String())))
			}
			if hasRatio && hasMin && hasMax {
				r, lo, hi := float64(ratio.Value()), mn.Value(), mx.Value()
				if ratio.Value() < resource.MaxMilliValue && lo < resource.MaxMilliValue && hi < resource.MaxMilliValue {
					r, lo, hi = float64(ratio.MilliValue())/1000, mn.MilliValue(), mx.MilliValue()
				}
				if limit := float64(hi) / float64(lo); r > limit {
					allErrs = append(allErrs, field.Invalid(p.Child("maxLimitRequestRatio").Key(k), ratio, fmt.Sprintf("ratio %s is greater than max/min = %f", ratio.String(), limit)))
				}
			}
			if !isOvercommitAllowed(corev1.ResourceName(k)) && hasDef && hasDefReq && df.Cmp(dr) != 0 {
				allErrs = append(allErrs, field.Invalid(p.Child("defaultRequest").Key(k), dr, fmt.Sprintf("default value %s must equal to defaultRequest value %s in %s", df.String(), dr.String(), k)))
			}
		}
	}
	return allErrs
}

func validateLimitType(t corev1.LimitType, p *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for _, msg := range validation.IsQualifiedName(string(t)) {
		allErrs = append(allErrs, field.Invalid(p, t, msg))
	}
	if len(allErrs) == 0 && !strings.Contains(string(t), "/") && !standardLimitRangeTypes.Has(t) {
		allErrs = append(allErrs, field.Invalid(p, t, "must be a standard limit type or fully qualified"))
	}
	return allErrs
}

// ValidateLimitRangeUpdate validates a LimitRange update.
func ValidateLimitRangeUpdate(lr, old *corev1.LimitRange) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&lr.ObjectMeta, &old.ObjectMeta)
	return append(allErrs, ValidateLimitRange(lr)...)
}

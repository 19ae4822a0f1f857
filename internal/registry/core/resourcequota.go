package core

import (
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	standardQuotaScopes = sets.New(corev1.ResourceQuotaScopeTerminating, corev1.ResourceQuotaScopeNotTerminating,
		corev1.ResourceQuotaScopeBestEffort, corev1.ResourceQuotaScopeNotBestEffort, corev1.ResourceQuotaScopePriorityClass,
		corev1.ResourceQuotaScopeCrossNamespacePodAffinity, corev1.ResourceQuotaScopeVolumeAttributesClass)
	podComputeQuotaResources = sets.New[corev1.ResourceName](corev1.ResourceCPU, corev1.ResourceMemory,
		corev1.ResourceLimitsCPU, corev1.ResourceLimitsMemory, corev1.ResourceRequestsCPU, corev1.ResourceRequestsMemory)
	conflictingScopes = [][2]corev1.ResourceQuotaScope{
		{corev1.ResourceQuotaScopeBestEffort, corev1.ResourceQuotaScopeNotBestEffort},
		{corev1.ResourceQuotaScopeTerminating, corev1.ResourceQuotaScopeNotTerminating},
	}
)

func scopeValidForResource(scope corev1.ResourceQuotaScope, r corev1.ResourceName) bool {
	switch scope {
	case corev1.ResourceQuotaScopeTerminating, corev1.ResourceQuotaScopeNotTerminating, corev1.ResourceQuotaScopeNotBestEffort:
		return r == corev1.ResourcePods || podComputeQuotaResources.Has(r)
	case corev1.ResourceQuotaScopeBestEffort:
		return r == corev1.ResourcePods
	}
	return true
}

// DefaultResourceQuota rounds quantities as upstream does.
func DefaultResourceQuota(q *corev1.ResourceQuota) {
	defaultResourceList(q.Spec.Hard)
	defaultResourceList(q.Status.Hard)
	defaultResourceList(q.Status.Used)
}

// ValidateResourceQuota validates a ResourceQuota on create.
func ValidateResourceQuota(q *corev1.ResourceQuota) field.ErrorList {
	allErrs := validateObjectMeta(&q.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	allErrs = append(allErrs, validateResourceQuotaSpec(&q.Spec)...)
	return append(allErrs, validateQuotaList(q.Status.Hard, field.NewPath("status", "hard"))...,
	)
}

func validateQuotaList(rl corev1.ResourceList, p *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for k, v := range rl {
		allErrs = append(allErrs, validateQuotaResourceName(k, p.Key(string(k)))...)
		allErrs = append(allErrs, validateResourceQuantityValue(k, v, p.Key(string(k)))...)
	}
	return allErrs
}

func validateResourceQuotaSpec(spec *corev1.ResourceQuotaSpec) field.ErrorList {
	allErrs := validateQuotaList(spec.Hard, specPath.Child("hard"))
	if len(spec.Scopes) > 0 {
		p := specPath.Child("scopes")
		seen := sets.New[corev1.ResourceQuotaScope]()
		for _, s := range spec.Scopes {
			if !standardQuotaScopes.Has(s) {
				allErrs = append(allErrs, field.Invalid(p, spec.Scopes, "unsupported scope"))
			}
			for _, k := range sets.List(sets.KeySet(spec.Hard)) {
				if standardQuotaResources.Has(k) && !scopeValidForResource(s, k) {
					allErrs = append(allErrs, field.Invalid(p, spec.Scopes, "unsupported scope applied to resource"))
				}
			}
			seen.Insert(s)
		}
		for _, pair := range conflictingScopes {
			if seen.Has(pair[0]) && seen.Has(pair[1]) {
				allErrs = append(allErrs, field.Invalid(p, spec.Scopes, "conflicting scopes"))
			}
		}
	}
	if sel := spec.ScopeSelector; sel != nil {
		p := specPath.Child("scopeSelector", "matchExpressions")
		seen := sets.New[corev1.ResourceQuotaScope]()
		for _, req := range sel.MatchExpressions {
			if !standardQuotaScopes.Has(req.ScopeName) {
				allErrs = append(allErrs, field.Invalid(p.Child("scopeName"), req.ScopeName, "unsupported scope"))
			}
			for _, k := range sets.List(sets.KeySet(spec.Hard)) {
				if standardQuotaResources.Has(k) && !scopeValidForResource(req.ScopeName, k) {
					allErrs = append(allErrs, field.Invalid(p, sel, "unsupported scope applied to resource"))
				}
			}
			switch req.ScopeName {
			case corev1.ResourceQuotaScopeBestEffort, corev1.ResourceQuotaScopeNotBestEffort, corev1.ResourceQuotaScopeTerminating,
				corev1.ResourceQuotaScopeNotTerminating, corev1.ResourceQuotaScopeCrossNamespacePodAffinity:
				if req.Operator != corev1.ScopeSelectorOpExists {
					allErrs = append(allErrs, field.Invalid(p.Child("operator"), req.Operator,
						"must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity"))
				}
			}
			switch req.Operator {
			case corev1.ScopeSelectorOpIn, corev1.ScopeSelectorOpNotIn:
				if len(req.Values) == 0 {
					allErrs = append(allErrs, field.Required(p.Child("values"), "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"))
				}
			case corev1.ScopeSelectorOpExists, corev1.ScopeSelectorOpDoesNotExist:
				if len(req.Values) != 0 {
					allErrs = append(allErrs, field.Invalid(p.Child("values"), req.Values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"))
				}
			default:
				allErrs = append(allErrs, field.Invalid(p.Child("operator"), req.Operator, "not a valid selector operator"))
			}
			seen.Insert(req.ScopeName)
		}
		for _, pair := range conflictingScopes {
			if seen.Has(pair[0]) && seen.Has(pair[1]) {
				allErrs = append(allErrs, field.Invalid(p, spec.Scopes, "conflicting scopes"))
			}
		}
	}
	return allErrs
}

// ValidateResourceQuotaUpdate validates a ResourceQuota update; scopes are
// immutable.
func ValidateResourceQuotaUpdate(q, old *corev1.ResourceQuota) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&q.ObjectMeta, &old.ObjectMeta)
	allErrs = append(allErrs, validateResourceQuotaSpec(&q.Spec)...)
	if !sets.New(q.Spec.Scopes...).Equal(sets.New(old.Spec.Scopes...)) {
		allErrs = append(allErrs, field.Invalid(specPath.Child("scopes"), q.Spec.Scopes, apivalidation.FieldImmutableErrorMsg))
	}
	return allErrs
}

// ValidateResourceQuotaStatusUpdate validates resourcequotas/status.
func ValidateResourceQuotaStatusUpdate(q, old *corev1.ResourceQuota) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&q.ObjectMeta, &old.ObjectMeta)
	if q.ResourceVersion == "" {
		allErrs = append(allErrs, field.Required(field.NewPath("resourceVersion"), ""))
	}
	allErrs = append(allErrs, validateQuotaList(q.Status.Hard, field.NewPath("status", "hard"))...)
	return append(allErrs, validateQuotaList(q.Status.Used, field.NewPath("status", "used"))...)
}

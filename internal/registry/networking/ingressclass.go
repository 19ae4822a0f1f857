package networking

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

const maxIngressClassControllerLen = 250

// DefaultIngressClass defaults the parameters scope to Cluster.
func DefaultIngressClass(ic *networkingv1.IngressClass) {
	if p := ic.Spec.Parameters; p != nil && p.Scope == nil {
		p.Scope = ptr.To(networkingv1.IngressClassParametersReferenceScopeCluster)
	}
}

// ValidateIngressClass checks a new IngressClass, metadata included.
func ValidateIngressClass(ic *networkingv1.IngressClass) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMeta(&ic.ObjectMeta, false, apimachineryvalidation.NameIsDNSSubdomain, metaPath)
	return append(errs, validateIngressClassSpec(&ic.Spec, field.NewPath("spec"))...)
}

// ValidateIngressClassUpdate checks ic as a replacement for old; the
// controller is immutable.
func ValidateIngressClassUpdate(ic, old *networkingv1.IngressClass) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMetaUpdate(&ic.ObjectMeta, &old.ObjectMeta, metaPath)
	errs = append(errs, apimachineryvalidation.ValidateImmutableField(ic.Spec.Controller, old.Spec.Controller, field.NewPath("spec", "controller"))...)
	return append(errs, validateIngressClassSpec(&ic.Spec, field.NewPath("spec"))...)
}

func validateIngressClassSpec(s *networkingv1.IngressClassSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	cp := fldPath.Child("controller")
	if len(s.Controller) > maxIngressClassControllerLen {
		errs = append(errs, field.TooLong(cp, "", maxIngressClassControllerLen))
	}
	errs = append(errs, validation.IsDomainPrefixedPath(cp, s.Controller)...)
	p := s.Parameters
	if p == nil {
		return errs
	}
	pp := fldPath.Child("parameters")
	errs = append(errs, validateTypedLocalObjectReference(&corev1.TypedLocalObjectReference{APIGroup: p.APIGroup, Kind: p.Kind, Name: p.Name}, pp)...)
	if p.Scope == nil {
		return append(errs, field.Required(pp.Child("scope"), ""))
	}
	switch *p.Scope {
	case networkingv1.IngressClassParametersReferenceScopeNamespace:
		if p.Namespace == nil {
			errs = append(errs, field.Required(pp.Child("namespace"), "`parameters.scope` is set to 'Namespace'"))
		} else {
			for _, msg := range apimachineryvalidation.ValidateNamespaceName(*p.Namespace, false) {
				errs = append(errs, field.Invalid(pp.Child("namespace"), *p.Namespace, msg))
			}
		}
	case networkingv1.IngressClassParametersReferenceScopeCluster:
		if p.Namespace != nil {
			errs = append(errs, field.Forbidden(pp.Child("namespace"), "`parameters.scope` is set to 'Cluster'"))
		}
	default:
		errs = append(errs, field.NotSupported(pp.Child("scope"), *p.Scope, []string{
			networkingv1.IngressClassParametersReferenceScopeCluster, networkingv1.IngressClassParametersReferenceScopeNamespace,
		}))
	}
	return errs
}

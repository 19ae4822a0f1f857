package registry

import (
	"k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateMeta is the fallback validation for kinds without a strategy:
// upstream's ObjectMeta rules with DNS-subdomain names.
func validateMeta(r *Resource, m metav1.Object) field.ErrorList {
	return validation.ValidateObjectMetaAccessor(m, r.Namespaced, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
}

// validateMetaUpdate is the ObjectMeta update check every resource gets.
func validateMetaUpdate(m, old metav1.Object) field.ErrorList {
	return validation.ValidateObjectMetaAccessorUpdate(m, old, field.NewPath("metadata"))
}

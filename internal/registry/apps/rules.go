package apps

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// PodTemplateRules are the core pod template rules the workload kinds apply
// to their embedded template. Either func may be nil, which skips that step.
type PodTemplateRules struct {
	// Default fills the template's unset fields in place.
	Default func(*corev1.PodTemplateSpec)
	// Validate checks the template found at fldPath.
	Validate func(t *corev1.PodTemplateSpec, fldPath *field.Path) field.ErrorList
}

// Rules carries the dependencies of the apps rules. The zero value is usable
// and skips pod template defaulting and validation.
type Rules struct {
	PodTemplate PodTemplateRules
	// ClaimSpec checks a StatefulSet volumeClaimTemplate's spec at fldPath;
	// nil skips it.
	ClaimSpec func(spec *corev1.PersistentVolumeClaimSpec, fldPath *field.Path) field.ErrorList
}

func (r Rules) defaultTemplate(t *corev1.PodTemplateSpec) {
	if r.PodTemplate.Default != nil {
		r.PodTemplate.Default(t)
	}
}

func (r Rules) validateTemplate(t *corev1.PodTemplateSpec, fldPath *field.Path) field.ErrorList {
	if r.PodTemplate.Validate == nil {
		return nil
	}
	return r.PodTemplate.Validate(t, fldPath)
}

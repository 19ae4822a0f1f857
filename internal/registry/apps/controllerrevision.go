package apps

import (
	appsv1 "k8s.io/api/apps/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// DefaultControllerRevision is a no-op: ControllerRevision has no defaults.
func DefaultControllerRevision(*appsv1.ControllerRevision) {}

// ValidateControllerRevision checks a new ControllerRevision: data is
// required and the revision may not be negative.
func ValidateControllerRevision(cr *appsv1.ControllerRevision) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMeta(&cr.ObjectMeta, true, apimachineryvalidation.NameIsDNSSubdomain, metaPath)
	if cr.Data.Raw == nil && cr.Data.Object == nil {
		errs = append(errs, field.Required(field.NewPath("data"), "data is mandatory"))
	}
	return append(errs, apimachineryvalidation.ValidateNonnegativeField(cr.Revision, field.NewPath("revision"))...)
}

// ValidateControllerRevisionUpdate checks cr as a replacement for old; data
// is immutable.
func ValidateControllerRevisionUpdate(cr, old *appsv1.ControllerRevision) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMetaUpdate(&cr.ObjectMeta, &old.ObjectMeta, metaPath)
	errs = append(errs, ValidateControllerRevision(cr)...)
	return append(errs, apimachineryvalidation.ValidateImmutableField(cr.Data, old.Data, field.NewPath("data"))...)
}

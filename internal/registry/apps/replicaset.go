package apps

import (
	appsv1 "k8s.io/api/apps/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

// DefaultReplicaSet applies apps/v1 defaults to rs and its pod template.
func (r Rules) DefaultReplicaSet(rs *appsv1.ReplicaSet) {
	if rs.Spec.Replicas == nil {
		rs.Spec.Replicas = ptr.To[int32](1)
	}
	r.defaultTemplate(&rs.Spec.Template)
}

// ValidateReplicaSet checks a new ReplicaSet, metadata included.
func (r Rules) ValidateReplicaSet(rs *appsv1.ReplicaSet) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMeta(&rs.ObjectMeta, true, apimachineryvalidation.NameIsDNSSubdomain, metaPath)
	return append(errs, r.validateReplicaSetSpec(&rs.Spec, field.NewPath("spec"))...)
}

// ValidateReplicaSetUpdate checks rs as a replacement for old. The selector
// is immutable in apps/v1.
func (r Rules) ValidateReplicaSetUpdate(rs, old *appsv1.ReplicaSet) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMetaUpdate(&rs.ObjectMeta, &old.ObjectMeta, metaPath)
	errs = append(errs, r.validateReplicaSetSpec(&rs.Spec, field.NewPath("spec"))...)
	return append(errs, immutableSelector(rs.Spec.Selector, old.Spec.Selector)...)
}

// ValidateReplicaSetStatusUpdate checks a write through the status
// subresource.
func ValidateReplicaSetStatusUpdate(rs, old *appsv1.ReplicaSet) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMetaUpdate(&rs.ObjectMeta, &old.ObjectMeta, metaPath)
	fldPath := field.NewPath("status")
	s := &rs.Status
	errs = append(errs, nonNegative(s.Replicas, fldPath.Child("replicas"))...)
	errs = append(errs, nonNegative(s.FullyLabeledReplicas, fldPath.Child("fullyLabeledReplicas"))...)
	errs = append(errs, nonNegative(s.ReadyReplicas, fldPath.Child("readyReplicas"))...)
	errs = append(errs, nonNegative(s.AvailableReplicas, fldPath.Child("availableReplicas"))...)
	errs = append(errs, nonNegativePtr(s.TerminatingReplicas, fldPath.Child("terminatingReplicas"))...)
	errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(s.ObservedGeneration, fldPath.Child("observedGeneration"))...)
	const msg = "cannot be greater than status.replicas"
	errs = append(errs, notGreater(s.FullyLabeledReplicas, s.Replicas, fldPath.Child("fullyLabeledReplicas"), msg)...)
	errs = append(errs, notGreater(s.ReadyReplicas, s.Replicas, fldPath.Child("readyReplicas"), msg)...)
	errs = append(errs, notGreater(s.AvailableReplicas, s.Replicas, fldPath.Child("availableReplicas"), msg)...)
	errs = append(errs, notGreater(s.AvailableReplicas, s.ReadyReplicas, fldPath.Child("availableReplicas"), "cannot be greater than readyReplicas")...)
	return errs
}

func (r Rules) validateReplicaSetSpec(s *appsv1.ReplicaSetSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, nonNegativePtr(s.Replicas, fldPath.Child("replicas"))...)
	errs = append(errs, nonNegative(s.MinReadySeconds, fldPath.Child("minReadySeconds"))...)
	// Upstream names "deployment" in the ReplicaSet message too.
	errs = append(errs, validateSelector(s.Selector, "deployment", fldPath.Child("selector"))...)
	return append(errs, r.validateTemplateForReplicas(&s.Template, s.Selector, "ReplicaSet", fldPath)...)
}

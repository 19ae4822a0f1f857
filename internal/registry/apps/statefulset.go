package apps

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

// DefaultStatefulSet applies apps/v1 defaults to ss, its pod template and
// its volume claim templates.
func (r Rules) DefaultStatefulSet(ss *appsv1.StatefulSet) {
	s := &ss.Spec
	if s.PodManagementPolicy == "" {
		s.PodManagementPolicy = appsv1.OrderedReadyPodManagement
	}
	if s.UpdateStrategy.Type == "" {
		s.UpdateStrategy.Type = appsv1.RollingUpdateStatefulSetStrategyType
	}
	if s.UpdateStrategy.Type == appsv1.RollingUpdateStatefulSetStrategyType && s.UpdateStrategy.RollingUpdate == nil {
		s.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{}
	}
	if ru := s.UpdateStrategy.RollingUpdate; ru != nil {
		if ru.Partition == nil {
			ru.Partition = ptr.To[int32](0)
		}
		// MaxUnavailableStatefulSet is beta and on by default.
		if ru.MaxUnavailable == nil {
			ru.MaxUnavailable = ptr.To(intstr.FromInt32(1))
		}
	}
	if s.PersistentVolumeClaimRetentionPolicy == nil {
		s.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{}
	}
	if s.PersistentVolumeClaimRetentionPolicy.WhenDeleted == "" {
		s.PersistentVolumeClaimRetentionPolicy.WhenDeleted = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	}
	if s.PersistentVolumeClaimRetentionPolicy.WhenScaled == "" {
		s.PersistentVolumeClaimRetentionPolicy.WhenScaled = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	}
	if s.Replicas == nil {
		s.Replicas = ptr.To[int32](1)
	}
	if s.RevisionHistoryLimit == nil {
		s.RevisionHistoryLimit = ptr.To[int32](10)
	}
	for i := range s.VolumeClaimTemplates {
		pvc := &s.VolumeClaimTemplates[i]
		if pvc.Status.Phase == "" {
			pvc.Status.Phase = corev1.ClaimPending
		}
		if pvc.Spec.VolumeMode == nil {
			pvc.Spec.VolumeMode = ptr.To(corev1.PersistentVolumeFilesystem)
		}
	}
	r.defaultTemplate(&s.Template)
}

// ValidateStatefulSet checks a new StatefulSet, metadata included. Its name
// must be a DNS label, as it prefixes pod host names.
func (r Rules) ValidateStatefulSet(ss *appsv1.StatefulSet) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMeta(&ss.ObjectMeta, true, apimachineryvalidation.NameIsDNSLabel, metaPath)
	return append(errs, r.validateStatefulSetSpec(&ss.Spec, nil, field.NewPath("spec"))...)
}

// ValidateStatefulSetUpdate checks ss as a replacement for old: only
// replicas, ordinals, template, updateStrategy, revisionHistoryLimit,
// persistentVolumeClaimRetentionPolicy and minReadySeconds may change.
func (r Rules) ValidateStatefulSetUpdate(ss, old *appsv1.StatefulSet) field.ErrorList {
	errs := apimachineryvalidation.ValidateObjectMetaUpdate(&ss.ObjectMeta, &old.ObjectMeta, metaPath)
	errs = append(errs, r.validateStatefulSetSpec(&ss.Spec, &old.Spec, field.NewPath("spec"))...)

	clone := ss.Spec.DeepCopy()
	clone.Replicas = old.Spec.Replicas
	clone.Ordinals = old.Spec.Ordinals
	clone.Template = old.Spec.Template
	clone.UpdateStrategy = old.Spec.UpdateStrategy
	clone.RevisionHistoryLimit = old.Spec.RevisionHistoryLimit
	clone.PersistentVolumeClaimRetentionPolicy = old.Spec.PersistentVolumeClaimRetentionPolicy
	clone.MinReadySeconds = old.Spec.MinReadySeconds
	if !equality.Semantic.DeepEqual(*clone, old.Spec) {
		errs = append(errs, field.Forbidden(field.NewPath("spec"), "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"))
	}
	return errs
}

// ValidateStatefulSetStatusUpdate checks a write through the status
// subresource.
func ValidateStatefulSetStatusUpdate(ss, old *appsv1.StatefulSet) field.ErrorList {
	fldPath := field.NewPath("status")
	s := &ss.Status
	var errs field.ErrorList
	errs = append(errs, nonNegative(s.Replicas, fldPath.Child("replicas"))...)
	errs = append(errs, nonNegative(s.ReadyReplicas, fldPath.Child("readyReplicas"))...)
	errs = append(errs, nonNegative(s.CurrentReplicas, fldPath.Child("currentReplicas"))...)
	errs = append(errs, nonNegative(s.UpdatedReplicas, fldPath.Child("updatedReplicas"))...)
	errs = append(errs, nonNegative(s.AvailableReplicas, fldPath.Child("availableReplicas"))...)
	errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(s.ObservedGeneration, fldPath.Child("observedGeneration"))...)
	errs = append(errs, nonNegativePtr(s.CollisionCount, fldPath.Child("collisionCount"))...)
	const msg = "cannot be greater than status.replicas"
	errs = append(errs, notGreater(s.ReadyReplicas, s.Replicas, fldPath.Child("readyReplicas"), msg)...)
	errs = append(errs, notGreater(s.CurrentReplicas, s.Replicas, fldPath.Child("currentReplicas"), msg)...)
	errs = append(errs, notGreater(s.UpdatedReplicas, s.Replicas, fldPath.Child("updatedReplicas"), msg)...)
	errs = append(errs, notGreater(s.AvailableReplicas, s.Replicas, fldPath.Child("availableReplicas"), msg)...)
	errs = append(errs, notGreater(s.AvailableReplicas, s.ReadyReplicas, fldPath.Child("availableReplicas"), "cannot be greater than status.readyReplicas")...)
	errs = append(errs, apimachineryvalidation.ValidateObjectMetaUpdate(&ss.ObjectMeta, &old.ObjectMeta, metaPath)...)
	return append(errs, collisionCountDecremented(s.CollisionCount, old.Status.CollisionCount)...)
}

func (r Rules) validateStatefulSetSpec(s, old *appsv1.StatefulSetSpec, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch s.PodManagementPolicy {
	case "":
		errs = append(errs, field.Required(fldPath.Child("podManagementPolicy"), ""))
	case appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement:
	default:
		errs = append(errs, field.Invalid(fldPath.Child("podManagementPolicy"), s.PodManagementPolicy, fmt.Sprintf("must be '%s' or '%s'", appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement)))
	}

	strategyPath := fldPath.Child("updateStrategy")
	switch s.UpdateStrategy.Type {
	case "":
		errs = append(errs, field.Required(strategyPath, ""))
	case appsv1.OnDeleteStatefulSetStrategyType:
		if s.UpdateStrategy.RollingUpdate != nil {
			errs = append(errs, field.Invalid(strategyPath.Child("rollingUpdate"), s.UpdateStrategy.RollingUpdate, fmt.Sprintf("only allowed for updateStrategy '%s'", appsv1.RollingUpdateStatefulSetStrategyType)))
		}
	case appsv1.RollingUpdateStatefulSetStrategyType:
		if ru := s.UpdateStrategy.RollingUpdate; ru != nil {
			errs = append(errs, validateRollingUpdateStatefulSet(ru, strategyPath.Child("rollingUpdate"))...)
		}
	default:
		errs = append(errs, field.Invalid(strategyPath, s.UpdateStrategy, fmt.Sprintf("must be '%s' or '%s'", appsv1.RollingUpdateStatefulSetStrategyType, appsv1.OnDeleteStatefulSetStrategyType)))
	}

	if p := s.PersistentVolumeClaimRetentionPolicy; p != nil {
		pp := fldPath.Child("persistentVolumeClaimRetentionPolicy")
		errs = append(errs, validateRetentionPolicyType(p.WhenDeleted, pp.Child("whenDeleted"))...)
		errs = append(errs, validateRetentionPolicyType(p.WhenScaled, pp.Child("whenScaled"))...)
	}
	// The service name is optional; an invalid one kept from before is
	// tolerated on update.
	if s.ServiceName != "" && (old == nil || old.ServiceName != s.ServiceName) {
		for _, msg := range apimachineryvalidation.NameIsDNS1035Label(s.ServiceName, false) {
			errs = append(errs, field.Invalid(fldPath.Child("serviceName"), s.ServiceName, msg))
		}
	}
	errs = append(errs, nonNegativePtr(s.Replicas, fldPath.Child("replicas"))...)
	errs = append(errs, nonNegative(s.MinReadySeconds, fldPath.Child("minReadySeconds"))...)
	if s.Ordinals != nil {
		errs = append(errs, nonNegative(s.Ordinals.Start, fldPath.Child("ordinals", "start"))...)
	}
	errs = append(errs, nonNegativePtr(s.RevisionHistoryLimit, fldPath.Child("revisionHistoryLimit"))...)

	errs = append(errs, validateSelector(s.Selector, "statefulset", fldPath.Child("selector"))...)
	selector, err := metav1.LabelSelectorAsSelector(s.Selector)
	if err != nil {
		errs = append(errs, field.Invalid(fldPath.Child("selector"), s.Selector, ""))
	} else {
		tp := fldPath.Child("template")
		if !selector.Empty() && !selector.Matches(labels.Set(s.Template.Labels)) {
			errs = append(errs, field.Invalid(tp.Child("metadata", "labels"), s.Template.Labels, selectorMismatch))
		}
		errs = append(errs, r.validateTemplate(&s.Template, tp)...)
	}
	errs = append(errs, validateAlwaysRestart(&s.Template, "StatefulSet", fldPath.Child("template"))...)

	for i := range s.VolumeClaimTemplates {
		pvc := &s.VolumeClaimTemplates[i]
		vp := fldPath.Child("volumeClaimTemplates").Index(i)
		mp := vp.Child("metadata")
		errs = append(errs, metav1validation.ValidateLabels(pvc.Labels, mp.Child("labels"))...)
		errs = append(errs, apimachineryvalidation.ValidateAnnotations(pvc.Annotations, mp.Child("annotations"))...)
		if r.ClaimSpec != nil {
			errs = append(errs, r.ClaimSpec(&pvc.Spec, vp.Child("spec"))...)
		}
	}
	return errs
}

func validateRollingUpdateStatefulSet(ru *appsv1.RollingUpdateStatefulSetStrategy, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, nonNegativePtr(ru.Partition, fldPath.Child("partition"))...)
	if ru.MaxUnavailable != nil {
		p := fldPath.Child("maxUnavailable")
		errs = append(errs, validatePositiveIntOrPercent(*ru.MaxUnavailable, p)...)
		if intOrPercentValue(*ru.MaxUnavailable) == 0 {
			errs = append(errs, field.Invalid(p, *ru.MaxUnavailable, "cannot be 0"))
		}
		errs = append(errs, isNotMoreThan100Percent(*ru.MaxUnavailable, p)...)
	}
	return errs
}

func validateRetentionPolicyType(t appsv1.PersistentVolumeClaimRetentionPolicyType, fldPath *field.Path) field.ErrorList {
	switch t {
	case appsv1.RetainPersistentVolumeClaimRetentionPolicyType, appsv1.DeletePersistentVolumeClaimRetentionPolicyType:
		return nil
	}
	return field.ErrorList{field.NotSupported(fldPath, t, []string{string(appsv1.RetainPersistentVolumeClaimRetentionPolicyType), string(appsv1.DeletePersistentVolumeClaimRetentionPolicyType)})}
}

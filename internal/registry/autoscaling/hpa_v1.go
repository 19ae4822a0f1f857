package autoscaling

import (
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

// DefaultHPAV1 applies autoscaling/v1 defaults: minReplicas 1. The CPU
// target stays unset; conversion to v2 supplies the 80% default.
func DefaultHPAV1(h *autoscalingv1.HorizontalPodAutoscaler) {
	if h.Spec.MinReplicas == nil {
		h.Spec.MinReplicas = ptr.To[int32](1)
	}
}

// ValidateHPAV1 checks a new autoscaling/v1 HPA in its v2 form.
func ValidateHPAV1(h *autoscalingv1.HorizontalPodAutoscaler) field.ErrorList {
	return ValidateHPA(HPAV1ToV2(h))
}

// ValidateHPAV1Update checks h as a replacement for old, in their v2 forms.
func ValidateHPAV1Update(h, old *autoscalingv1.HorizontalPodAutoscaler) field.ErrorList {
	return ValidateHPAUpdate(HPAV1ToV2(h), HPAV1ToV2(old))
}

// ValidateHPAV1StatusUpdate checks a v1 status write in the v2 form.
func ValidateHPAV1StatusUpdate(h, old *autoscalingv1.HorizontalPodAutoscaler) field.ErrorList {
	return ValidateHPAStatusUpdate(HPAV1ToV2(h), HPAV1ToV2(old))
}

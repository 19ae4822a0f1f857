// Package autoscaling holds the defaulting and validation rules of
// HorizontalPodAutoscaler in autoscaling/v2 and autoscaling/v1, and the
// conversions between the two versions. As upstream, v1 objects are
// validated in their v2 form, so error paths name v2 fields.
package autoscaling

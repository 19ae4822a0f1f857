package autoscaling

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

func errSummary(errs field.ErrorList) []string {
	var out []string
	for _, e := range errs {
		out = append(out, string(e.Type)+" "+e.Field)
	}
	return out
}

func hpa(mut ...func(*autoscalingv2.HorizontalPodAutoscaler)) *autoscalingv2.HorizontalPodAutoscaler {
	h := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", ResourceVersion: "1"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MaxReplicas:    5,
		},
	}
	DefaultHPA(h)
	for _, m := range mut {
		m(h)
	}
	return h
}

func TestDefaultHPA(t *testing.T) {
	h := hpa()
	want := autoscalingv2.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: h.Spec.ScaleTargetRef,
		MinReplicas:    ptr.To[int32](1),
		MaxReplicas:    5,
		Metrics:        []autoscalingv2.MetricSpec{cpuUtilizationMetric(80)},
	}
	if diff := cmp.Diff(want, h.Spec); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	b := hpa(func(h *autoscalingv2.HorizontalPodAutoscaler) {
		h.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: ptr.To[int32](60)}}
	})
	DefaultHPA(b)
	wantB := &autoscalingv2.HorizontalPodAutoscalerBehavior{
		ScaleUp: defaultScaleUpRules(),
		ScaleDown: &autoscalingv2.HPAScalingRules{
			StabilizationWindowSeconds: ptr.To[int32](60),
			SelectPolicy:               ptr.To(autoscalingv2.MaxChangePolicySelect),
			Policies:                   []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15}},
		},
	}
	if diff := cmp.Diff(wantB, b.Spec.Behavior); diff != "" {
		t.Errorf("behavior defaults (-want +got):\n%s", diff)
	}
	again := b.DeepCopy()
	DefaultHPA(again)
	if diff := cmp.Diff(b, again); diff != "" {
		t.Errorf("not idempotent (-want +got):\n%s", diff)
	}
}

func TestValidateHPA(t *testing.T) {
	q := resource.MustParse
	tests := []struct {
		name string
		h    *autoscalingv2.HorizontalPodAutoscaler
		want []string
	}{
		{"valid", hpa(), nil},
		{"min above max", hpa(func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.MinReplicas = ptr.To[int32](6) }),
			[]string{"FieldValueInvalid spec.maxReplicas"}},
		{"zero min", hpa(func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.MinReplicas = ptr.To[int32](0) }),
			[]string{"FieldValueInvalid spec.minReplicas", "FieldValueForbidden spec.metrics"}},
		{"zero max", hpa(func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.MaxReplicas = 0 }),
			[]string{"FieldValueInvalid spec.maxReplicas", "FieldValueInvalid spec.maxReplicas"}},
		{"no target", hpa(func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.ScaleTargetRef = autoscalingv2.CrossVersionObjectReference{}
		}),
			[]string{"FieldValueRequired spec.scaleTargetRef.kind", "FieldValueRequired spec.scaleTargetRef.name"}},
		{"utilization and value", hpa(func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics[0].Resource.Target.AverageValue = ptr.To(q("100m"))
		}), []string{"FieldValueForbidden spec.metrics[0].resource.target.averageValue"}},
		{"bad target type", hpa(func(h *autoscalingv2.HorizontalPodAutoscaler) { h.Spec.Metrics[0].Resource.Target.Type = "Most" }),
			[]string{"FieldValueInvalid spec.metrics[0].resource.target.type"}},
		{"pods without average", hpa(func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics = []autoscalingv2.MetricSpec{{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
				Metric: autoscalingv2.MetricIdentifier{Name: "qps"},
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: ptr.To(q("-1"))},
			}}}
		}), []string{"FieldValueInvalid spec.metrics[0].pods.target.value", "FieldValueRequired spec.metrics[0].pods.target.averageValue"}},
		{"two sources", hpa(func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics[0].External = &autoscalingv2.ExternalMetricSource{
				Metric: autoscalingv2.MetricIdentifier{Name: "queue"},
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: ptr.To(q("1"))},
			}
		}), []string{"FieldValueForbidden spec.metrics[0].external"}},
		{"type without source", hpa(func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Metrics = []autoscalingv2.MetricSpec{{Type: autoscalingv2.ObjectMetricSourceType}}
		}), []string{"FieldValueRequired spec.metrics[0].object"}},
		{"bad policy", hpa(func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleUp: &autoscalingv2.HPAScalingRules{
				StabilizationWindowSeconds: ptr.To[int32](3601),
				Policies:                   []autoscalingv2.HPAScalingPolicy{{Type: "Nodes", Value: 0, PeriodSeconds: 1801}},
			}}
		}), []string{
			"FieldValueInvalid spec.behavior.scaleUp.stabilizationWindowSeconds",
			"FieldValueNotSupported spec.behavior.scaleUp.policies[0].type",
			"FieldValueInvalid spec.behavior.scaleUp.policies[0].value",
			"FieldValueInvalid spec.behavior.scaleUp.policies[0].periodSeconds",
		}},
		{"no policies", hpa(func(h *autoscalingv2.HorizontalPodAutoscaler) {
			h.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: &autoscalingv2.HPAScalingRules{}}
		}), []string{"FieldValueRequired spec.behavior.scaleDown.policies"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, errSummary(ValidateHPA(tc.h))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHPAV1(t *testing.T) {
	v1 := &autoscalingv1.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"},
		Spec: autoscalingv1.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv1.CrossVersionObjectReference{Kind: "Deployment", Name: "web"},
			MaxReplicas:    3,
		},
	}
	DefaultHPAV1(v1)
	if v1.Spec.MinReplicas == nil || *v1.Spec.MinReplicas != 1 || v1.Spec.TargetCPUUtilizationPercentage != nil {
		t.Errorf("v1 defaults: %+v", v1.Spec)
	}
	v2 := HPAV1ToV2(v1)
	if diff := cmp.Diff([]autoscalingv2.MetricSpec{cpuUtilizationMetric(80)}, v2.Spec.Metrics); diff != "" {
		t.Errorf("implicit CPU metric (-want +got):\n%s", diff)
	}
	if errs := ValidateHPAV1(v1); len(errs) != 0 {
		t.Errorf("valid v1: %v", errs)
	}
	v1.Spec.TargetCPUUtilizationPercentage = ptr.To[int32](0)
	if diff := cmp.Diff([]string{"FieldValueInvalid spec.metrics[0].resource.target.averageUtilization"}, errSummary(ValidateHPAV1(v1))); diff != "" {
		t.Errorf("v1 errors (-want +got):\n%s", diff)
	}
}

func TestHPARoundTrip(t *testing.T) {
	h := hpa(func(h *autoscalingv2.HorizontalPodAutoscaler) {
		h.Annotations = map[string]string{"keep": "me"}
		// As upstream, the CPU utilization metric comes back last, so it is
		// placed last here to round-trip exactly.
		h.Spec.Metrics = append([]autoscalingv2.MetricSpec{{
			Type: autoscalingv2.PodsMetricSourceType,
			Pods: &autoscalingv2.PodsMetricSource{
				Metric: autoscalingv2.MetricIdentifier{Name: "qps"},
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr.To(resource.MustParse("10"))},
			},
		}}, h.Spec.Metrics...)
		h.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{}
		h.Status = autoscalingv2.HorizontalPodAutoscalerStatus{
			CurrentReplicas: 2, DesiredReplicas: 3,
			CurrentMetrics: []autoscalingv2.MetricStatus{{
				Type: autoscalingv2.ResourceMetricSourceType,
				Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{
					AverageUtilization: ptr.To[int32](55), AverageValue: ptr.To(resource.MustParse("200m")),
				}},
			}},
			Conditions: []autoscalingv2.HorizontalPodAutoscalerCondition{{Type: autoscalingv2.AbleToScale, Status: corev1.ConditionTrue, Reason: "Ready"}},
		}
	})
	DefaultHPA(h)
	v1 := HPAV2ToV1(h)
	if got := ptr.Deref(v1.Spec.TargetCPUUtilizationPercentage, 0); got != 80 {
		t.Errorf("targetCPUUtilizationPercentage = %d, want 80", got)
	}
	if got := ptr.Deref(v1.Status.CurrentCPUUtilizationPercentage, 0); got != 55 {
		t.Errorf("currentCPUUtilizationPercentage = %d, want 55", got)
	}
	for _, k := range []string{"keep", MetricSpecsAnnotation, MetricStatusesAnnotation, ConditionsAnnotation, BehaviorSpecsAnnotation} {
		if _, ok := v1.Annotations[k]; !ok {
			t.Errorf("v1 lacks annotation %s", k)
		}
	}
	if _, ok := h.Annotations[MetricSpecsAnnotation]; ok {
		t.Errorf("conversion wrote to the source object's annotations")
	}
	// The behavior annotation uses upstream's internal field names.
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(v1.Annotations[BehaviorSpecsAnnotation]), &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["ScaleUp"]; !ok {
		t.Errorf("behavior annotation = %s, want Go field names", v1.Annotations[BehaviorSpecsAnnotation])
	}
	back := HPAV1ToV2(v1)
	if diff := cmp.Diff(h, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

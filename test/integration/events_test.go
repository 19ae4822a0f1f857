package integration

import (
	"testing"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/testutil"
)

// events.k8s.io/v1 and core/v1 Events are one storage: what one API writes
// the other reads, and events.k8s.io keeps its stricter create rules.
func TestEventsSharedBetweenAPIs(t *testing.T) {
	srv := testutil.StartServer(t)
	c := srv.ProtobufClient(t)
	ns := newNamespace(t, c)
	_, err := c.EventsV1().Events(ns).Create(t.Context(), &eventsv1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: "bad"}, Note: "n", Type: corev1.EventTypeNormal,
	}, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Fatalf("event without eventTime: got %v, want 422 Invalid", err)
	}
	ev := &eventsv1.Event{
		ObjectMeta:          metav1.ObjectMeta{Name: "e1"},
		EventTime:           metav1.NewMicroTime(time.Now()),
		ReportingController: "example.com/ctl", ReportingInstance: "i1", Action: "Test", Reason: "Tested",
		Note: "hello", Type: corev1.EventTypeNormal,
		Regarding: corev1.ObjectReference{Kind: "Pod", Name: "web", Namespace: ns},
	}
	if _, err := c.EventsV1().Events(ns).Create(t.Context(), ev, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create events.k8s.io/v1 event: %v", err)
	}
	core, err := c.CoreV1().Events(ns).Get(t.Context(), "e1", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("read it through core/v1: %v", err)
	}
	if core.Message != "hello" || core.InvolvedObject.Name != "web" || core.ReportingController != "example.com/ctl" {
		t.Fatalf("core/v1 view = %+v", core)
	}
	list, err := c.EventsV1().Events(ns).List(t.Context(), metav1.ListOptions{})
	if err != nil || len(list.Items) != 1 || list.Items[0].Note != "hello" || list.Items[0].Regarding.Name != "web" {
		t.Fatalf("events.k8s.io list = %+v, %v", list, err)
	}
}

// autoscaling/v1 and v2 HorizontalPodAutoscalers are one object.
func TestHPAServedInTwoVersions(t *testing.T) {
	srv := testutil.StartServer(t)
	c := srv.ProtobufClient(t)
	ns := newNamespace(t, c)
	_, err := c.AutoscalingV1().HorizontalPodAutoscalers(ns).Create(t.Context(), &autoscalingv1.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: autoscalingv1.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv1.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MinReplicas:    ptr.To(int32(2)), MaxReplicas: 5, TargetCPUUtilizationPercentage: ptr.To(int32(70)),
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create v1: %v", err)
	}
	v2, err := c.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(t.Context(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get v2: %v", err)
	}
	if len(v2.Spec.Metrics) != 1 || v2.Spec.Metrics[0].Type != autoscalingv2.ResourceMetricSourceType ||
		*v2.Spec.Metrics[0].Resource.Target.AverageUtilization != 70 {
		t.Fatalf("v2 metrics = %+v", v2.Spec.Metrics)
	}
	v2.Spec.MaxReplicas = 9
	if _, err := c.AutoscalingV2().HorizontalPodAutoscalers(ns).Update(t.Context(), v2, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update v2: %v", err)
	}
	v1, err := c.AutoscalingV1().HorizontalPodAutoscalers(ns).Get(t.Context(), "web", metav1.GetOptions{})
	if err != nil || v1.Spec.MaxReplicas != 9 || *v1.Spec.TargetCPUUtilizationPercentage != 70 {
		t.Fatalf("v1 after v2 update = %+v, %v", v1, err)
	}
}

package printers

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestEventRow(t *testing.T) {
	pulled := &corev1.Event{
		ObjectMeta:     objMeta("web-1.17f"),
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "web-1", FieldPath: "spec.containers{web}"},
		Reason:         "Pulled",
		Message:        "  Successfully pulled image \"nginx\"\n",
		Source:         corev1.EventSource{Component: "kubelet", Host: "node-1"},
		FirstTimestamp: ago(5 * time.Minute),
		LastTimestamp:  ago(time.Minute),
		Count:          4,
		Type:           corev1.EventTypeNormal,
	}
	newAPI := &corev1.Event{
		ObjectMeta:          objMeta("web.17g"),
		InvolvedObject:      corev1.ObjectReference{Kind: "Deployment", Name: "web"},
		Reason:              "ScalingReplicaSet",
		Message:             "Scaled up",
		EventTime:           metav1.NewMicroTime(now.Add(-2 * time.Minute)),
		ReportingController: "deployment-controller",
		ReportingInstance:   "cm-1",
		Type:                corev1.EventTypeNormal,
	}
	series := newAPI.DeepCopy()
	series.Series = &corev1.EventSeries{Count: 7, LastObservedTime: metav1.NewMicroTime(now.Add(-30 * time.Second))}
	series.Source.Component = "override"
	noName := &corev1.Event{ObjectMeta: objMeta("cluster.1"), InvolvedObject: corev1.ObjectReference{Kind: "Node"}, Type: corev1.EventTypeWarning}

	tests := []struct {
		name  string
		event *corev1.Event
		want  []interface{}
	}{
		{"core event", pulled, []interface{}{
			"60s", "Normal", "Pulled", "pod/web-1", "spec.containers{web}", "kubelet, node-1",
			"Successfully pulled image \"nginx\"", "5m", int64(4), "web-1.17f"}},
		{"singleton of the new API", newAPI, []interface{}{
			"2m", "Normal", "ScalingReplicaSet", "deployment/web", "", "deployment-controller, cm-1",
			"Scaled up", "2m", int64(1), "web.17g"}},
		{"series", series, []interface{}{
			"30s", "Normal", "ScalingReplicaSet", "deployment/web", "", "override, cm-1",
			"Scaled up", "2m", int64(7), "web.17g"}},
		{"no times, no object name", noName, []interface{}{
			"<unknown>", "Warning", "", "node", "", "", "", "<unknown>", int64(1), "cluster.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, rowOfKind(t, schema.GroupKind{Kind: "Event"}, tt.event)); diff != "" {
				t.Errorf("row (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEventsV1Row(t *testing.T) {
	e := &eventsv1.Event{
		ObjectMeta:          objMeta("web.17h"),
		EventTime:           metav1.NewMicroTime(now.Add(-3 * time.Minute)),
		Series:              &eventsv1.EventSeries{Count: 2, LastObservedTime: metav1.NewMicroTime(now.Add(-10 * time.Second))},
		ReportingController: "kubelet",
		ReportingInstance:   "node-2",
		Action:              "Pulling",
		Reason:              "BackOff",
		Regarding:           corev1.ObjectReference{Kind: "Pod", Name: "web-2", FieldPath: "spec.containers{web}"},
		Note:                "Back-off pulling image",
		Type:                corev1.EventTypeWarning,
	}
	want := []interface{}{
		"10s", "Warning", "BackOff", "pod/web-2", "spec.containers{web}", "kubelet, node-2",
		"Back-off pulling image", "3m", int64(2), "web.17h",
	}
	gk := schema.GroupKind{Group: "events.k8s.io", Kind: "Event"}
	if diff := cmp.Diff(want, rowOfKind(t, gk, e)); diff != "" {
		t.Errorf("row (-want +got):\n%s", diff)
	}

	legacy := &eventsv1.Event{
		ObjectMeta:               objMeta("old"),
		Regarding:                corev1.ObjectReference{Kind: "Node", Name: "n1"},
		DeprecatedSource:         corev1.EventSource{Component: "kubelet"},
		DeprecatedFirstTimestamp: ago(time.Hour),
		DeprecatedLastTimestamp:  ago(time.Minute),
		DeprecatedCount:          3,
		Type:                     corev1.EventTypeNormal,
		Reason:                   "Starting",
	}
	want = []interface{}{"60s", "Normal", "Starting", "node/n1", "", "kubelet", "", "60m", int64(3), "old"}
	if diff := cmp.Diff(want, rowOfKind(t, gk, legacy)); diff != "" {
		t.Errorf("legacy fields row (-want +got):\n%s", diff)
	}

	core, v1 := ForKinds()[schema.GroupKind{Kind: "Event"}], ForKinds()[gk]
	if diff := cmp.Diff(core.Columns, v1.Columns); diff != "" {
		t.Errorf("events.k8s.io columns differ from core (-core +events.k8s.io):\n%s", diff)
	}
}

package events

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func event(mut ...func(*eventsv1.Event)) *eventsv1.Event {
	e := &eventsv1.Event{
		ObjectMeta:          metav1.ObjectMeta{Name: "web.1", Namespace: "ns", ResourceVersion: "1"},
		EventTime:           metav1.NewMicroTime(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)),
		ReportingController: "berth.dev/scheduler",
		ReportingInstance:   "scheduler-1",
		Action:              "Binding",
		Reason:              "Scheduled",
		Regarding:           corev1.ObjectReference{Kind: "Pod", Namespace: "ns", Name: "web"},
		Note:                "assigned",
		Type:                corev1.EventTypeNormal,
	}
	for _, m := range mut {
		m(e)
	}
	return e
}

func TestValidateEvent(t *testing.T) {
	tests := []struct {
		name string
		e    *eventsv1.Event
		want []string
	}{
		{"valid", event(), nil},
		{"missing fields", event(func(e *eventsv1.Event) {
			e.ReportingController, e.ReportingInstance, e.Action, e.Reason = "", "", "", ""
		}), []string{
			"FieldValueRequired reportingController", "FieldValueInvalid reportingController", "FieldValueInvalid reportingController",
			"FieldValueRequired reportingInstance", "FieldValueRequired action", "FieldValueRequired reason",
		}},
		{"long note", event(func(e *eventsv1.Event) { e.Note = strings.Repeat("x", 1025) }), []string{"FieldValueInvalid message"}},
		{"long reason", event(func(e *eventsv1.Event) { e.Reason = strings.Repeat("x", 129) }), []string{"FieldValueInvalid reason"}},
		{"no event time", event(func(e *eventsv1.Event) { e.EventTime = metav1.MicroTime{} }), []string{"FieldValueRequired eventTime"}},
		{"bad type", event(func(e *eventsv1.Event) { e.Type = "Info" }), []string{"FieldValueInvalid type"}},
		{"namespace mismatch", event(func(e *eventsv1.Event) { e.Regarding.Namespace = "" }), []string{"FieldValueInvalid involvedObject.namespace"}},
		{"deprecated fields", event(func(e *eventsv1.Event) {
			e.DeprecatedCount = 2
			e.DeprecatedSource.Component = "x"
		}), []string{"FieldValueInvalid deprecatedCount", "FieldValueInvalid deprecatedSource"}},
		{"short series", event(func(e *eventsv1.Event) { e.Series = &eventsv1.EventSeries{Count: 1} }),
			[]string{"FieldValueInvalid series.count", "FieldValueRequired series.lastObservedTime"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, errSummary(ValidateEvent(tc.e))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
	series := event(func(e *eventsv1.Event) {
		e.Series = &eventsv1.EventSeries{Count: 2, LastObservedTime: metav1.NewMicroTime(time.Date(2024, 1, 1, 0, 5, 0, 0, time.UTC))}
	})
	if errs := ValidateEventUpdate(series, event()); len(errs) != 0 {
		t.Errorf("series update: %v", errs)
	}
	changed := event(func(e *eventsv1.Event) { e.Note = "other"; e.Action = "Other" })
	if diff := cmp.Diff([]string{"FieldValueInvalid note", "FieldValueInvalid action"}, errSummary(ValidateEventUpdate(changed, event()))); diff != "" {
		t.Errorf("immutable (-want +got):\n%s", diff)
	}
}

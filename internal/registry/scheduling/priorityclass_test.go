package scheduling

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func pc(name string, value int32) *schedulingv1.PriorityClass {
	p := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: name, ResourceVersion: "1"}, Value: value}
	DefaultPriorityClass(p)
	return p
}

func TestPriorityClass(t *testing.T) {
	if got := *pc("a", 1).PreemptionPolicy; got != corev1.PreemptLowerPriority {
		t.Errorf("preemptionPolicy = %s", got)
	}
	tests := []struct {
		name string
		p    *schedulingv1.PriorityClass
		want []string
	}{
		{"valid", pc("high", 1000), nil},
		{"system node critical", pc("system-node-critical", 2000001000), nil},
		{"system cluster critical", pc("system-cluster-critical", 2000000000), nil},
		{"unknown system name", pc("system-mine", 10), []string{"FieldValueForbidden metadata.name"}},
		{"wrong system value", pc("system-node-critical", 10), []string{"FieldValueForbidden metadata.name"}},
		{"too high", pc("huge", 1000000001), []string{"FieldValueForbidden value"}},
		{"bad policy", func() *schedulingv1.PriorityClass {
			p := pc("a", 1)
			p.PreemptionPolicy = ptr.To(corev1.PreemptionPolicy("Sometimes"))
			return p
		}(), []string{"FieldValueNotSupported preemptionPolicy"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, errSummary(ValidatePriorityClass(tc.p))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
	for _, spc := range SystemPriorityClasses() {
		DefaultPriorityClass(spc)
		if errs := ValidatePriorityClass(spc); len(errs) != 0 {
			t.Errorf("%s: %v", spc.Name, errs)
		}
	}
	upd := pc("a", 2)
	upd.PreemptionPolicy = ptr.To(corev1.PreemptNever)
	want := []string{"FieldValueForbidden value", "FieldValueInvalid preemptionPolicy"}
	if diff := cmp.Diff(want, errSummary(ValidatePriorityClassUpdate(upd, pc("a", 1)))); diff != "" {
		t.Errorf("update (-want +got):\n%s", diff)
	}
}

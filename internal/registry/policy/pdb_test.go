package policy

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func pdb(mut func(*policyv1.PodDisruptionBudgetSpec)) *policyv1.PodDisruptionBudget {
	p := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", ResourceVersion: "1"},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: ptr.To(intstr.FromString("50%")),
			Selector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		},
	}
	if mut != nil {
		mut(&p.Spec)
	}
	return p
}

func TestValidatePodDisruptionBudget(t *testing.T) {
	tests := []struct {
		name string
		p    *policyv1.PodDisruptionBudget
		want []string
	}{
		{"valid", pdb(nil), nil},
		{"both set", pdb(func(s *policyv1.PodDisruptionBudgetSpec) { s.MaxUnavailable = ptr.To(intstr.FromInt32(1)) }), []string{"FieldValueInvalid spec"}},
		{"negative", pdb(func(s *policyv1.PodDisruptionBudgetSpec) { s.MinAvailable = ptr.To(intstr.FromInt32(-1)) }), []string{"FieldValueInvalid spec.minAvailable"}},
		{"over 100%", pdb(func(s *policyv1.PodDisruptionBudgetSpec) {
			s.MinAvailable = nil
			s.MaxUnavailable = ptr.To(intstr.FromString("150%"))
		}), []string{"FieldValueInvalid spec.maxUnavailable"}},
		{"bad selector", pdb(func(s *policyv1.PodDisruptionBudgetSpec) { s.Selector.MatchLabels = map[string]string{"-": "x"} }),
			[]string{"FieldValueInvalid spec.selector.matchLabels"}},
		{"bad eviction policy", pdb(func(s *policyv1.PodDisruptionBudgetSpec) {
			s.UnhealthyPodEvictionPolicy = ptr.To(policyv1.UnhealthyPodEvictionPolicyType("Never"))
		}), []string{"FieldValueNotSupported spec.unhealthyPodEvictionPolicy"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, errSummary(ValidatePodDisruptionBudget(tc.p))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
	upd := pdb(func(s *policyv1.PodDisruptionBudgetSpec) { s.MinAvailable = ptr.To(intstr.FromInt32(2)) })
	if errs := ValidatePodDisruptionBudgetUpdate(upd, pdb(nil)); len(errs) != 0 {
		t.Errorf("spec update: %v", errs)
	}
	st := pdb(nil)
	st.Status.DisruptionsAllowed = -1
	if diff := cmp.Diff([]string{"FieldValueInvalid status.disruptionsAllowed"}, errSummary(ValidatePodDisruptionBudgetStatusUpdate(st, pdb(nil)))); diff != "" {
		t.Errorf("status (-want +got):\n%s", diff)
	}
}

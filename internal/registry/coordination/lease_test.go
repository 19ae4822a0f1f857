package coordination

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestValidateLease(t *testing.T) {
	lease := func(mut func(*coordinationv1.LeaseSpec)) *coordinationv1.Lease {
		l := &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: "node-1", Namespace: "kube-node-lease"},
			Spec:       coordinationv1.LeaseSpec{HolderIdentity: ptr.To("node-1"), LeaseDurationSeconds: ptr.To[int32](40)},
		}
		mut(&l.Spec)
		return l
	}
	tests := []struct {
		name string
		l    *coordinationv1.Lease
		want []string
	}{
		{"valid", lease(func(*coordinationv1.LeaseSpec) {}), nil},
		{"zero duration", lease(func(s *coordinationv1.LeaseSpec) { s.LeaseDurationSeconds = ptr.To[int32](0) }), []string{"FieldValueInvalid spec.leaseDurationSeconds"}},
		{"negative transitions", lease(func(s *coordinationv1.LeaseSpec) { s.LeaseTransitions = ptr.To[int32](-1) }), []string{"FieldValueInvalid spec.leaseTransitions"}},
		{"unknown strategy", lease(func(s *coordinationv1.LeaseSpec) {
			s.Strategy = ptr.To(coordinationv1.CoordinatedLeaseStrategy("Newest"))
		}),
			[]string{"FieldValueNotSupported spec.strategy.strategy"}},
		{"custom strategy", lease(func(s *coordinationv1.LeaseSpec) {
			s.Strategy = ptr.To(coordinationv1.CoordinatedLeaseStrategy("example.com/mine"))
		}), nil},
		{"preferred holder without strategy", lease(func(s *coordinationv1.LeaseSpec) { s.PreferredHolder = ptr.To("x") }),
			[]string{"FieldValueForbidden spec.preferredHolder"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, errSummary(ValidateLease(tc.l))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

package rbac

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestValidateRoles(t *testing.T) {
	rule := func(mut func(*rbacv1.PolicyRule)) []rbacv1.PolicyRule {
		r := rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}}
		mut(&r)
		return []rbacv1.PolicyRule{r}
	}
	role := func(rules []rbacv1.PolicyRule) *rbacv1.Role {
		return &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "ns"}, Rules: rules}
	}
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"valid role", errSummary(ValidateRole(role(rule(func(*rbacv1.PolicyRule) {})))), nil},
		{"no verbs", errSummary(ValidateRole(role(rule(func(r *rbacv1.PolicyRule) { r.Verbs = nil })))), []string{"FieldValueRequired rules[0].verbs"}},
		{"no groups or resources", errSummary(ValidateRole(role(rule(func(r *rbacv1.PolicyRule) { r.APIGroups, r.Resources = nil, nil })))),
			[]string{"FieldValueRequired rules[0].apiGroups", "FieldValueRequired rules[0].resources"}},
		{"urls in role", errSummary(ValidateRole(role(rule(func(r *rbacv1.PolicyRule) { r.NonResourceURLs = []string{"/healthz"} })))),
			[]string{"FieldValueInvalid rules[0].nonResourceURLs", "FieldValueInvalid rules[0].nonResourceURLs"}},
		{"urls in cluster role", errSummary(ValidateClusterRole(&rbacv1.ClusterRole{
			ObjectMeta: metav1.ObjectMeta{Name: "system:health"},
			Rules:      []rbacv1.PolicyRule{{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz"}}},
		})), nil},
		{"empty aggregation", errSummary(ValidateClusterRole(&rbacv1.ClusterRole{
			ObjectMeta:      metav1.ObjectMeta{Name: "agg"},
			AggregationRule: &rbacv1.AggregationRule{},
		})), []string{"FieldValueRequired aggregationRule.clusterRoleSelectors"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBindings(t *testing.T) {
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "b", Namespace: "ns", ResourceVersion: "1"},
		RoleRef:    rbacv1.RoleRef{Kind: "Role", Name: "r"},
		Subjects: []rbacv1.Subject{
			{Kind: rbacv1.UserKind, Name: "alice"},
			{Kind: rbacv1.GroupKind, Name: "devs"},
			{Kind: rbacv1.ServiceAccountKind, Name: "sa", Namespace: "ns"},
		},
	}
	DefaultRoleBinding(rb)
	wantSubjects := []rbacv1.Subject{
		{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "alice"},
		{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "devs"},
		{Kind: rbacv1.ServiceAccountKind, Name: "sa", Namespace: "ns"},
	}
	if diff := cmp.Diff(wantSubjects, rb.Subjects); diff != "" {
		t.Errorf("subject defaults (-want +got):\n%s", diff)
	}
	if rb.RoleRef.APIGroup != rbacv1.GroupName {
		t.Errorf("roleRef.apiGroup = %q", rb.RoleRef.APIGroup)
	}
	if errs := ValidateRoleBinding(rb); len(errs) != 0 {
		t.Errorf("valid binding: %v", errs)
	}
	bad := rb.DeepCopy()
	bad.RoleRef.Kind = "Other"
	bad.Subjects = append(bad.Subjects, rbacv1.Subject{Kind: "Robot", Name: "r2"}, rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, APIGroup: "x", Name: ""})
	want := []string{
		"FieldValueNotSupported roleRef.kind",
		"FieldValueNotSupported subjects[3].kind",
		"FieldValueRequired subjects[4].name",
		"FieldValueNotSupported subjects[4].apiGroup",
	}
	if diff := cmp.Diff(want, errSummary(ValidateRoleBinding(bad))); diff != "" {
		t.Errorf("invalid binding (-want +got):\n%s", diff)
	}
	changed := rb.DeepCopy()
	changed.RoleRef.Name = "other"
	if diff := cmp.Diff([]string{"FieldValueInvalid roleRef"}, errSummary(ValidateRoleBindingUpdate(changed, rb))); diff != "" {
		t.Errorf("roleRef change (-want +got):\n%s", diff)
	}

	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "b"},
		RoleRef:    rbacv1.RoleRef{Kind: "Role", Name: "r"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "sa"}},
	}
	DefaultClusterRoleBinding(crb)
	want = []string{"FieldValueNotSupported roleRef.kind", "FieldValueRequired subjects[0].namespace"}
	if diff := cmp.Diff(want, errSummary(ValidateClusterRoleBinding(crb))); diff != "" {
		t.Errorf("cluster binding (-want +got):\n%s", diff)
	}
}

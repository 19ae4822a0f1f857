package serviceaccount

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

func namespace(phase corev1.NamespacePhase) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ns"}, Status: corev1.NamespaceStatus{Phase: phase}}
}

func TestReconcile(t *testing.T) {
	terminatingErr := &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: 403, Reason: metav1.StatusReasonForbidden,
		Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{{Type: corev1.NamespaceTerminatingCause}}}}}
	deleting := namespace(corev1.NamespaceActive)
	deleting.DeletionTimestamp = ptr.To(metav1.Unix(1, 0))
	for _, tc := range []struct {
		name        string
		ns          *corev1.Namespace
		existing    bool
		createErr   error
		wantCreated []string
		wantErr     bool
	}{
		{name: "active namespace without default gets it", ns: namespace(corev1.NamespaceActive), wantCreated: []string{"ns/default"}},
		{name: "default already there", ns: namespace(corev1.NamespaceActive), existing: true},
		{name: "terminating namespace is skipped", ns: namespace(corev1.NamespaceTerminating)},
		{name: "namespace with a deletionTimestamp is skipped", ns: deleting},
		{name: "namespace gone", ns: nil},
		{name: "created meanwhile", ns: namespace(corev1.NamespaceActive), createErr: apierrors.NewAlreadyExists(schema.GroupResource{Resource: "serviceaccounts"}, "default"),
			wantCreated: []string{"ns/default"}},
		{name: "namespace began terminating meanwhile", ns: namespace(corev1.NamespaceActive), createErr: terminatingErr,
			wantCreated: []string{"ns/default"}},
		{name: "other failures are retried", ns: namespace(corev1.NamespaceActive), createErr: apierrors.NewTimeoutError("slow", 1),
			wantCreated: []string{"ns/default"}, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var created []string
			d := Deps{
				GetNamespace: func(name string) (*corev1.Namespace, error) {
					if tc.ns == nil {
						return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, name)
					}
					return tc.ns, nil
				},
				GetServiceAccount: func(ns, name string) (*corev1.ServiceAccount, error) {
					if tc.existing {
						return &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}, nil
					}
					return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "serviceaccounts"}, name)
				},
				Create: func(_ context.Context, sa *corev1.ServiceAccount) error {
					created = append(created, sa.Namespace+"/"+sa.Name)
					return tc.createErr
				},
			}
			err := reconcile(t.Context(), d, "ns")
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.wantCreated, created); diff != "" {
				t.Errorf("created (-want +got):\n%s", diff)
			}
		})
	}
}

package integration

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/testutil"
)

func TestNamespaceLifecycle(t *testing.T) {
	srv := testutil.StartServer(t)
	c := srv.Client(t)
	ctx := t.Context()

	t.Run("create into a missing namespace", func(t *testing.T) {
		_, err := c.CoreV1().ConfigMaps("no-such-ns").Create(ctx, configMap("x"), metav1.CreateOptions{})
		st := wantStatus(t, err, 404, metav1.StatusReasonNotFound)
		want := &metav1.StatusDetails{Name: "no-such-ns", Kind: "namespaces"}
		if diff := cmp.Diff(want, st.Details); diff != "" {
			t.Errorf("details (-want +got):\n%s", diff)
		}
	})

	t.Run("system namespaces cannot be deleted", func(t *testing.T) {
		for _, ns := range []string{"default", "kube-system", "kube-public"} {
			err := c.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})
			wantStatus(t, err, 403, metav1.StatusReasonForbidden)
			got, err := c.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
			if err != nil || got.DeletionTimestamp != nil {
				t.Errorf("namespace %s after refused delete: %v, deletionTimestamp %v", ns, err, got.DeletionTimestamp)
			}
		}
	})

	t.Run("terminating namespace", func(t *testing.T) {
		ns := newNamespace(t, c)
		got, err := c.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]corev1.FinalizerName{corev1.FinalizerKubernetes}, got.Spec.Finalizers); diff != "" {
			t.Errorf("spec.finalizers (-want +got):\n%s", diff)
		}
		if _, err := c.CoreV1().ConfigMaps(ns).Create(ctx, configMap("inside"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := c.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		got, err = c.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("namespace gone at once: %v", err)
		}
		if got.DeletionTimestamp == nil || got.Status.Phase != corev1.NamespaceTerminating {
			t.Errorf("deletionTimestamp=%v phase=%s, want set and Terminating", got.DeletionTimestamp, got.Status.Phase)
		}

		_, err = c.CoreV1().ConfigMaps(ns).Create(ctx, configMap("late"), metav1.CreateOptions{})
		st := wantStatus(t, err, 403, metav1.StatusReasonForbidden)
		if st.Details == nil || len(st.Details.Causes) == 0 || st.Details.Causes[0].Type != corev1.NamespaceTerminatingCause {
			t.Errorf("details = %+v, want cause %s", st.Details, corev1.NamespaceTerminatingCause)
		}
		// Updates and deletes inside a terminating namespace still work.
		cm, err := c.CoreV1().ConfigMaps(ns).Get(ctx, "inside", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cm.Data = map[string]string{"k": "v"}
		if _, err := c.CoreV1().ConfigMaps(ns).Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
			t.Errorf("update in terminating namespace: %v", err)
		}
		if err := c.CoreV1().ConfigMaps(ns).Delete(ctx, "inside", metav1.DeleteOptions{}); err != nil {
			t.Errorf("delete in terminating namespace: %v", err)
		}

		// Finalize: drop the kubernetes finalizer; the namespace then goes.
		got, err = c.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got.Spec.Finalizers = nil
		fin, err := c.CoreV1().Namespaces().Finalize(ctx, got, metav1.UpdateOptions{})
		if err != nil {
			t.Fatalf("finalize: %v", err)
		}
		if len(fin.Spec.Finalizers) != 0 {
			t.Errorf("finalize returned finalizers %v", fin.Spec.Finalizers)
		}
		poll(t, "namespace removal", func(ctx context.Context) (bool, error) {
			_, err := c.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return true, nil
			}
			return false, err
		})
	})

	t.Run("finalize sets spec.finalizers, update does not", func(t *testing.T) {
		ns := newNamespace(t, c)
		got, err := c.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got.Spec.Finalizers = append(got.Spec.Finalizers, "example.com/extra")
		fin, err := c.CoreV1().Namespaces().Finalize(ctx, got, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]corev1.FinalizerName{corev1.FinalizerKubernetes, "example.com/extra"}, fin.Spec.Finalizers); diff != "" {
			t.Errorf("finalizers (-want +got):\n%s", diff)
		}
		// Main update does not change spec.finalizers.
		fin.Spec.Finalizers = nil
		upd, err := c.CoreV1().Namespaces().Update(ctx, fin, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(upd.Spec.Finalizers) != 2 {
			t.Errorf("update changed spec.finalizers to %v", upd.Spec.Finalizers)
		}
	})
}

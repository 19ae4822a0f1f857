package integration

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/internal/testutil"
)

// serviceAccountDefault waits for namespace ns's default ServiceAccount
// and returns its UID.
func serviceAccountDefault(t *testing.T, c kubernetes.Interface, ns string) types.UID {
	t.Helper()
	var uid types.UID
	poll(t, "the default serviceaccount in "+ns, func(ctx context.Context) (bool, error) {
		sa, err := c.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		uid = sa.UID
		return true, nil
	})
	return uid
}

// Every namespace, new or built in, gets a default ServiceAccount, which
// comes back when deleted.
func TestServiceAccountDefault(t *testing.T) {
	c := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"serviceaccount"}}).Client(t)
	ctx := t.Context()
	for _, ns := range []string{"default", "kube-system"} {
		serviceAccountDefault(t, c, ns)
	}
	ns := newNamespace(t, c)
	first := serviceAccountDefault(t, c, ns)
	if err := c.CoreV1().ServiceAccounts(ns).Delete(ctx, "default", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "the default serviceaccount to come back", func(ctx context.Context) (bool, error) {
		sa, err := c.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil && sa.UID != first, err
	})
}

// The controller does not hold up a namespace's deletion by recreating
// its ServiceAccount.
func TestServiceAccountTerminatingNamespace(t *testing.T) {
	c := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"serviceaccount", "namespace"}}).Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	serviceAccountDefault(t, c, ns)
	if err := c.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "the namespace to be deleted", func(ctx context.Context) (bool, error) {
		_, err := c.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	})
}

package serviceaccount

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Deps are what reconcile needs, as small functions so tests need no
// fakes of whole clients.
type Deps struct {
	// GetNamespace and GetServiceAccount read the informers' caches.
	GetNamespace      func(name string) (*corev1.Namespace, error)
	GetServiceAccount func(namespace, name string) (*corev1.ServiceAccount, error)
	Create            func(ctx context.Context, sa *corev1.ServiceAccount) error
}

// ensured are the ServiceAccounts every active namespace gets.
var ensured = []string{"default"}

// reconcile creates the missing ensured ServiceAccounts of namespace ns.
func reconcile(ctx context.Context, d Deps, ns string) error {
	namespace, err := d.GetNamespace(ns)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if namespace.Status.Phase != corev1.NamespaceActive || namespace.DeletionTimestamp != nil {
		return nil
	}
	var errs []error
	for _, name := range ensured {
		_, err := d.GetServiceAccount(ns, name)
		if err == nil {
			continue
		}
		if !apierrors.IsNotFound(err) {
			return err
		}
		err = d.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}})
		switch {
		case err == nil, apierrors.IsAlreadyExists(err):
		case apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause):
			// The namespace started terminating meanwhile.
		default:
			errs = append(errs, fmt.Errorf("create serviceaccount %s/%s: %w", ns, name, err))
		}
	}
	return errors.Join(errs...)
}

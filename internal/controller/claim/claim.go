package claim

import (
	"context"
	"encoding/json"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// Manager claims objects for one owner.
type Manager struct {
	Owner     metav1.Object
	OwnerKind schema.GroupVersionKind
	Selector  labels.Selector
	// CanAdopt re-reads the owner from the API (not the cache) and fails if
	// it is gone, has another UID or is being deleted; it is called at most
	// once, before the first adoption.
	CanAdopt func(ctx context.Context) error
	// Patch applies a strategic merge patch to the named object in the
	// owner's namespace.
	Patch func(ctx context.Context, name string, patch []byte) error

	adoptErr  error
	adoptDone bool
}

// Claim returns the objects owner controls after adopting matching orphans
// and releasing owned objects that no longer match. Objects controlled by
// another owner are left alone. Errors from individual patches are
// returned together with the objects claimed so far.
func Claim[T metav1.Object](ctx context.Context, m *Manager, objs []T) ([]T, error) {
	var out []T
	var errs []error
	for _, o := range objs {
		ok, err := m.claimOne(ctx, o)
		if err != nil {
			errs = append(errs, err)
		}
		if ok {
			out = append(out, o)
		}
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("claim %s %s/%s: %w", m.OwnerKind.Kind, m.Owner.GetNamespace(), m.Owner.GetName(), joinErrs(errs))
	}
	return out, nil
}

func (m *Manager) claimOne(ctx context.Context, o metav1.Object) (bool, error) {
	match := m.Selector.Matches(labels.Set(o.GetLabels()))
	if ref := metav1.GetControllerOfNoCopy(o); ref != nil {
		if ref.UID != m.Owner.GetUID() {
			return false, nil
		}
		if match {
			return true, nil
		}
		if m.Owner.GetDeletionTimestamp() != nil {
			// A deleting owner keeps what it has; the garbage collector
			// decides.
			return false, nil
		}
		err := m.release(ctx, o)
		if apierrors.IsNotFound(err) {
			err = nil
		}
		return false, err
	}
	if !match || m.Owner.GetDeletionTimestamp() != nil || o.GetDeletionTimestamp() != nil {
		return false, nil
	}
	if err := m.adopt(ctx, o); err != nil {
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

func (m *Manager) adopt(ctx context.Context, o metav1.Object) error {
	if !m.adoptDone {
		m.adoptDone = true
		if m.CanAdopt != nil {
			m.adoptErr = m.CanAdopt(ctx)
		}
	}
	if m.adoptErr != nil {
		return fmt.Errorf("cannot adopt %s: %w", o.GetName(), m.adoptErr)
	}
	ref := metav1.OwnerReference{
		APIVersion: m.OwnerKind.GroupVersion().String(), Kind: m.OwnerKind.Kind,
		Name: m.Owner.GetName(), UID: m.Owner.GetUID(),
		Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"ownerReferences": []metav1.OwnerReference{ref}, "uid": o.GetUID()}})
	if err != nil {
		return err
	}
	return m.Patch(ctx, o.GetName(), patch)
}

func (m *Manager) release(ctx context.Context, o metav1.Object) error {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"ownerReferences": []map[string]any{{"$patch": "delete", "uid": m.Owner.GetUID()}}, "uid": o.GetUID()}})
	if err != nil {
		return err
	}
	return m.Patch(ctx, o.GetName(), patch)
}

// OwnerCheck returns a CanAdopt func from a fresh read of the owner.
func OwnerCheck(uid types.UID, get func(ctx context.Context) (metav1.Object, error)) func(context.Context) error {
	return func(ctx context.Context) error {
		fresh, err := get(ctx)
		if err != nil {
			return err
		}
		if fresh.GetUID() != uid {
			return fmt.Errorf("owner %s has been replaced (uid %s, want %s)", fresh.GetName(), fresh.GetUID(), uid)
		}
		if fresh.GetDeletionTimestamp() != nil {
			return fmt.Errorf("owner %s is being deleted", fresh.GetName())
		}
		return nil
	}
}

func joinErrs(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return fmt.Errorf("%w (and %d more)", errs[0], len(errs)-1)
}

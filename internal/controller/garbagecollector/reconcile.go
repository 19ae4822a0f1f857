package garbagecollector

import (
	"context"
	"errors"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Deps are what the collector's decisions need, as small functions so
// tests need no fakes of whole clients.
type Deps struct {
	// Namespaced reports whether apiVersion/kind is a namespaced resource;
	// it fails for kinds the server does not serve.
	Namespaced func(apiVersion, kind string) (bool, error)
	// Get returns the live metadata of ref (its Namespace is ignored for
	// cluster-scoped kinds); NotFound when there is none.
	Get func(ctx context.Context, ref objectRef) (*metav1.PartialObjectMetadata, error)
	// Delete deletes ref as seen in latest (UID precondition, and its
	// resourceVersion unless only fields other than ownerReferences
	// changed since) with policy.
	Delete func(ctx context.Context, ref objectRef, latest *metav1.PartialObjectMetadata, policy metav1.DeletionPropagation) error
	// EditOwnerRefs rewrites ref's ownerReferences with edit, on the
	// latest version of ref.
	EditOwnerRefs func(ctx context.Context, ref objectRef, edit func([]metav1.OwnerReference) []metav1.OwnerReference) error
	// RemoveFinalizer removes finalizer from ref (nothing when absent).
	RemoveFinalizer func(ctx context.Context, ref objectRef, finalizer string) error
	// Gone tells the graph that ref does not exist (a "virtual delete").
	Gone func(ref objectRef)
	// Enqueue asks for uid to be looked at by attemptToDelete.
	Enqueue func(uid types.UID)
	// Warn records a Warning event about ref.
	Warn   func(ref objectRef, reason, message string)
	Absent *absentOwners
}

// outcome tells the worker whether to look at an item again.
type outcome int

const (
	done outcome = iota
	// recheck: the item is a virtual node that exists but was not seen by
	// an informer yet; look again later.
	recheck
)

// errClusterScopedDependent marks a cluster-scoped object referring to a
// namespaced owner; retrying cannot help.
var errClusterScopedDependent = errors.New("cluster-scoped objects cannot refer to namespaced owners")

// attemptToDelete decides, from the live state of it and of its owners,
// whether it is garbage, and acts: it deletes it when all owners are
// gone, drops references to gone owners when some remain, and for an item
// being deleted in the foreground removes its finalizer once no blocking
// dependent is left.
func attemptToDelete(ctx context.Context, d Deps, it item) (outcome, error) {
	if it.beingDeleted && !it.deletingDependents {
		// Deletion is under way; its dependents are looked at once it is gone.
		return done, nil
	}
	latest, err := d.Get(ctx, it.ref)
	if apierrors.IsNotFound(err) || (err == nil && latest.UID != it.ref.UID) {
		d.Gone(it.ref)
		return done, nil
	}
	if err != nil {
		return done, fmt.Errorf("get %s: %w", it.ref, err)
	}
	if it.deletingDependents {
		return done, deleteDependents(ctx, d, it)
	}
	refs := latest.OwnerReferences
	if len(refs) == 0 {
		return again(it), nil
	}
	solid, dangling, waiting, err := classify(ctx, d, it, refs)
	if errors.Is(err, errClusterScopedDependent) {
		return done, nil
	}
	if err != nil {
		return done, err
	}
	switch {
	case len(solid) > 0:
		if len(dangling) == 0 && len(waiting) == 0 {
			return again(it), nil
		}
		// Owners waiting for their dependents' deletion must not wait on
		// an object that stays: drop those references with the dangling ones.
		drop := uids(append(dangling, waiting...))
		err := d.EditOwnerRefs(ctx, it.ref, func(refs []metav1.OwnerReference) []metav1.OwnerReference {
			return slices.DeleteFunc(refs, func(r metav1.OwnerReference) bool { return slices.Contains(drop, r.UID) })
		})
		if apierrors.IsNotFound(err) {
			return done, nil
		}
		return again(it), err
	case len(waiting) > 0 && len(it.dependents) > 0:
		// An owner is deleted in the foreground and this item has
		// dependents of its own: delete it in the foreground too. A
		// dependent that is itself deleting dependents may be part of a
		// cycle; unblock our references so the owners cannot deadlock.
		if slices.ContainsFunc(it.dependents, func(dep dependent) bool { return dep.deletingDependents }) {
			err := d.EditOwnerRefs(ctx, it.ref, func(refs []metav1.OwnerReference) []metav1.OwnerReference {
				for i := range refs {
					if refs[i].BlockOwnerDeletion != nil && *refs[i].BlockOwnerDeletion {
						f := false
						refs[i].BlockOwnerDeletion = &f
					}
				}
				return refs
			})
			if err != nil && !apierrors.IsNotFound(err) {
				return done, err
			}
		}
		return deleteItem(ctx, d, it, latest, metav1.DeletePropagationForeground)
	default:
		// No owner remains: the item is garbage. Honour a propagation
		// policy already chosen for it.
		policy := metav1.DeletePropagationBackground
		switch {
		case slices.Contains(latest.Finalizers, metav1.FinalizerOrphanDependents):
			policy = metav1.DeletePropagationOrphan
		case slices.Contains(latest.Finalizers, metav1.FinalizerDeleteDependents):
			policy = metav1.DeletePropagationForeground
		}
		return deleteItem(ctx, d, it, latest, policy)
	}
}

// again is done for observed items and recheck for virtual ones, which are
// polled until an informer sees them or the server says they are gone.
func again(it item) outcome {
	if it.virtual {
		return recheck
	}
	return done
}

func deleteItem(ctx context.Context, d Deps, it item, latest *metav1.PartialObjectMetadata, policy metav1.DeletionPropagation) (outcome, error) {
	err := d.Delete(ctx, it.ref, latest, policy)
	if apierrors.IsNotFound(err) {
		d.Gone(it.ref)
		return done, nil
	}
	if err != nil {
		return done, fmt.Errorf("delete %s: %w", it.ref, err)
	}
	return again(it), nil
}

// deleteDependents handles an item deleted in the foreground: it removes
// the foregroundDeletion finalizer once no dependent blocks it, and until
// then makes sure each blocking dependent is being looked at.
func deleteDependents(ctx context.Context, d Deps, it item) error {
	blocking := 0
	for _, dep := range it.dependents {
		if !dep.blocking {
			continue
		}
		blocking++
		if !dep.deletingDependents {
			d.Enqueue(dep.ref.UID)
		}
	}
	if blocking > 0 {
		return nil
	}
	err := d.RemoveFinalizer(ctx, it.ref, metav1.FinalizerDeleteDependents)
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("remove %s finalizer from %s: %w", metav1.FinalizerDeleteDependents, it.ref, err)
	}
	return nil
}

// classify sorts it's owner references: solid (owner exists and is not
// being deleted in the foreground), dangling (owner does not exist) and
// waiting (owner is being deleted in the foreground).
func classify(ctx context.Context, d Deps, it item, refs []metav1.OwnerReference) (solid, dangling, waiting []metav1.OwnerReference, err error) {
	for _, ref := range refs {
		owner, err := lookupOwner(ctx, d, it, ref)
		if err != nil {
			return nil, nil, nil, err
		}
		switch {
		case owner == nil:
			dangling = append(dangling, ref)
		case owner.DeletionTimestamp != nil && slices.Contains(owner.Finalizers, metav1.FinalizerDeleteDependents):
			waiting = append(waiting, ref)
		default:
			solid = append(solid, ref)
		}
	}
	return solid, dangling, waiting, nil
}

// lookupOwner returns the owner ref names, or nil when it does not exist
// (no object, or one with another UID). A namespaced owner is looked up in
// the dependent's namespace: owners in other namespaces are absent.
func lookupOwner(ctx context.Context, d Deps, it item, ref metav1.OwnerReference) (*metav1.PartialObjectMetadata, error) {
	key := refTo(ref, "")
	if d.Absent.has(key) {
		return nil, nil
	}
	key.Namespace = it.ref.Namespace
	if d.Absent.has(key) {
		return nil, nil
	}
	namespaced, err := d.Namespaced(ref.APIVersion, ref.Kind)
	if err != nil {
		return nil, fmt.Errorf("owner %s of %s: %w", key, it.ref, err)
	}
	if !namespaced {
		key.Namespace = ""
	} else if it.ref.Namespace == "" {
		d.Warn(it.ref, reasonInvalidNamespace, fmt.Sprintf("ownerRef %s does not exist in namespace %q", key, it.ref.Namespace))
		return nil, errClusterScopedDependent
	}
	owner, err := d.Get(ctx, key)
	if apierrors.IsNotFound(err) || (err == nil && owner.UID != ref.UID) {
		d.Absent.add(key)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get owner %s of %s: %w", key, it.ref, err)
	}
	return owner, nil
}

// attemptToOrphan removes it from its dependents' ownerReferences, then
// removes the orphan finalizer that asked for it.
func attemptToOrphan(ctx context.Context, d Deps, it item) error {
	var errs []error
	for _, dep := range it.dependents {
		err := d.EditOwnerRefs(ctx, dep.ref, func(refs []metav1.OwnerReference) []metav1.OwnerReference {
			return slices.DeleteFunc(refs, func(r metav1.OwnerReference) bool { return r.UID == it.ref.UID })
		})
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("orphan %s: %w", dep.ref, err))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	err := d.RemoveFinalizer(ctx, it.ref, metav1.FinalizerOrphanDependents)
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("remove %s finalizer from %s: %w", metav1.FinalizerOrphanDependents, it.ref, err)
	}
	return nil
}

func uids(refs []metav1.OwnerReference) []types.UID {
	out := make([]types.UID, 0, len(refs))
	for _, r := range refs {
		out = append(out, r.UID)
	}
	return out
}

// reasonInvalidNamespace is upstream's event reason for references to an
// owner that cannot be in the dependent's namespace.
const reasonInvalidNamespace = "OwnerRefInvalidNamespace"

package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/berth-dev/berth/internal/storage"
)

// Deletion finalizers the garbage collector acts on.
const (
	FinalizerOrphan     = metav1.FinalizerOrphanDependents
	FinalizerForeground = metav1.FinalizerDeleteDependents
)

// Delete removes an object, or starts its deletion: graceful deletion sets
// deletionTimestamp and a grace period; remaining finalizers keep the
// object until they are removed. deleted reports that the object is gone.
func (s *Store) Delete(ctx context.Context, namespace, name string, opts *metav1.DeleteOptions, dryRun bool) (obj runtime.Object, deleted bool, err error) {
	if opts == nil {
		opts = &metav1.DeleteOptions{}
	}
	if opts.GracePeriodSeconds != nil && *opts.GracePeriodSeconds < 0 {
		zero := int64(0)
		opts.GracePeriodSeconds = &zero
	}
	if errs := metav1validation.ValidateDeleteOptions(opts); len(errs) > 0 {
		return nil, false, apierrors.NewInvalid(schema.GroupKind{Group: metav1.GroupName, Kind: "DeleteOptions"}, "", errs)
	}
	if s.hooks.BeforeDelete != nil {
		if err := s.hooks.BeforeDelete(ctx, s.res, namespace, name); err != nil {
			return nil, false, err
		}
	}
	key := s.res.Key(namespace, name)
	for range maxUpdateAttempts {
		obj, deleted, err = s.tryDelete(ctx, key, name, opts, dryRun)
		if !errors.Is(err, errRetry) {
			return obj, deleted, err
		}
	}
	return nil, false, apierrors.NewConflict(s.res.GroupResource(), name, errors.New(OptimisticLockErrorMsg))
}

func (s *Store) tryDelete(ctx context.Context, key, name string, opts *metav1.DeleteOptions, dryRun bool) (runtime.Object, bool, error) {
	kv, err := s.storage.Get(ctx, key)
	if err != nil {
		return nil, false, s.storageError(err, name)
	}
	obj, err := s.decode(kv)
	if err != nil {
		return nil, false, apierrors.NewInternalError(err)
	}
	m, _ := meta.Accessor(obj)
	if p := opts.Preconditions; p != nil {
		if p.UID != nil && *p.UID != m.GetUID() {
			return nil, false, apierrors.NewConflict(s.res.GroupResource(), name,
				fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", *p.UID, m.GetUID()))
		}
		if p.ResourceVersion != nil && *p.ResourceVersion != m.GetResourceVersion() {
			return nil, false, apierrors.NewConflict(s.res.GroupResource(), name,
				fmt.Errorf("Precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", *p.ResourceVersion, m.GetResourceVersion()))
		}
	}

	changed := s.updateDeletionFinalizers(m, opts)
	grace, graceful := int64(0), false
	if gp := s.res.Strategy.GracePeriod; gp != nil {
		grace, graceful = gp(obj, opts.GracePeriodSeconds)
	}
	if ts := m.GetDeletionTimestamp(); ts != nil {
		// Already being deleted: a shorter grace period moves the deadline
		// earlier; a longer one is ignored.
		cur := m.GetDeletionGracePeriodSeconds()
		if graceful || (cur != nil && *cur > 0) {
			if cur == nil || grace >= *cur {
				if !changed {
					return obj, false, nil
				}
			} else {
				s.markDeleting(m, grace)
				changed = true
			}
		}
		if !changed && len(m.GetFinalizers()) > 0 {
			return obj, false, nil
		}
	} else if graceful || len(m.GetFinalizers()) > 0 {
		if !graceful {
			grace = 0
		}
		s.markDeleting(m, grace)
		changed = true
		if gen := m.GetGeneration(); gen > 0 {
			m.SetGeneration(gen + 1)
		}
	}
	held := false
	if f := s.res.Strategy.Finalizing; f != nil {
		if held = f(obj); held && m.GetDeletionTimestamp() == nil {
			s.markDeleting(m, 0)
			changed = true
		}
	}
	stillThere := held || len(m.GetFinalizers()) > 0 || (m.GetDeletionGracePeriodSeconds() != nil && *m.GetDeletionGracePeriodSeconds() > 0)
	if stillThere {
		if dryRun {
			return obj, false, nil
		}
		if changed {
			data, err := s.encode(obj)
			if err != nil {
				return nil, false, apierrors.NewInternalError(err)
			}
			rev, _, err := s.storage.OptimisticPut(ctx, key, data, kv.ModRevision)
			if err != nil {
				return nil, false, s.conflictOrError(err, name, false)
			}
			m.SetResourceVersion(strconv.FormatInt(rev, 10))
		}
		return obj, false, nil
	}
	if dryRun {
		return obj, true, nil
	}
	rev, _, err := s.storage.OptimisticDelete(ctx, key, kv.ModRevision)
	if err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return nil, false, apierrors.NewNotFound(s.res.GroupResource(), name)
		}
		return nil, false, s.conflictOrError(err, name, false)
	}
	_ = setResourceVersion(obj, rev)
	s.afterDelete(ctx, obj)
	return obj, true, nil
}

func (s *Store) markDeleting(m metav1.Object, grace int64) {
	now := metav1.NewTime(s.clock.Now().Add(secondsDuration(grace)).Truncate(1e9))
	m.SetDeletionTimestamp(&now)
	m.SetDeletionGracePeriodSeconds(&grace)
}

// updateDeletionFinalizers adds or removes the garbage collector's
// finalizers according to the propagation policy, as upstream does.
func (s *Store) updateDeletionFinalizers(m metav1.Object, opts *metav1.DeleteOptions) bool {
	policy := opts.PropagationPolicy
	if policy == nil && opts.OrphanDependents != nil { //nolint:staticcheck // legacy field still accepted
		p := metav1.DeletePropagationBackground
		if *opts.OrphanDependents { //nolint:staticcheck
			p = metav1.DeletePropagationOrphan
		}
		policy = &p
	}
	if policy == nil {
		return false
	}
	fins := m.GetFinalizers()
	before := slices.Clone(fins)
	fins = slices.DeleteFunc(fins, func(f string) bool { return f == FinalizerOrphan || f == FinalizerForeground })
	switch *policy {
	case metav1.DeletePropagationOrphan:
		fins = append(fins, FinalizerOrphan)
	case metav1.DeletePropagationForeground:
		fins = append(fins, FinalizerForeground)
	}
	if slices.Equal(before, fins) {
		return false
	}
	m.SetFinalizers(fins)
	return true
}

func (s *Store) afterDelete(ctx context.Context, obj runtime.Object) {
	if s.hooks.AfterDelete != nil {
		s.hooks.AfterDelete(ctx, s.res, obj)
	}
}

// DeleteCollection deletes every object matching opts in namespace and
// returns the list of what was deleted or marked for deletion.
func (s *Store) DeleteCollection(ctx context.Context, namespace string, listOpts *metav1.ListOptions, opts *metav1.DeleteOptions, dryRun bool) (runtime.Object, error) {
	lo := *listOpts
	lo.ResourceVersion, lo.Limit, lo.Continue = "", 0, ""
	list, err := s.List(ctx, namespace, &lo)
	if err != nil {
		return nil, err
	}
	items, err := meta.ExtractList(list)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	var out []runtime.Object
	for _, item := range items {
		m, _ := meta.Accessor(item)
		o := *opts
		uid := m.GetUID()
		o.Preconditions = &metav1.Preconditions{UID: &uid}
		obj, _, err := s.Delete(ctx, m.GetNamespace(), m.GetName(), &o, dryRun)
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			continue // gone or replaced meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, obj)
	}
	return s.newList(out, 0, "", nil)
}

// UIDOf returns an object's UID (for Status details).
func UIDOf(obj runtime.Object) types.UID {
	if m, err := meta.Accessor(obj); err == nil {
		return m.GetUID()
	}
	return ""
}

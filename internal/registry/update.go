package registry

import (
	"bytes"
	"context"
	"errors"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/berth-dev/berth/internal/storage"
)

// UpdateFunc computes the new object from the current one. old is a private
// copy (nil when the object does not exist and the write may create it).
// It is called again with a fresh old object after a write conflict.
type UpdateFunc func(ctx context.Context, old runtime.Object) (runtime.Object, error)

// errRetry signals a storage conflict that a retry may resolve.
var errRetry = errors.New("retry")

// maxUpdateAttempts bounds retries of an update that keeps losing races.
const maxUpdateAttempts = 20

// Update replaces an object with what fn returns, applying the rules of the
// subresource written, with optimistic concurrency: a resourceVersion set
// by fn must match the stored one (409 otherwise); without one the update
// is retried on conflicting writes. created reports that the write created
// the object.
func (s *Store) Update(ctx context.Context, namespace, name string, fn UpdateFunc, o WriteOptions) (obj runtime.Object, created bool, err error) {
	key := s.res.Key(namespace, name)
	for range maxUpdateAttempts {
		obj, created, err = s.tryUpdate(ctx, key, name, fn, o)
		if !errors.Is(err, errRetry) {
			return obj, created, err
		}
	}
	return nil, false, apierrors.NewConflict(s.res.GroupResource(), name, errors.New(OptimisticLockErrorMsg))
}

func (s *Store) tryUpdate(ctx context.Context, key, name string, fn UpdateFunc, o WriteOptions) (runtime.Object, bool, error) {
	kv, err := s.storage.Get(ctx, key)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, false, s.storageError(err, name)
	}
	if kv == nil {
		if !o.CreateOnMissing {
			return nil, false, apierrors.NewNotFound(s.res.GroupResource(), name)
		}
		obj, err := fn(ctx, nil)
		if err != nil {
			return nil, false, err
		}
		if m, err := meta.Accessor(obj); err == nil && m.GetResourceVersion() != "" {
			// An update that names a version of an object that is gone.
			return nil, false, apierrors.NewNotFound(s.res.GroupResource(), name)
		}
		obj, err = s.Create(ctx, obj, o)
		if apierrors.IsAlreadyExists(err) {
			return nil, false, errRetry
		}
		return obj, err == nil, err
	}
	old, err := s.decode(kv)
	if err != nil {
		return nil, false, apierrors.NewInternalError(err)
	}
	obj, err := fn(ctx, old.DeepCopyObject())
	if err != nil {
		return nil, false, err
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, false, apierrors.NewBadRequest(err.Error())
	}
	oldMeta, _ := meta.Accessor(old)
	preconditioned := m.GetResourceVersion() != ""
	if preconditioned && m.GetResourceVersion() != oldMeta.GetResourceVersion() {
		return nil, false, apierrors.NewConflict(s.res.GroupResource(), name, errors.New(OptimisticLockErrorMsg))
	}
	m.SetResourceVersion(oldMeta.GetResourceVersion())
	if err := s.prepareForUpdate(obj, old, m, oldMeta, o.Subresource); err != nil {
		return nil, false, err
	}
	if err := s.admitAndValidateUpdate(ctx, obj, old, m, oldMeta, o); err != nil {
		return nil, false, err
	}
	if s.fields != nil && !o.ManagedFieldsDone {
		fm := s.fields[o.Subresource]
		if fm == nil {
			fm = s.fields[""]
		}
		obj = fm.UpdateNoErrors(old, obj, o.FieldManager)
		m, _ = meta.Accessor(obj)
	}
	m.SetResourceVersion(oldMeta.GetResourceVersion())
	if shouldDeleteDuringUpdate(m, oldMeta) && (s.res.Strategy.Finalizing == nil || !s.res.Strategy.Finalizing(obj.DeepCopyObject())) {
		if o.DryRun {
			return obj, false, nil
		}
		rev, _, err := s.storage.OptimisticDelete(ctx, key, kv.ModRevision)
		if err != nil {
			return nil, false, s.conflictOrError(err, name, preconditioned)
		}
		_ = setResourceVersion(obj, rev)
		s.afterDelete(ctx, obj)
		return obj, false, nil
	}
	data, err := s.encode(obj)
	if err != nil {
		return nil, false, apierrors.NewInternalError(err)
	}
	if bytes.Equal(data, kv.Value) {
		return old, false, nil // no-op: nothing written, same resourceVersion
	}
	if o.DryRun {
		return obj, false, nil
	}
	rev, _, err := s.storage.OptimisticPut(ctx, key, data, kv.ModRevision)
	if err != nil {
		if err = s.conflictOrError(err, name, preconditioned); !errors.Is(err, errRetry) {
			s.updateFailed(ctx, obj, old)
		}
		return nil, false, err
	}
	m.SetResourceVersion(strconv.FormatInt(rev, 10))
	if s.hooks.AfterUpdate != nil {
		s.hooks.AfterUpdate(ctx, s.res, obj, old)
	}
	return obj, false, nil
}

func (s *Store) conflictOrError(err error, name string, preconditioned bool) error {
	switch {
	case errors.Is(err, storage.ErrConflict) && preconditioned:
		return apierrors.NewConflict(s.res.GroupResource(), name, errors.New(OptimisticLockErrorMsg))
	case errors.Is(err, storage.ErrConflict), errors.Is(err, storage.ErrNotFound):
		return errRetry
	}
	return s.storageError(err, name)
}

// prepareForUpdate keeps what the written subresource may not change.
func (s *Store) prepareForUpdate(obj, old runtime.Object, m, oldMeta metav1.Object, sub string) error {
	if m.GetNamespace() == "" && s.res.Namespaced {
		m.SetNamespace(oldMeta.GetNamespace())
	}
	if m.GetUID() == "" {
		m.SetUID(oldMeta.GetUID())
	}
	if ts := m.GetCreationTimestamp(); ts.IsZero() {
		m.SetCreationTimestamp(oldMeta.GetCreationTimestamp())
	}
	m.SetDeletionTimestamp(oldMeta.GetDeletionTimestamp())
	m.SetDeletionGracePeriodSeconds(oldMeta.GetDeletionGracePeriodSeconds())
	m.SetGeneration(oldMeta.GetGeneration())
	m.SetSelfLink("")
	switch sub {
	case "":
		if s.res.HasSubresource(SubStatus) {
			copyField(obj, old, "Status")
		}
		if s.res.HasSubresource(SubFinalize) {
			keepSpecFinalizers(obj, old)
		}
		if s.res.Strategy.PrepareForUpdate != nil {
			s.res.Strategy.PrepareForUpdate(obj, old)
		}
	case SubStatus:
		copyField(obj, old, "Spec")
		if r := s.res.Strategy.StatusResets; r&MetaLabels != 0 {
			m.SetLabels(oldMeta.GetLabels())
		}
		if r := s.res.Strategy.StatusResets; r&MetaOwnerReferences != 0 {
			m.SetOwnerReferences(oldMeta.GetOwnerReferences())
		}
	case SubFinalize:
		copyField(obj, old, "Status")
	}
	if s.res.Strategy.TrackGeneration && sub != SubBinding && fieldChanged(obj, old, "Spec") {
		m.SetGeneration(oldMeta.GetGeneration() + 1)
	}
	return nil
}

func (s *Store) admitAndValidateUpdate(ctx context.Context, obj, old runtime.Object, m, oldMeta metav1.Object, o WriteOptions) error {
	st := s.res.Strategy
	if st.Default != nil {
		st.Default(obj)
	}
	if s.hooks.BeforeUpdate != nil {
		if err := s.hooks.BeforeUpdate(ctx, s.res, obj, old, o.DryRun); err != nil {
			return err
		}
	}
	var errs field.ErrorList
	switch {
	case o.Subresource == SubBinding:
		// The binding handler validated the request; the pod spec rules
		// would refuse the nodeName change it makes.
	case st.ValidateSubresource[o.Subresource] != nil:
		errs = st.ValidateSubresource[o.Subresource](obj, old)
	case st.ValidateUpdate != nil:
		errs = st.ValidateUpdate(obj, old)
	default:
		errs = append(validateMeta(s.res, m), validateMetaUpdate(m, oldMeta)...)
	}
	if len(errs) > 0 {
		s.updateFailed(ctx, obj, old)
		return apierrors.NewInvalid(s.res.GVK().GroupKind(), m.GetName(), errs)
	}
	return nil
}

func (s *Store) updateFailed(ctx context.Context, obj, old runtime.Object) {
	if s.hooks.UpdateFailed != nil {
		s.hooks.UpdateFailed(ctx, s.res, obj, old)
	}
}

// shouldDeleteDuringUpdate: the last finalizer of an object being deleted
// without grace was removed.
func shouldDeleteDuringUpdate(m, old metav1.Object) bool {
	g := old.GetDeletionGracePeriodSeconds()
	return old.GetDeletionTimestamp() != nil && len(m.GetFinalizers()) == 0 && g != nil && *g == 0
}

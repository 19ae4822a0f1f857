package registry

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"

	utilrand "k8s.io/apimachinery/pkg/util/rand"
)

// WriteOptions carry what every write needs besides the object.
type WriteOptions struct {
	// Subresource written ("" for the object itself).
	Subresource string
	DryRun      bool
	// FieldManager owns the written fields in managedFields.
	FieldManager string
	// ManagedFieldsDone: the caller (server-side apply) already updated
	// managedFields.
	ManagedFieldsDone bool
	// CreateOnMissing lets an update create the object (apply, or PUT on
	// resources that allow it).
	CreateOnMissing bool
}

// Create stores a new object. namespace must already match the object's.
func (s *Store) Create(ctx context.Context, obj runtime.Object, o WriteOptions) (runtime.Object, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if m.GetResourceVersion() != "" {
		return nil, apierrors.NewBadRequest("resourceVersion should not be set on objects to be created")
	}
	if m.GetName() == "" && m.GetGenerateName() != "" {
		m.SetName(m.GetGenerateName() + utilrand.String(5))
	}
	s.prepareForCreate(obj, m)
	if err := s.admitAndValidateCreate(ctx, obj, m, o); err != nil {
		return nil, err
	}
	if s.fields != nil && !o.ManagedFieldsDone && !s.creates.record(obj, m, o.FieldManager, s.clock.Now()) {
		obj = s.fields[""].UpdateNoErrors(s.res.New(), obj, o.FieldManager)
	}
	if o.DryRun {
		return obj, nil
	}
	data, err := s.encode(obj)
	if err != nil {
		s.createFailed(ctx, obj)
		return nil, apierrors.NewInternalError(err)
	}
	rev, err := s.storage.Create(ctx, s.res.Key(m.GetNamespace(), m.GetName()), data)
	if err != nil {
		s.createFailed(ctx, obj)
		return nil, s.storageError(err, m.GetName())
	}
	if err := setResourceVersion(obj, rev); err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	return obj, nil
}

// prepareForCreate fills system metadata and clears what clients may not
// set on create.
func (s *Store) prepareForCreate(obj runtime.Object, m metav1.Object) {
	m.SetUID(uuid.NewUUID())
	m.SetCreationTimestamp(metav1.NewTime(s.clock.Now().Truncate(1e9)))
	m.SetDeletionTimestamp(nil)
	m.SetDeletionGracePeriodSeconds(nil)
	m.SetSelfLink("")
	if !s.res.Namespaced {
		m.SetNamespace("")
	}
	st := s.res.Strategy
	if s.res.HasSubresource(SubStatus) && !st.KeepStatusOnCreate {
		clearField(obj, "Status")
	}
	m.SetGeneration(0)
	if st.TrackGeneration {
		m.SetGeneration(1)
	}
	if st.PrepareForCreate != nil {
		st.PrepareForCreate(obj)
	}
}

func (s *Store) admitAndValidateCreate(ctx context.Context, obj runtime.Object, m metav1.Object, o WriteOptions) error {
	st := s.res.Strategy
	if st.Default != nil {
		st.Default(obj)
	}
	// Hooks run before validation: allocated fields (a Service's
	// clusterIPs) are validated like the rest. CreateFailed undoes them.
	if s.hooks.BeforeCreate != nil {
		if err := s.hooks.BeforeCreate(ctx, s.res, obj, o.DryRun); err != nil {
			return err
		}
	}
	var errs field.ErrorList
	if st.Validate != nil {
		errs = st.Validate(obj)
	} else {
		errs = validateMeta(s.res, m)
	}
	if len(errs) > 0 {
		s.createFailed(ctx, obj)
		return apierrors.NewInvalid(s.res.GVK().GroupKind(), m.GetName(), errs)
	}
	return nil
}

func (s *Store) createFailed(ctx context.Context, obj runtime.Object) {
	if s.hooks.CreateFailed != nil {
		s.hooks.CreateFailed(ctx, s.res, obj)
	}
}

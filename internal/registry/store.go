package registry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/utils/clock"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/storage"
	"github.com/berth-dev/berth/internal/storage/cacher"
)

// storageCodec encodes objects as Kubernetes protobuf ("k8s\x00" envelope).
var storageCodec = protobuf.NewSerializer(api.Scheme, api.Scheme)

// Hooks let the rest of the server take part in writes without the store
// knowing about it (admission in the broad sense).
type Hooks struct {
	// BeforeCreate runs after defaulting and before validation; it may
	// mutate obj (allocate a ClusterIP) or refuse it (namespace missing).
	BeforeCreate func(ctx context.Context, r *Resource, obj runtime.Object, dryRun bool) error
	// BeforeUpdate likewise for updates.
	BeforeUpdate func(ctx context.Context, r *Resource, obj, old runtime.Object, dryRun bool) error
	// UpdateFailed runs when an update that passed BeforeUpdate was not
	// stored, so what it reserved for obj beyond old can be undone.
	UpdateFailed func(ctx context.Context, r *Resource, obj, old runtime.Object)
	// AfterUpdate runs once an update is stored (free what old held).
	AfterUpdate func(ctx context.Context, r *Resource, obj, old runtime.Object)
	// AfterDelete runs once an object is gone from storage (release IPs).
	AfterDelete func(ctx context.Context, r *Resource, obj runtime.Object)
	// BeforeDelete may refuse a delete (system namespaces).
	BeforeDelete func(ctx context.Context, r *Resource, namespace, name string) error
	// CreateFailed runs when a create that passed BeforeCreate was not
	// stored, so reservations can be undone.
	CreateFailed func(ctx context.Context, r *Resource, obj runtime.Object)
}

// Store serves one resource: CRUD, list and watch with Kubernetes
// semantics, on top of storage.Store and a watch cache.
type Store struct {
	res     *Resource
	storage storage.Store
	cache   *cacher.Cacher
	clock   clock.Clock
	log     *slog.Logger
	hooks   Hooks
	fields  map[string]*managedfields.FieldManager // by subresource ("" = main)
	// creates records managedFields of creates without a field manager
	// walk (see createManagedFields).
	creates *createFields
}

// StoreConfig configures a Store.
type StoreConfig struct {
	Resource      *Resource
	Storage       storage.Store
	TypeConverter managedfields.TypeConverter
	Hooks         Hooks
	Clock         clock.Clock
	Logger        *slog.Logger
	// Cache shares a watch cache with another Store of the same storage;
	// nil creates one (started by Start).
	Cache *cacher.Cacher
}

// NewStore builds a Store. Call Start before serving reads.
func NewStore(cfg StoreConfig) (*Store, error) {
	r := cfg.Resource
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Store{res: r, storage: cfg.Storage, clock: cfg.Clock, hooks: cfg.Hooks,
		log: cfg.Logger.With("resource", r.GroupResource().String()), cache: cfg.Cache}
	if s.cache == nil {
		c, err := cacher.New(cacher.Config{
			Store:  cfg.Storage,
			Prefix: r.KeyPrefix(),
			Decode: s.decode,
			// Bookmarks are built from NewFunc and go to clients as is,
			// so they need their kind like every other event object.
			NewFunc: func() runtime.Object {
				obj := r.New()
				obj.GetObjectKind().SetGroupVersionKind(r.GVK())
				return obj
			},
			Logger: s.log,
			Clock:  cfg.Clock,
		})
		if err != nil {
			return nil, fmt.Errorf("watch cache for %s: %w", r.GroupResource(), err)
		}
		s.cache = c
	}
	if cfg.TypeConverter != nil {
		s.fields = map[string]*managedfields.FieldManager{}
		subs := []string{""}
		if r.HasSubresource(SubStatus) {
			subs = append(subs, SubStatus)
		}
		for _, sub := range subs {
			reset := fieldpath.NewSet(fieldpath.MakePathOrDie("status"))
			if sub == SubStatus {
				reset = fieldpath.NewSet(fieldpath.MakePathOrDie("spec"), fieldpath.MakePathOrDie("metadata"))
			}
			if !r.HasSubresource(SubStatus) {
				reset = fieldpath.NewSet()
			}
			gv := r.GroupVersion()
			fm, err := managedfields.NewDefaultFieldManager(cfg.TypeConverter, api.Scheme, api.Scheme, api.Scheme,
				r.GVK(), gv, sub, map[fieldpath.APIVersion]fieldpath.Filter{
					fieldpath.APIVersion(gv.String()): fieldpath.NewExcludeSetFilter(reset),
				})
			if err != nil {
				return nil, fmt.Errorf("field manager for %s: %w", r.GroupResource(), err)
			}
			s.fields[sub] = fm
			if sub == "" {
				s.creates = &createFields{tc: cfg.TypeConverter, filter: fieldpath.NewExcludeSetFilter(reset), res: r}
			}
		}
	}
	return s, nil
}

// Resource served by the store.
func (s *Store) Resource() *Resource { return s.res }

// Cache is the store's watch cache.
func (s *Store) Cache() *cacher.Cacher { return s.cache }

// Start runs the watch cache until ctx is done.
func (s *Store) Start(ctx context.Context) error { return s.cache.Start(ctx) }

// WaitReady blocks until the watch cache has its initial list.
func (s *Store) WaitReady(ctx context.Context) error { return s.cache.WaitReady(ctx) }

// decode turns a stored value into an object with apiVersion/kind and
// resourceVersion set. Objects handed out by the store are shared: callers
// deep-copy before mutating.
func (s *Store) decode(kv *storage.KeyValue) (runtime.Object, error) {
	obj, _, err := storageCodec.Decode(kv.Value, nil, s.res.New())
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", kv.Key, err)
	}
	obj.GetObjectKind().SetGroupVersionKind(s.res.GVK())
	if err := setResourceVersion(obj, kv.ModRevision); err != nil {
		return nil, err
	}
	return obj, nil
}

// encode serialises obj for storage, without its resourceVersion.
func (s *Store) encode(obj runtime.Object) ([]byte, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	rv := m.GetResourceVersion()
	m.SetResourceVersion("")
	defer m.SetResourceVersion(rv)
	obj.GetObjectKind().SetGroupVersionKind(s.res.GVK())
	var buf bytes.Buffer
	if err := storageCodec.Encode(obj, &buf); err != nil {
		return nil, fmt.Errorf("encode %s: %w", s.res.Kind, err)
	}
	return buf.Bytes(), nil
}

func setResourceVersion(obj runtime.Object, rev int64) error {
	m, err := meta.Accessor(obj)
	if err != nil {
		return err
	}
	m.SetResourceVersion(strconv.FormatInt(rev, 10))
	return nil
}

// storageError maps storage sentinels to API errors for one object.
func (s *Store) storageError(err error, name string) error {
	gr := s.res.GroupResource()
	if err == nil {
		return nil
	}
	if _, ok := err.(apierrors.APIStatus); ok {
		return err
	}
	switch {
	case isErr(err, storage.ErrNotFound):
		return apierrors.NewNotFound(gr, name)
	case isErr(err, storage.ErrExists):
		return apierrors.NewAlreadyExists(gr, name)
	case isErr(err, storage.ErrConflict):
		return apierrors.NewConflict(gr, name, errors.New(OptimisticLockErrorMsg))
	case isErr(err, storage.ErrCompacted):
		return apierrors.NewResourceExpired("The resourceVersion for the provided list is too old.")
	case isErr(err, cacher.ErrTooLargeResourceVersion):
		return tooLargeResourceVersion(err.Error())
	}
	return apierrors.NewInternalError(err)
}

// tooLargeResourceVersion is upstream's 504 for a resourceVersion the server
// has not reached; reflectors recognise it by its cause.
func tooLargeResourceVersion(msg string) error {
	err := apierrors.NewTimeoutError(msg, 1)
	err.ErrStatus.Details.Causes = []metav1.StatusCause{{Type: metav1.CauseTypeResourceVersionTooLarge, Message: "Too large resource version"}}
	return err
}

// OptimisticLockErrorMsg is upstream's message for a stale resourceVersion.
const OptimisticLockErrorMsg = "the object has been modified; please apply your changes to the latest version and try again"

func isErr(err, target error) bool { return errors.Is(err, target) }

// FieldManager returns the managedFields tracker for a subresource ("" for
// the object), or nil when the resource has none.
func (s *Store) FieldManager(sub string) *managedfields.FieldManager {
	if s.fields == nil {
		return nil
	}
	return s.fields[sub]
}

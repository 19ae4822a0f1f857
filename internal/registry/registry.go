package registry

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"golang.org/x/sync/errgroup"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/client-go/applyconfigurations"
	"k8s.io/utils/clock"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/storage"
)

// Config configures a Registry.
type Config struct {
	Storage storage.Store
	Hooks   Hooks
	Clock   clock.Clock
	Logger  *slog.Logger
	// Resources defaults to Resources() with Strategies() attached.
	Resources []*Resource
}

// Registry is the set of stores for every served resource.
type Registry struct {
	resources []*Resource
	stores    map[schema.GroupVersionResource]*Store
}

// New builds one Store per resource, sharing watch caches between entries
// that share storage.
func New(cfg Config) (*Registry, error) {
	if cfg.Resources == nil {
		cfg.Resources = Resources()
		strategies := Strategies()
		for _, r := range cfg.Resources {
			if st, ok := strategies[r.GroupResource()]; ok {
				r.Strategy = st
			}
		}
	}
	tc := TypeConverter()
	reg := &Registry{resources: cfg.Resources, stores: map[schema.GroupVersionResource]*Store{}}
	owners := map[string]*Store{}
	for _, r := range cfg.Resources {
		if _, dup := reg.stores[r.GVR()]; dup {
			return nil, fmt.Errorf("registry: duplicate resource %s", r.GVR())
		}
		if r.Converts() {
			continue
		}
		s, err := NewStore(StoreConfig{Resource: r, Storage: cfg.Storage, TypeConverter: tc, Hooks: cfg.Hooks, Clock: cfg.Clock, Logger: cfg.Logger})
		if err != nil {
			return nil, err
		}
		owners[r.storageID()] = s
		reg.stores[r.GVR()] = s
	}
	// Further versions share their owner's store; the API server converts.
	for _, r := range cfg.Resources {
		if !r.Converts() {
			continue
		}
		owner := owners[r.StorageResource]
		if owner == nil || r.ToStorage == nil || r.FromStorage == nil {
			return nil, fmt.Errorf("registry: %s: storage %q missing or conversion not set", r.GVR(), r.StorageResource)
		}
		reg.stores[r.GVR()] = owner
	}
	return reg, nil
}

// TypeConverter knows the structured-merge-diff schema of every built-in
// kind, for managedFields and server-side apply.
// It is built once per process (parsing the schema takes ~0.2 s).
var TypeConverter = sync.OnceValue(func() managedfields.TypeConverter {
	return applyconfigurations.NewTypeConverter(api.Scheme)
})

// Resources served, in table order.
func (r *Registry) Resources() []*Resource { return r.resources }

// Store for a resource, or nil. Entries that convert return their storage
// owner's Store, which deals in the owner's kind.
func (r *Registry) Store(gvr schema.GroupVersionResource) *Store { return r.stores[gvr] }

// Start runs every watch cache until ctx is done.
func (r *Registry) Start(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	started := map[any]bool{}
	for _, s := range r.stores {
		if started[s.Cache()] {
			continue
		}
		started[s.Cache()] = true
		g.Go(func() error { return s.Start(ctx) })
	}
	return g.Wait()
}

// WaitReady blocks until every watch cache has its initial state.
func (r *Registry) WaitReady(ctx context.Context) error {
	for gvr, s := range r.stores {
		if err := s.WaitReady(ctx); err != nil {
			return fmt.Errorf("watch cache %s: %w", gvr, err)
		}
	}
	return nil
}

package garbagecollector

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/berth-dev/berth/internal/controller/worker"
)

// Name of the controller (for --controllers).
const Name = "garbagecollector"

// Component is the source of the controller's events.
const Component = "garbage-collector-controller"

// Config configures the controller.
type Config struct {
	Discovery discovery.DiscoveryInterface
	Metadata  metadata.Interface
	Recorder  record.EventRecorder
	// Workers per queue (attempt-to-delete and attempt-to-orphan); default 10.
	Workers int
	// ResyncPeriod is how often discovery is asked for new resources;
	// default 30s.
	ResyncPeriod time.Duration
	// InitialSyncTimeout bounds the wait for the informers before the
	// workers start anyway; default 30s.
	InitialSyncTimeout time.Duration
	Logger             *slog.Logger
	Clock              clock.Clock
}

// Controller is the garbage collector.
type Controller struct {
	cfg      Config
	graph    *graph
	builder  *builder
	monitors *monitors
	mapper   *restmapper.DeferredDiscoveryRESTMapper
	deps     Deps
	// changes feeds the graph builder; attemptToDelete and
	// attemptToOrphan feed the workers.
	changes         workqueue.TypedRateLimitingInterface[*event]
	attemptToDelete workqueue.TypedRateLimitingInterface[types.UID]
	attemptToOrphan workqueue.TypedRateLimitingInterface[types.UID]
	// virtualBackoff spaces the re-checks of virtual nodes.
	virtualBackoff workqueue.TypedRateLimiter[types.UID]
}

// New builds the collector; it starts watching in Start.
func New(cfg Config) (*Controller, error) {
	if cfg.Discovery == nil || cfg.Metadata == nil || cfg.Recorder == nil {
		return nil, errors.New("garbage collector: Discovery, Metadata and Recorder are required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 10
	}
	if cfg.ResyncPeriod <= 0 {
		cfg.ResyncPeriod = 30 * time.Second
	}
	if cfg.InitialSyncTimeout <= 0 {
		cfg.InitialSyncTimeout = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	c := &Controller{
		cfg:             cfg,
		graph:           newGraph(),
		mapper:          restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(cfg.Discovery)),
		changes:         worker.NewQueue[*event]("garbage_collector_graph_changes"),
		attemptToDelete: worker.NewQueue[types.UID]("garbage_collector_attempt_to_delete"),
		attemptToOrphan: worker.NewQueue[types.UID]("garbage_collector_attempt_to_orphan"),
		virtualBackoff:  workqueue.NewTypedItemExponentialFailureRateLimiter[types.UID](100*time.Millisecond, 5*time.Minute),
	}
	absent := newAbsentOwners(500)
	warn := warner(cfg.Recorder)
	c.builder = &builder{graph: c.graph, absent: absent, warn: warn,
		attemptToDelete: c.attemptToDelete.Add, attemptToOrphan: c.attemptToOrphan.Add}
	c.monitors = newMonitors(cfg.Metadata, c.changes.Add)
	a := api{client: cfg.Metadata, mapper: c.mapper}
	c.deps = Deps{
		Namespaced: a.namespaced, Get: a.get, Delete: a.delete, EditOwnerRefs: a.editOwnerRefs,
		RemoveFinalizer: a.removeFinalizer, Gone: c.gone, Enqueue: c.attemptToDelete.Add, Warn: warn, Absent: absent,
	}
	return c, nil
}

// Start watches, builds the graph and collects garbage until ctx is done.
func (c *Controller) Start(ctx context.Context) error {
	log := c.cfg.Logger
	var wg sync.WaitGroup
	defer c.monitors.stopAll()
	defer wg.Wait()
	wg.Go(func() { _ = worker.Run(ctx, c.changes, 1, log, c.builder.process) })
	c.resync(ctx)
	// As upstream, wait for the graph to be complete before acting on it,
	// but not forever: a resource that cannot be watched must not stop
	// collection of the others.
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, c.cfg.InitialSyncTimeout, true, func(context.Context) (bool, error) {
		return c.monitors.synced() && c.changes.Len() == 0, nil
	})
	if ctx.Err() != nil {
		return nil
	}
	if err != nil {
		log.Warn("not all resources could be watched in time; collecting garbage anyway")
	}
	wg.Go(func() { c.resyncLoop(ctx) })
	wg.Go(func() { _ = worker.Run(ctx, c.attemptToDelete, c.cfg.Workers, log, c.syncDelete) })
	wg.Go(func() { _ = worker.Run(ctx, c.attemptToOrphan, c.cfg.Workers, log, c.syncOrphan) })
	<-ctx.Done()
	return nil
}

// resyncLoop looks for new or removed resources every ResyncPeriod.
func (c *Controller) resyncLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.cfg.Clock.After(c.cfg.ResyncPeriod):
		}
		if !c.resync(ctx) {
			continue
		}
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, c.cfg.ResyncPeriod, true, func(context.Context) (bool, error) {
			return c.monitors.synced(), nil
		})
		if err != nil && ctx.Err() == nil {
			resourcesSyncErrors.Inc()
			c.cfg.Logger.Warn("timed out waiting for the garbage collector's informers to sync")
		}
	}
}

// resync watches the resources discovery reports now; it reports whether
// they changed.
func (c *Controller) resync(ctx context.Context) bool {
	log := c.cfg.Logger
	want, err := deletable(c.cfg.Discovery)
	if len(want) == 0 {
		resourcesSyncErrors.Inc()
		log.Warn("discovery found no resources to collect", "err", err)
		return false
	}
	have := c.monitors.resources()
	if failed, ok := discovery.GroupDiscoveryFailedErrorGroups(err); ok {
		// Keep watching what a failed group had.
		for gvr, gvk := range have {
			if _, bad := failed[gvr.GroupVersion()]; bad {
				want[gvr] = gvk
			}
		}
	} else if err != nil {
		log.Warn("discovery failed", "err", err)
	}
	if maps.Equal(want, have) {
		return false
	}
	c.mapper.Reset()
	if err := c.monitors.sync(ctx, want); err != nil {
		resourcesSyncErrors.Inc()
		log.Warn("starting informers failed", "err", err)
	}
	log.Debug("garbage collector watches", "resources", len(want))
	return true
}

// gone feeds the graph a virtual delete event for ref.
func (c *Controller) gone(ref objectRef) {
	c.changes.Add(&event{typ: deleteEvent, virtual: true, gvk: schema.FromAPIVersionAndKind(ref.APIVersion, ref.Kind),
		obj: &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: ref.Name, Namespace: ref.Namespace, UID: ref.UID}}})
}

func (c *Controller) syncDelete(ctx context.Context, uid types.UID) (worker.Result, error) {
	it, ok := c.graph.snapshot(uid)
	if !ok {
		c.virtualBackoff.Forget(uid)
		return worker.Result{}, nil
	}
	out, err := attemptToDelete(ctx, c.deps, it)
	if err != nil {
		return worker.Result{}, err
	}
	if out == recheck {
		return worker.Result{RequeueAfter: c.virtualBackoff.When(uid)}, nil
	}
	c.virtualBackoff.Forget(uid)
	return worker.Result{}, nil
}

func (c *Controller) syncOrphan(ctx context.Context, uid types.UID) (worker.Result, error) {
	it, ok := c.graph.snapshot(uid)
	if !ok {
		return worker.Result{}, nil
	}
	return worker.Result{}, attemptToOrphan(ctx, c.deps, it)
}

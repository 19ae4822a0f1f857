package resourcequota

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/berth-dev/berth/internal/controller/worker"
)

// Name of the controller (for --controllers).
const Name = "resourcequota"

// ResyncPeriod is how often every quota is recalculated in full, as
// upstream's default --resource-quota-sync-period.
const ResyncPeriod = 5 * time.Minute

// Config configures the controller.
type Config struct {
	Client   kubernetes.Interface
	Metadata metadata.Interface
	Informer informers.SharedInformerFactory
	Workers  int // default 5, as upstream's --concurrent-resource-quota-syncs
	Logger   *slog.Logger
	Clock    clock.Clock
}

// Controller keeps ResourceQuota status current.
type Controller struct {
	deps  Deps
	quota corelisters.ResourceQuotaLister
	// queue holds quotas to recalculate; priority those whose status does
	// not yet reflect their spec (new quotas, changed limits).
	queue, priority workqueue.TypedRateLimitingInterface[string]
	synced          []cache.InformerSynced
	workers         int
	log             *slog.Logger
	clock           clock.Clock
}

// New builds the controller and registers its informer handlers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Metadata == nil || cfg.Informer == nil {
		return nil, errors.New("resourcequota controller: Client, Metadata and Informer are required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 5
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	core := cfg.Informer.Core().V1()
	c := &Controller{
		quota:    core.ResourceQuotas().Lister(),
		queue:    worker.NewQueue[string]("resourcequota_primary"),
		priority: worker.NewQueue[string]("resourcequota_priority"),
		workers:  cfg.Workers,
		log:      cfg.Logger,
		clock:    cfg.Clock,
	}
	listers := map[schema.GroupResource]func(namespace string) ([]runtime.Object, error){}
	watch := func(gr schema.GroupResource, inf cache.SharedIndexInformer, changed func(old, cur any) bool) error {
		idx := inf.GetIndexer()
		listers[gr] = func(ns string) ([]runtime.Object, error) {
			items, err := idx.ByIndex(cache.NamespaceIndex, ns)
			out := make([]runtime.Object, 0, len(items))
			for _, it := range items {
				out = append(out, it.(runtime.Object))
			}
			return out, err
		}
		c.synced = append(c.synced, inf.HasSynced)
		replenish := func(obj any) {
			if m, err := metaOf(obj); err == nil {
				c.replenish(gr, m.GetNamespace())
			}
		}
		_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			// berth charges no quota at admission, so creations are
			// counted here too (upstream replenishes only on update and
			// delete).
			AddFunc: replenish,
			UpdateFunc: func(old, cur any) {
				if changed == nil {
					return
				}
				if m, err := metaOf(cur); err == nil && c.hasQuotas(m.GetNamespace()) && changed(old, cur) {
					replenish(cur)
				}
			},
			DeleteFunc: replenish,
		})
		return err
	}
	now := func() time.Time { return cfg.Clock.Now() }
	for _, w := range []struct {
		gr      schema.GroupResource
		inf     cache.SharedIndexInformer
		changed func(old, cur any) bool
	}{
		{podsResource, core.Pods().Informer(), func(old, cur any) bool { return podChanged(old.(*corev1.Pod), cur.(*corev1.Pod), now()) }},
		{servicesResource, core.Services().Informer(), func(old, cur any) bool {
			return !equal(serviceUsage(old.(*corev1.Service)), serviceUsage(cur.(*corev1.Service)))
		}},
		{pvcsResource, core.PersistentVolumeClaims().Informer(), func(old, cur any) bool {
			o, n := old.(*corev1.PersistentVolumeClaim), cur.(*corev1.PersistentVolumeClaim)
			return !equal(pvcUsage(o), pvcUsage(n)) || !equality.Semantic.DeepEqual(pvcAttributeClasses(o), pvcAttributeClasses(n))
		}},
		{schema.GroupResource{Resource: "configmaps"}, core.ConfigMaps().Informer(), nil},
		{schema.GroupResource{Resource: "secrets"}, core.Secrets().Informer(), nil},
		{schema.GroupResource{Resource: "replicationcontrollers"}, core.ReplicationControllers().Informer(), nil},
		{schema.GroupResource{Resource: "resourcequotas"}, core.ResourceQuotas().Informer(), nil},
	} {
		if err := watch(w.gr, w.inf, w.changed); err != nil {
			return nil, err
		}
	}
	quotas := core.ResourceQuotas().Informer()
	if _, err := quotas.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { c.addQuota(obj.(*corev1.ResourceQuota)) },
		UpdateFunc: func(old, cur any) {
			// Status writes are this controller's own; only a change of
			// the limits needs a recalculation.
			if !equal(old.(*corev1.ResourceQuota).Spec.Hard, cur.(*corev1.ResourceQuota).Spec.Hard) {
				c.addQuota(cur.(*corev1.ResourceQuota))
			}
		},
		DeleteFunc: worker.Enqueue(c.queue),
	}); err != nil {
		return nil, err
	}
	mon := &monitors{meta: cfg.Metadata, disc: newDiscovery(cfg.Client.Discovery(), cfg.Clock), replenish: c.replenish}
	c.deps = Deps{
		GetQuota: func(ns, name string) (*corev1.ResourceQuota, error) { return c.quota.ResourceQuotas(ns).Get(name) },
		List: func(ctx context.Context, gr schema.GroupResource, ns string) ([]runtime.Object, error) {
			if l, ok := listers[gr]; ok {
				return l(ns)
			}
			return mon.list(ctx, gr, ns)
		},
		UpdateStatus: func(ctx context.Context, q *corev1.ResourceQuota) error {
			_, err := cfg.Client.CoreV1().ResourceQuotas(q.Namespace).UpdateStatus(ctx, q, metav1.UpdateOptions{})
			return err
		},
		Now: now,
	}
	return c, nil
}

// Start runs the workers and the periodic full resync until ctx is done.
func (c *Controller) Start(ctx context.Context) error {
	fn := func(ctx context.Context, key string) (worker.Result, error) { return reconcile(ctx, c.deps, key) }
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return worker.Run(ctx, c.queue, c.workers, c.log, fn, c.synced...) })
	g.Go(func() error { return worker.Run(ctx, c.priority, c.workers, c.log, fn, c.synced...) })
	g.Go(func() error {
		for {
			t := c.clock.NewTimer(ResyncPeriod)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C():
				c.enqueueAll()
			}
		}
	})
	return g.Wait()
}

// enqueueAll queues every quota for a full recalculation.
func (c *Controller) enqueueAll() {
	qs, err := c.quota.List(labels.Everything())
	if err != nil {
		c.log.Warn("list resource quotas for resync", "err", err)
		return
	}
	for _, q := range qs {
		worker.Enqueue(c.queue)(q)
	}
}

// addQuota queues q, ahead of routine recalculations when its status does
// not yet reflect its spec or lacks usage the controller can measure.
func (c *Controller) addQuota(q *corev1.ResourceQuota) {
	key, ok := worker.Key(q)
	if !ok {
		return
	}
	if !equality.Semantic.DeepEqual(q.Spec.Hard, q.Status.Hard) {
		c.priority.Add(key)
		return
	}
	var names []corev1.ResourceName
	for k := range q.Status.Hard {
		names = append(names, k)
	}
	for _, n := range names {
		if _, ok := q.Status.Used[n]; ok {
			continue
		}
		for _, e := range evaluatorsFor(names) {
			if e.matches(n) {
				c.priority.Add(key)
				return
			}
		}
	}
	c.queue.Add(key)
}

// hasQuotas reports whether namespace has any quota, so updates elsewhere
// cost nothing.
func (c *Controller) hasQuotas(namespace string) bool {
	qs, err := c.quota.ResourceQuotas(namespace).List(labels.Everything())
	return err == nil && len(qs) > 0
}

// replenish queues the quotas of namespace that measure objects of gr,
// after one of them changed.
func (c *Controller) replenish(gr schema.GroupResource, namespace string) {
	qs, err := c.quota.ResourceQuotas(namespace).List(labels.Everything())
	if err != nil || len(qs) == 0 {
		return
	}
	for _, q := range qs {
		var names []corev1.ResourceName
		for k := range q.Spec.Hard {
			names = append(names, k)
		}
		for k := range q.Status.Hard {
			names = append(names, k)
		}
		if tracks(gr, names) {
			worker.Enqueue(c.queue)(q)
		}
	}
}

// tracks reports whether any of names is measured from objects of gr.
func tracks(gr schema.GroupResource, names []corev1.ResourceName) bool {
	for _, e := range evaluatorsFor(names) {
		if e.resource != gr {
			continue
		}
		for _, n := range names {
			if e.matches(n) {
				return true
			}
		}
	}
	return false
}

// podChanged reports whether an update to a pod can change what quotas
// charge for it: its usage (it ended, or was resized) or the scopes it is
// in.
func podChanged(old, cur *corev1.Pod, now time.Time) bool {
	return !equal(podUsage(old, now), podUsage(cur, now)) ||
		isTerminating(old) != isTerminating(cur) || isBestEffort(old) != isBestEffort(cur)
}

func metaOf(obj any) (metav1.Object, error) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	return meta.Accessor(obj)
}

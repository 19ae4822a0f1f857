package disruption

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	policylisters "k8s.io/client-go/listers/policy/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	scaleclient "k8s.io/client-go/scale"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/controller/worker"
)

// Name of the controller (for --controllers).
const Name = "disruption"

// Component is the event source, upstream's.
const Component = "controllermanager"

// Config configures the controller.
type Config struct {
	Client   kubernetes.Interface
	Informer informers.SharedInformerFactory
	// REST reaches the scale subresource of controllers berth has no
	// informer for; nil leaves those pods' scale unknown.
	REST     *rest.Config
	Recorder record.EventRecorder
	Workers  int // default 1, as upstream
	Logger   *slog.Logger
	Clock    clock.Clock
}

// Controller keeps PodDisruptionBudget status current.
type Controller struct {
	deps    Deps
	stale   StaleDeps
	pdbs    policylisters.PodDisruptionBudgetLister
	queue   workqueue.TypedRateLimitingInterface[string]
	staleQ  workqueue.TypedRateLimitingInterface[string]
	synced  []cache.InformerSynced
	workers int
	log     *slog.Logger
	rec     record.EventRecorder
	clock   clock.Clock
}

// New builds the controller and registers its informer handlers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informer == nil || cfg.Recorder == nil {
		return nil, errors.New("disruption controller: Client, Informer and Recorder are required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	pdbInf := cfg.Informer.Policy().V1().PodDisruptionBudgets()
	podInf := cfg.Informer.Core().V1().Pods()
	rcInf := cfg.Informer.Core().V1().ReplicationControllers()
	rsInf := cfg.Informer.Apps().V1().ReplicaSets()
	depInf := cfg.Informer.Apps().V1().Deployments()
	ssInf := cfg.Informer.Apps().V1().StatefulSets()
	c := &Controller{
		pdbs:    pdbInf.Lister(),
		queue:   worker.NewQueue[string](Name),
		staleQ:  worker.NewQueue[string]("stale_pod_disruption"),
		workers: cfg.Workers,
		log:     cfg.Logger,
		rec:     cfg.Recorder,
		clock:   cfg.Clock,
	}
	for _, inf := range []cache.SharedIndexInformer{pdbInf.Informer(), podInf.Informer(), rcInf.Informer(), rsInf.Informer(), depInf.Informer(), ssInf.Informer()} {
		c.synced = append(c.synced, inf.HasSynced)
	}
	if _, err := pdbInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    worker.Enqueue(c.queue),
		UpdateFunc: func(_, cur any) { worker.Enqueue(c.queue)(cur) },
		DeleteFunc: worker.Enqueue(c.queue),
	}); err != nil {
		return nil, err
	}
	if _, err := podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.podChanged(obj, true) },
		UpdateFunc: func(_, cur any) { c.podChanged(cur, true) },
		DeleteFunc: func(obj any) { c.podChanged(obj, false) },
	}); err != nil {
		return nil, err
	}
	// A changed scale changes expectedPods; upstream waits for the pods
	// to follow, berth also looks at once.
	for _, inf := range []cache.SharedIndexInformer{rcInf.Informer(), rsInf.Informer(), depInf.Informer(), ssInf.Informer()} {
		if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			UpdateFunc: func(old, cur any) {
				if replicas(old) != replicas(cur) {
					c.enqueueNamespace(cur.(metav1.Object).GetNamespace())
				}
			},
		}); err != nil {
			return nil, err
		}
	}
	finder := &finder{rcs: rcInf.Lister(), rss: rsInf.Lister(), deps: depInf.Lister(), sss: ssInf.Lister()}
	if cfg.REST != nil {
		disc := memory.NewMemCacheClient(cfg.Client.Discovery())
		mapper := restmapper.NewDeferredDiscoveryRESTMapper(disc)
		scales, err := scaleclient.NewForConfig(cfg.REST, mapper, dynamic.LegacyAPIPathResolverFunc, scaleclient.NewDiscoveryScaleKindResolver(disc))
		if err != nil {
			return nil, fmt.Errorf("disruption controller: scale client: %w", err)
		}
		finder.mapper, finder.scales, finder.disc = mapper, scales, disc
	}
	now := func() time.Time { return cfg.Clock.Now() }
	c.deps = Deps{
		GetPDB: func(ns, name string) (*policyv1.PodDisruptionBudget, error) {
			return c.pdbs.PodDisruptionBudgets(ns).Get(name)
		},
		ListPods: func(ns string, sel labels.Selector) ([]*corev1.Pod, error) {
			return podInf.Lister().Pods(ns).List(sel)
		},
		Scale: finder.scale,
		UpdateStatus: func(ctx context.Context, pdb *policyv1.PodDisruptionBudget) error {
			_, err := cfg.Client.PolicyV1().PodDisruptionBudgets(pdb.Namespace).UpdateStatus(ctx, pdb, metav1.UpdateOptions{})
			return err
		},
		Event: func(obj runtime.Object, eventType, reason, message string) {
			c.rec.Event(obj, eventType, reason, message)
		},
		Now: now,
	}
	c.stale = StaleDeps{
		GetPod: func(ns, name string) (*corev1.Pod, error) { return podInf.Lister().Pods(ns).Get(name) },
		UpdatePodStatus: func(ctx context.Context, pod *corev1.Pod) error {
			_, err := cfg.Client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
			return err
		},
		Now: now,
	}
	return c, nil
}

// Start runs the workers until ctx is done.
func (c *Controller) Start(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		return worker.Run(ctx, c.queue, c.workers, c.log, func(ctx context.Context, key string) (worker.Result, error) {
			return reconcile(ctx, c.deps, key)
		}, c.synced...)
	})
	g.Go(func() error {
		return worker.Run(ctx, c.staleQ, c.workers, c.log, func(ctx context.Context, key string) (worker.Result, error) {
			return reconcileStale(ctx, c.stale, key)
		}, c.synced...)
	})
	return g.Wait()
}

// podChanged queues the budgets selecting pod and, for a live pod with a
// DisruptionTarget condition, the stale-condition check.
func (c *Controller) podChanged(obj any, live bool) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if pdbs, err := c.pdbs.GetPodPodDisruptionBudgets(pod); err == nil {
		if len(pdbs) > 1 {
			c.rec.Event(pod, corev1.EventTypeWarning, "MultiplePodDisruptionBudgets",
				fmt.Sprintf("Pod %q/%q matches multiple PodDisruptionBudgets.  Chose %q arbitrarily.", pod.Namespace, pod.Name, pdbs[0].Name))
		}
		for _, pdb := range pdbs {
			worker.Enqueue(c.queue)(pdb)
		}
	}
	if !live {
		return
	}
	if stale, wait := staleDisruption(pod, c.clock.Now()); stale {
		if key, ok := worker.Key(pod); ok {
			c.staleQ.AddAfter(key, wait)
		}
	}
}

func (c *Controller) enqueueNamespace(ns string) {
	pdbs, err := c.pdbs.PodDisruptionBudgets(ns).List(labels.Everything())
	if err != nil {
		return
	}
	for _, pdb := range pdbs {
		worker.Enqueue(c.queue)(pdb)
	}
}

// replicas is the desired scale of a workload object, -1 for others.
func replicas(obj any) int32 {
	switch o := obj.(type) {
	case *corev1.ReplicationController:
		return ptr.Deref(o.Spec.Replicas, 1)
	case *appsv1.ReplicaSet:
		return ptr.Deref(o.Spec.Replicas, 1)
	case *appsv1.Deployment:
		return ptr.Deref(o.Spec.Replicas, 1)
	case *appsv1.StatefulSet:
		return ptr.Deref(o.Spec.Replicas, 1)
	}
	return -1
}

// finder resolves a pod's controllerRef to the controller's scale, in
// upstream's order: ReplicationController, Deployment (through its
// ReplicaSet), ReplicaSet not owned by a Deployment, StatefulSet, then the
// scale subresource of anything else.
type finder struct {
	rcs    corelisters.ReplicationControllerLister
	rss    appslisters.ReplicaSetLister
	deps   appslisters.DeploymentLister
	sss    appslisters.StatefulSetLister
	mapper *restmapper.DeferredDiscoveryRESTMapper
	scales scaleclient.ScalesGetter
	disc   discovery.CachedDiscoveryInterface
}

func (f *finder) scale(ctx context.Context, ref *metav1.OwnerReference, ns string) (*scale, error) {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return nil, err
	}
	is := func(kind string, groups ...string) bool { return ref.Kind == kind && slices.Contains(groups, gv.Group) }
	if is("ReplicationController", "") {
		if rc, err := f.rcs.ReplicationControllers(ns).Get(ref.Name); err == nil && rc.UID == ref.UID {
			return &scale{rc.UID, ptr.Deref(rc.Spec.Replicas, 1)}, nil
		}
	}
	if is("ReplicaSet", "apps", "extensions") {
		if rs, err := f.rss.ReplicaSets(ns).Get(ref.Name); err == nil && rs.UID == ref.UID {
			owner := metav1.GetControllerOf(rs)
			if owner == nil || owner.Kind != "Deployment" {
				return &scale{rs.UID, ptr.Deref(rs.Spec.Replicas, 1)}, nil
			}
			if ogv, err := schema.ParseGroupVersion(owner.APIVersion); err == nil && (ogv.Group == "apps" || ogv.Group == "extensions") {
				if d, err := f.deps.Deployments(ns).Get(owner.Name); err == nil && d.UID == owner.UID {
					return &scale{d.UID, ptr.Deref(d.Spec.Replicas, 1)}, nil
				}
			}
		}
	}
	if is("StatefulSet", "apps") {
		if ss, err := f.sss.StatefulSets(ns).Get(ref.Name); err == nil && ss.UID == ref.UID {
			return &scale{ss.UID, ptr.Deref(ss.Spec.Replicas, 1)}, nil
		}
	}
	if f.scales == nil {
		return nil, nil
	}
	return f.scaleSubresource(ctx, ref, gv, ns)
}

// scaleSubresource reads the scale of any other controller.
func (f *finder) scaleSubresource(ctx context.Context, ref *metav1.OwnerReference, gv schema.GroupVersion, ns string) (*scale, error) {
	mapping, err := f.mapper.RESTMapping(schema.GroupKind{Group: gv.Group, Kind: ref.Kind}, gv.Version)
	if err != nil {
		f.mapper.Reset()
		return nil, err
	}
	gr := mapping.Resource.GroupResource()
	s, err := f.scales.Scales(ns).Get(ctx, gr, ref.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		// Either the object is gone, or it has no scale subresource.
		list, derr := f.disc.ServerResourcesForGroupVersion(mapping.Resource.GroupVersion().String())
		if derr != nil {
			return nil, derr
		}
		for _, r := range list.APIResources {
			if r.Name == mapping.Resource.Resource+"/scale" && r.Kind == "Scale" {
				return nil, nil
			}
		}
		return nil, fmt.Errorf("%s does not implement the scale subresource", gr)
	}
	if err != nil {
		return nil, err
	}
	if s.UID != ref.UID {
		return nil, nil
	}
	return &scale{s.UID, s.Spec.Replicas}, nil
}

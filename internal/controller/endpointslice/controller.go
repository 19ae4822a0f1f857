package endpointslice

import (
	"context"
	"errors"
	"log/slog"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"github.com/berth-dev/berth/internal/controller/endpoints"
	"github.com/berth-dev/berth/internal/controller/worker"
)

// Name of the controller (for --controllers).
const Name = "endpointslice"

// Component is the source of the controller's events.
const Component = "endpoint-slice-controller"

// Config configures the controller.
type Config struct {
	Client   kubernetes.Interface
	Informer informers.SharedInformerFactory
	Recorder record.EventRecorder
	// MaxEndpointsPerSlice defaults to 100, as upstream's
	// --max-endpoints-per-slice.
	MaxEndpointsPerSlice int
	Workers              int // default 5, as --concurrent-service-endpoint-syncs
	Logger               *slog.Logger
}

// Controller keeps the EndpointSlices of Services with selectors.
type Controller struct {
	deps     Deps
	queue    workqueue.TypedRateLimitingInterface[string]
	services corelisters.ServiceLister
	synced   []cache.InformerSynced
	workers  int
	log      *slog.Logger
}

// New builds the controller and registers its informer handlers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informer == nil || cfg.Recorder == nil {
		return nil, errors.New("endpointslice controller: Client, Informer and Recorder are required")
	}
	if cfg.MaxEndpointsPerSlice <= 0 {
		cfg.MaxEndpointsPerSlice = 100
	}
	if cfg.MaxEndpointsPerSlice > 1000 {
		return nil, errors.New("endpointslice controller: MaxEndpointsPerSlice must be at most 1000")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 5
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	svcInf := cfg.Informer.Core().V1().Services()
	podInf := cfg.Informer.Core().V1().Pods()
	nodeInf := cfg.Informer.Core().V1().Nodes()
	sliceInf := cfg.Informer.Discovery().V1().EndpointSlices()
	c := &Controller{
		queue:    worker.NewQueue[string]("endpoint_slice"),
		services: svcInf.Lister(),
		synced: []cache.InformerSynced{svcInf.Informer().HasSynced, podInf.Informer().HasSynced,
			nodeInf.Informer().HasSynced, sliceInf.Informer().HasSynced},
		workers: cfg.Workers,
		log:     cfg.Logger,
	}
	client, pods, nodes, sliceLister := cfg.Client, podInf.Lister(), nodeInf.Lister(), sliceInf.Lister()
	c.deps = Deps{
		GetService: func(ns, name string) (*corev1.Service, error) { return c.services.Services(ns).Get(name) },
		GetNode:    nodes.Get,
		ListPods: func(ns string, sel labels.Selector) ([]*corev1.Pod, error) {
			return pods.Pods(ns).List(sel)
		},
		ListSlices: func(ns, svc string) ([]*discoveryv1.EndpointSlice, error) {
			return sliceLister.EndpointSlices(ns).List(labels.SelectorFromSet(labels.Set{
				discoveryv1.LabelServiceName: svc, discoveryv1.LabelManagedBy: ManagedBy}))
		},
		Create: func(ctx context.Context, s *discoveryv1.EndpointSlice) (*discoveryv1.EndpointSlice, error) {
			return client.DiscoveryV1().EndpointSlices(s.Namespace).Create(ctx, s, metav1.CreateOptions{})
		},
		Update: func(ctx context.Context, s *discoveryv1.EndpointSlice) (*discoveryv1.EndpointSlice, error) {
			return client.DiscoveryV1().EndpointSlices(s.Namespace).Update(ctx, s, metav1.UpdateOptions{})
		},
		Delete: func(ctx context.Context, s *discoveryv1.EndpointSlice) error {
			return client.DiscoveryV1().EndpointSlices(s.Namespace).Delete(ctx, s.Name, metav1.DeleteOptions{})
		},
		Event:                func(obj runtime.Object, typ, reason, msg string) { cfg.Recorder.Event(obj, typ, reason, msg) },
		Trigger:              endpoints.NewTriggerTracker(),
		Stale:                NewStaleTracker(),
		MaxEndpointsPerSlice: cfg.MaxEndpointsPerSlice,
	}
	enqueue := worker.Enqueue(c.queue)
	if _, err := svcInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
		DeleteFunc: enqueue,
	}); err != nil {
		return nil, err
	}
	if _, err := podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueuePodServices,
		UpdateFunc: func(old, obj any) {
			c.enqueuePodServices(obj)
			if o, n := old.(*corev1.Pod), obj.(*corev1.Pod); !labels.Equals(o.Labels, n.Labels) {
				c.enqueuePodServices(old)
			}
		},
		DeleteFunc: c.enqueuePodServices,
	}); err != nil {
		return nil, err
	}
	if _, err := sliceInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.onSlice,
		UpdateFunc: func(old, obj any) {
			c.onSlice(obj)
			c.onSlice(old) // the managed-by label may have been taken away
		},
		DeleteFunc: func(obj any) {
			if s := sliceOf(obj); s != nil && s.Labels[discoveryv1.LabelManagedBy] == ManagedBy {
				c.deps.Stale.ObservedDeletion(s.Namespace+"/"+s.Labels[discoveryv1.LabelServiceName], s.Name)
			}
			c.onSlice(obj)
		},
	}); err != nil {
		return nil, err
	}
	// A new node or a node's new zone changes endpoints on it.
	if _, err := nodeInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(any) { c.enqueueAll() },
		UpdateFunc: func(old, obj any) {
			if old.(*corev1.Node).Labels[corev1.LabelTopologyZone] != obj.(*corev1.Node).Labels[corev1.LabelTopologyZone] {
				c.enqueueAll()
			}
		},
	}); err != nil {
		return nil, err
	}
	return c, nil
}

func sliceOf(obj any) *discoveryv1.EndpointSlice {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	s, _ := obj.(*discoveryv1.EndpointSlice)
	return s
}

// onSlice queues the Service of a slice this controller manages, so
// changes made by others are undone.
func (c *Controller) onSlice(obj any) {
	s := sliceOf(obj)
	if s == nil || s.Labels[discoveryv1.LabelManagedBy] != ManagedBy || s.Labels[discoveryv1.LabelServiceName] == "" {
		return
	}
	c.queue.Add(s.Namespace + "/" + s.Labels[discoveryv1.LabelServiceName])
}

func (c *Controller) enqueuePodServices(obj any) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	for _, key := range endpoints.ServicesForPod(c.services, pod) {
		c.queue.Add(key)
	}
}

func (c *Controller) enqueueAll() {
	svcs, err := c.services.List(labels.Everything())
	if err != nil {
		return
	}
	for _, s := range svcs {
		if s.Spec.Selector != nil {
			c.queue.Add(s.Namespace + "/" + s.Name)
		}
	}
}

// Start runs the workers until ctx is done.
func (c *Controller) Start(ctx context.Context) error {
	return worker.Run(ctx, c.queue, c.workers, c.log, func(ctx context.Context, key string) (worker.Result, error) {
		return worker.Result{}, reconcile(ctx, c.deps, key)
	}, c.synced...)
}

package endpointslicemirroring

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
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"github.com/berth-dev/berth/internal/controller/endpointslice"
	"github.com/berth-dev/berth/internal/controller/worker"
)

// Name of the controller (for --controllers).
const Name = "endpointslicemirroring"

// Component is the source of the controller's events.
const Component = "endpoint-slice-mirroring-controller"

// Config configures the controller.
type Config struct {
	Client   kubernetes.Interface
	Informer informers.SharedInformerFactory
	Recorder record.EventRecorder
	// MaxEndpointsPerSubset defaults to 1000, as upstream's
	// --mirroring-max-endpoints-per-subset.
	MaxEndpointsPerSubset int
	Workers               int // default 5, as --mirroring-concurrent-service-endpoint-syncs
	Logger                *slog.Logger
}

// Controller mirrors user-written Endpoints into EndpointSlices.
type Controller struct {
	deps    Deps
	queue   workqueue.TypedRateLimitingInterface[string]
	synced  []cache.InformerSynced
	workers int
	log     *slog.Logger
}

// New builds the controller and registers its informer handlers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informer == nil || cfg.Recorder == nil {
		return nil, errors.New("endpointslicemirroring controller: Client, Informer and Recorder are required")
	}
	if cfg.MaxEndpointsPerSubset <= 0 {
		cfg.MaxEndpointsPerSubset = 1000
	}
	if cfg.MaxEndpointsPerSubset > 1000 {
		return nil, errors.New("endpointslicemirroring controller: MaxEndpointsPerSubset must be at most 1000")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 5
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	svcInf := cfg.Informer.Core().V1().Services()
	epInf := cfg.Informer.Core().V1().Endpoints()
	sliceInf := cfg.Informer.Discovery().V1().EndpointSlices()
	c := &Controller{
		queue:   worker.NewQueue[string]("endpoint_slice_mirroring"),
		synced:  []cache.InformerSynced{svcInf.Informer().HasSynced, epInf.Informer().HasSynced, sliceInf.Informer().HasSynced},
		workers: cfg.Workers,
		log:     cfg.Logger,
	}
	client, services, eps, sliceLister := cfg.Client, svcInf.Lister(), epInf.Lister(), sliceInf.Lister()
	c.deps = Deps{
		GetService:   func(ns, name string) (*corev1.Service, error) { return services.Services(ns).Get(name) },
		GetEndpoints: func(ns, name string) (*corev1.Endpoints, error) { return eps.Endpoints(ns).Get(name) },
		ListSlices: func(ns, name string) ([]*discoveryv1.EndpointSlice, error) {
			return sliceLister.EndpointSlices(ns).List(labels.SelectorFromSet(labels.Set{
				discoveryv1.LabelServiceName: name, discoveryv1.LabelManagedBy: ManagedBy}))
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
		Event:                 func(obj runtime.Object, typ, reason, msg string) { cfg.Recorder.Event(obj, typ, reason, msg) },
		Stale:                 endpointslice.NewStaleTracker(),
		MaxEndpointsPerSubset: cfg.MaxEndpointsPerSubset,
	}
	enqueue := worker.Enqueue(c.queue)
	// Services matter when they have no selector, or just lost or gained one.
	onService := func(obj any) {
		if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = tomb.Obj
		}
		if s, ok := obj.(*corev1.Service); ok && s.Spec.Selector == nil {
			enqueue(s)
		}
	}
	if _, err := svcInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: onService,
		UpdateFunc: func(old, obj any) {
			if (old.(*corev1.Service).Spec.Selector == nil) != (obj.(*corev1.Service).Spec.Selector == nil) {
				enqueue(obj)
				return
			}
			onService(obj)
		},
		DeleteFunc: onService,
	}); err != nil {
		return nil, err
	}
	if _, err := epInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if shouldMirror(obj.(*corev1.Endpoints)) {
				enqueue(obj)
			}
		},
		UpdateFunc: func(old, obj any) {
			if shouldMirror(old.(*corev1.Endpoints)) || shouldMirror(obj.(*corev1.Endpoints)) {
				enqueue(obj)
			}
		},
		DeleteFunc: enqueue,
	}); err != nil {
		return nil, err
	}
	onSlice := func(obj any) {
		if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = tomb.Obj
		}
		s, ok := obj.(*discoveryv1.EndpointSlice)
		if !ok || s.Labels[discoveryv1.LabelManagedBy] != ManagedBy || s.Labels[discoveryv1.LabelServiceName] == "" {
			return
		}
		c.queue.Add(s.Namespace + "/" + s.Labels[discoveryv1.LabelServiceName])
	}
	if _, err := sliceInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    onSlice,
		UpdateFunc: func(old, obj any) { onSlice(obj); onSlice(old) },
		DeleteFunc: func(obj any) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			if s, ok := obj.(*discoveryv1.EndpointSlice); ok && s.Labels[discoveryv1.LabelManagedBy] == ManagedBy {
				c.deps.Stale.ObservedDeletion(s.Namespace+"/"+s.Labels[discoveryv1.LabelServiceName], s.Name)
			}
			onSlice(obj)
		},
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// Start runs the workers until ctx is done.
func (c *Controller) Start(ctx context.Context) error {
	return worker.Run(ctx, c.queue, c.workers, c.log, func(ctx context.Context, key string) (worker.Result, error) {
		return worker.Result{}, reconcile(ctx, c.deps, key)
	}, c.synced...)
}

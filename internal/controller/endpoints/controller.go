package endpoints

import (
	"context"
	"errors"
	"log/slog"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"github.com/berth-dev/berth/internal/controller/worker"
)

// Name of the controller (for --controllers).
const Name = "endpoint"

// Component is the source of the controller's events.
const Component = "endpoint-controller"

// Config configures the controller.
type Config struct {
	Client   kubernetes.Interface
	Informer informers.SharedInformerFactory
	Recorder record.EventRecorder
	Workers  int // default 5, as upstream's --concurrent-endpoint-syncs
	Logger   *slog.Logger
}

// Controller keeps the Endpoints of Services with selectors.
type Controller struct {
	deps      Deps
	queue     workqueue.TypedRateLimitingInterface[string]
	services  corelisters.ServiceLister
	endpoints corelisters.EndpointsLister
	synced    []cache.InformerSynced
	workers   int
	log       *slog.Logger
}

// New builds the controller and registers its informer handlers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informer == nil || cfg.Recorder == nil {
		return nil, errors.New("endpoint controller: Client, Informer and Recorder are required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 5
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	svcInf := cfg.Informer.Core().V1().Services()
	podInf := cfg.Informer.Core().V1().Pods()
	epInf := cfg.Informer.Core().V1().Endpoints()
	c := &Controller{
		queue:     worker.NewQueue[string]("endpoint"),
		services:  svcInf.Lister(),
		endpoints: epInf.Lister(),
		synced:    []cache.InformerSynced{svcInf.Informer().HasSynced, podInf.Informer().HasSynced, epInf.Informer().HasSynced},
		workers:   cfg.Workers,
		log:       cfg.Logger,
	}
	client, pods := cfg.Client, podInf.Lister()
	c.deps = Deps{
		GetService:   func(ns, name string) (*corev1.Service, error) { return c.services.Services(ns).Get(name) },
		GetEndpoints: func(ns, name string) (*corev1.Endpoints, error) { return c.endpoints.Endpoints(ns).Get(name) },
		ListPods: func(ns string, sel labels.Selector) ([]*corev1.Pod, error) {
			return pods.Pods(ns).List(sel)
		},
		Create: func(ctx context.Context, ep *corev1.Endpoints) (*corev1.Endpoints, error) {
			return client.CoreV1().Endpoints(ep.Namespace).Create(ctx, ep, metav1.CreateOptions{})
		},
		Update: func(ctx context.Context, ep *corev1.Endpoints) (*corev1.Endpoints, error) {
			return client.CoreV1().Endpoints(ep.Namespace).Update(ctx, ep, metav1.UpdateOptions{})
		},
		Delete: func(ctx context.Context, ns, name string) error {
			return client.CoreV1().Endpoints(ns).Delete(ctx, name, metav1.DeleteOptions{})
		},
		Event:   func(obj runtime.Object, typ, reason, msg string) { cfg.Recorder.Event(obj, typ, reason, msg) },
		Trigger: NewTriggerTracker(),
		written: newWritten(),
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
	// An Endpoints object deleted behind the controller's back is
	// recreated (or, with no Service left, stays deleted).
	if _, err := epInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{DeleteFunc: func(obj any) {
		if key, ok := worker.Key(obj); ok {
			c.deps.written.forget(key)
			c.queue.Add(key)
		}
	}}); err != nil {
		return nil, err
	}
	return c, nil
}

// enqueuePodServices queues the Services whose selector matches pod.
func (c *Controller) enqueuePodServices(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		tomb, ok := obj.(cache.DeletedFinalStateUnknown)
		if !ok {
			return
		}
		if pod, ok = tomb.Obj.(*corev1.Pod); !ok {
			return
		}
	}
	for _, key := range ServicesForPod(c.services, pod) {
		c.queue.Add(key)
	}
}

// ServicesForPod returns the keys of the Services in pod's namespace whose
// selector selects pod.
func ServicesForPod(services corelisters.ServiceLister, pod *corev1.Pod) []string {
	svcs, err := services.Services(pod.Namespace).List(labels.Everything())
	if err != nil {
		return nil
	}
	var keys []string
	for _, s := range svcs {
		if s.Spec.Selector != nil && labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(pod.Labels)) {
			keys = append(keys, s.Namespace+"/"+s.Name)
		}
	}
	return keys
}

// Start runs the workers until ctx is done. Once the caches are in, it
// queues every existing Endpoints object once, so Endpoints left behind by
// Services deleted while no controller ran are removed.
func (c *Controller) Start(ctx context.Context) error {
	go func() {
		if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
			return
		}
		eps, err := c.endpoints.List(labels.Everything())
		if err != nil {
			return
		}
		for _, ep := range eps {
			// Leader-election records live in Endpoints without a Service.
			if _, ok := ep.Annotations[resourcelock.LeaderElectionRecordAnnotationKey]; ok {
				continue
			}
			c.queue.Add(ep.Namespace + "/" + ep.Name)
		}
	}()
	return worker.Run(ctx, c.queue, c.workers, c.log, func(ctx context.Context, key string) (worker.Result, error) {
		return worker.Result{}, reconcile(ctx, c.deps, key)
	}, c.synced...)
}

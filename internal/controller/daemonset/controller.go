package daemonset

import (
	"context"
	"errors"
	"log/slog"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/flowcontrol"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/berth-dev/berth/internal/controller/expectations"
	"github.com/berth-dev/berth/internal/controller/history"
	"github.com/berth-dev/berth/internal/controller/worker"
)

// Name of the controller (for --controllers).
const Name = "daemonset"

// Component is the source of the controller's events.
const Component = "daemonset-controller"

// Failed daemon pods on one node are deleted at most this often, doubling
// up to the maximum, as upstream.
const (
	failedBackoffInitial = time.Second
	failedBackoffMax     = 15 * time.Minute
)

// Config configures the controller.
type Config struct {
	Client   kubernetes.Interface
	Informer informers.SharedInformerFactory
	Recorder record.EventRecorder
	Workers  int // default 2
	Logger   *slog.Logger
	Clock    clock.Clock
}

// Controller runs DaemonSets.
type Controller struct {
	deps    Deps
	queue   workqueue.TypedRateLimitingInterface[string]
	sets    appslisters.DaemonSetLister
	synced  []cache.InformerSynced
	workers int
	log     *slog.Logger
}

// New builds the controller and registers its informer handlers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informer == nil || cfg.Recorder == nil {
		return nil, errors.New("daemonset controller: Client, Informer and Recorder are required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	dsInf := cfg.Informer.Apps().V1().DaemonSets()
	podInf := cfg.Informer.Core().V1().Pods()
	nodeInf := cfg.Informer.Core().V1().Nodes()
	revInf := cfg.Informer.Apps().V1().ControllerRevisions()
	c := &Controller{
		queue:   worker.NewQueue[string](Name),
		sets:    dsInf.Lister(),
		workers: cfg.Workers,
		log:     cfg.Logger,
		synced: []cache.InformerSynced{dsInf.Informer().HasSynced, podInf.Informer().HasSynced,
			nodeInf.Informer().HasSynced, revInf.Informer().HasSynced},
	}
	backoff := flowcontrol.NewBackOff(failedBackoffInitial, failedBackoffMax)
	backoff.Clock = cfg.Clock
	c.deps = clientDeps(cfg, c.sets, podInf.Lister(), nodeInf.Lister(), revInf.Lister())
	c.deps.Expectations = expectations.New(cfg.Clock)
	c.deps.Backoff = backoff

	enqueue := worker.Enqueue(c.queue)
	if _, err := dsInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
		DeleteFunc: enqueue,
	}); err != nil {
		return nil, err
	}
	if _, err := podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { c.podEvent(obj, created) },
		UpdateFunc: func(old, cur any) {
			c.podEvent(cur, changed)
			o, ok1 := old.(*corev1.Pod)
			n, ok2 := cur.(*corev1.Pod)
			if ok1 && ok2 && (!labels.Equals(o.Labels, n.Labels) || !equality.Semantic.DeepEqual(metav1.GetControllerOfNoCopy(o), metav1.GetControllerOfNoCopy(n))) {
				c.podEvent(old, changed)
			}
		},
		DeleteFunc: func(obj any) { c.podEvent(obj, deleted) },
	}); err != nil {
		return nil, err
	}
	all := func(any) { c.enqueueAll() }
	if _, err := nodeInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: all,
		UpdateFunc: func(old, cur any) {
			o, ok1 := old.(*corev1.Node)
			n, ok2 := cur.(*corev1.Node)
			// Only labels, taints and fields matter to where daemons run.
			if !ok1 || !ok2 || !labels.Equals(o.Labels, n.Labels) || !equality.Semantic.DeepEqual(o.Spec.Taints, n.Spec.Taints) {
				c.enqueueAll()
			}
		},
		DeleteFunc: all,
	}); err != nil {
		return nil, err
	}
	revOwner := func(obj any) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		if r, ok := obj.(*appsv1.ControllerRevision); ok {
			if ref := metav1.GetControllerOfNoCopy(r); ref != nil && ref.Kind == kind.Kind {
				c.queue.Add(r.Namespace + "/" + ref.Name)
			}
		}
	}
	if _, err := revInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    revOwner,
		UpdateFunc: func(_, obj any) { revOwner(obj) },
		DeleteFunc: revOwner,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

type podChange int

const (
	created podChange = iota
	changed
	deleted
)

// podEvent settles expectations and enqueues the DaemonSet controlling
// pod, or for an orphan every DaemonSet that could adopt it.
func (c *Controller) podEvent(obj any, change podChange) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if ref := metav1.GetControllerOfNoCopy(pod); ref != nil {
		if ref.Kind != kind.Kind {
			return
		}
		ds, err := c.sets.DaemonSets(pod.Namespace).Get(ref.Name)
		if err != nil || ds.UID != ref.UID {
			return
		}
		key := pod.Namespace + "/" + ds.Name
		switch change {
		case created:
			if pod.DeletionTimestamp == nil {
				c.deps.Expectations.CreationObserved(key)
			} else {
				c.deps.Expectations.DeletionObserved(key, string(pod.UID))
			}
		case changed:
			if pod.DeletionTimestamp != nil {
				c.deps.Expectations.DeletionObserved(key, string(pod.UID))
			}
		case deleted:
			c.deps.Expectations.DeletionObserved(key, string(pod.UID))
		}
		c.queue.Add(key)
		return
	}
	if change == deleted || pod.DeletionTimestamp != nil {
		return
	}
	sets, err := c.sets.DaemonSets(pod.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, ds := range sets {
		sel, err := metav1.LabelSelectorAsSelector(ds.Spec.Selector)
		if err == nil && !sel.Empty() && sel.Matches(labels.Set(pod.Labels)) {
			c.queue.Add(pod.Namespace + "/" + ds.Name)
		}
	}
}

func (c *Controller) enqueueAll() {
	sets, err := c.sets.List(labels.Everything())
	if err != nil {
		return
	}
	for _, ds := range sets {
		c.queue.Add(ds.Namespace + "/" + ds.Name)
	}
}

// Start runs the workers until ctx is done.
func (c *Controller) Start(ctx context.Context) error {
	return worker.Run(ctx, c.queue, c.workers, c.log, func(ctx context.Context, key string) (worker.Result, error) {
		return reconcile(ctx, c.deps, key)
	}, c.synced...)
}

// clientDeps implements Deps with client-go and the informer caches.
func clientDeps(cfg Config, sets appslisters.DaemonSetLister, pods corelisters.PodLister,
	nodes corelisters.NodeLister, revs appslisters.ControllerRevisionLister) Deps {
	client := cfg.Client
	revOps := history.NewOps(client)
	return Deps{
		GetDaemonSet: func(ns, name string) (*appsv1.DaemonSet, error) { return sets.DaemonSets(ns).Get(name) },
		FreshDaemonSet: func(ctx context.Context, ns, name string) (*appsv1.DaemonSet, error) {
			return client.AppsV1().DaemonSets(ns).Get(ctx, name, metav1.GetOptions{})
		},
		ListNodes: func() ([]*corev1.Node, error) { return nodes.List(labels.Everything()) },
		ListPods:  func(ns string) ([]*corev1.Pod, error) { return pods.Pods(ns).List(labels.Everything()) },
		ListRevisions: func(ns string) ([]*appsv1.ControllerRevision, error) {
			return revs.ControllerRevisions(ns).List(labels.Everything())
		},
		CreatePod: func(ctx context.Context, ns string, pod *corev1.Pod) (*corev1.Pod, error) {
			return client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
		},
		DeletePod: func(ctx context.Context, pod *corev1.Pod) error {
			return client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{Preconditions: metav1.NewUIDPreconditions(string(pod.UID))})
		},
		PatchPod: func(ctx context.Context, ns, name string, patch []byte) error {
			_, err := client.CoreV1().Pods(ns).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
			return err
		},
		Revisions:      revOps.Client,
		UpdateRevision: revOps.Update,
		DeleteRevision: revOps.Delete,
		PatchRevision:  revOps.Patch,
		UpdateStatus: func(ctx context.Context, ds *appsv1.DaemonSet) error {
			_, err := client.AppsV1().DaemonSets(ds.Namespace).UpdateStatus(ctx, ds, metav1.UpdateOptions{})
			return err
		},
		Event: func(obj runtime.Object, eventType, reason, message string) {
			cfg.Recorder.Event(obj, eventType, reason, message)
		},
		Now: cfg.Clock.Now,
	}
}

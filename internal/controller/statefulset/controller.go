package statefulset

import (
	"context"
	"errors"
	"log/slog"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
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
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/berth-dev/berth/internal/controller/history"
	"github.com/berth-dev/berth/internal/controller/worker"
)

// Name of the controller (for --controllers).
const Name = "statefulset"

// Component is the source of the controller's events.
const Component = "statefulset-controller"

// Config configures the controller.
type Config struct {
	Client   kubernetes.Interface
	Informer informers.SharedInformerFactory
	Recorder record.EventRecorder
	Workers  int // default 5
	Logger   *slog.Logger
	Clock    clock.Clock
}

// Controller runs StatefulSets.
type Controller struct {
	deps    Deps
	queue   workqueue.TypedRateLimitingInterface[string]
	sets    appslisters.StatefulSetLister
	synced  []cache.InformerSynced
	workers int
	log     *slog.Logger
}

// New builds the controller and registers its informer handlers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informer == nil || cfg.Recorder == nil {
		return nil, errors.New("statefulset controller: Client, Informer and Recorder are required")
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
	setInf := cfg.Informer.Apps().V1().StatefulSets()
	podInf := cfg.Informer.Core().V1().Pods()
	revInf := cfg.Informer.Apps().V1().ControllerRevisions()
	pvcInf := cfg.Informer.Core().V1().PersistentVolumeClaims()
	c := &Controller{
		queue:   worker.NewQueue[string](Name),
		sets:    setInf.Lister(),
		workers: cfg.Workers,
		log:     cfg.Logger,
		synced: []cache.InformerSynced{setInf.Informer().HasSynced, podInf.Informer().HasSynced,
			revInf.Informer().HasSynced, pvcInf.Informer().HasSynced},
	}
	c.deps = clientDeps(cfg, setInf.Lister(), podInf.Lister(), revInf.Lister(), pvcInf.Lister())
	enqueue := worker.Enqueue(c.queue)
	if _, err := setInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
		DeleteFunc: enqueue,
	}); err != nil {
		return nil, err
	}
	if _, err := podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.podChanged,
		UpdateFunc: func(old, cur any) {
			c.podChanged(cur)
			if o, ok := old.(*corev1.Pod); ok {
				if n, ok := cur.(*corev1.Pod); ok && (!labels.Equals(o.Labels, n.Labels) || !sameController(o, n)) {
					c.podChanged(old)
				}
			}
		},
		DeleteFunc: c.podChanged,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

func sameController(a, b *corev1.Pod) bool {
	ra, rb := metav1.GetControllerOfNoCopy(a), metav1.GetControllerOfNoCopy(b)
	if ra == nil || rb == nil {
		return ra == rb
	}
	return ra.UID == rb.UID
}

// podChanged enqueues the set controlling pod or, for an orphan, every
// set that could adopt it.
func (c *Controller) podChanged(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if ref := metav1.GetControllerOfNoCopy(pod); ref != nil {
		if ref.Kind != kind.Kind || ref.APIVersion != kind.GroupVersion().String() {
			return
		}
		set, err := c.sets.StatefulSets(pod.Namespace).Get(ref.Name)
		if err == nil && set.UID == ref.UID {
			c.queue.Add(pod.Namespace + "/" + set.Name)
		}
		return
	}
	if pod.DeletionTimestamp != nil {
		return
	}
	sets, err := c.sets.StatefulSets(pod.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, set := range sets {
		sel, err := metav1.LabelSelectorAsSelector(set.Spec.Selector)
		if err == nil && !sel.Empty() && sel.Matches(labels.Set(pod.Labels)) && isMember(set, pod) {
			c.queue.Add(pod.Namespace + "/" + set.Name)
		}
	}
}

// Start runs the workers until ctx is done.
func (c *Controller) Start(ctx context.Context) error {
	return worker.Run(ctx, c.queue, c.workers, c.log, func(ctx context.Context, key string) (worker.Result, error) {
		return reconcile(ctx, c.deps, key)
	}, c.synced...)
}

// clientDeps implements Deps with client-go and the informer caches.
func clientDeps(cfg Config, sets appslisters.StatefulSetLister, pods corelisters.PodLister,
	revs appslisters.ControllerRevisionLister, pvcs corelisters.PersistentVolumeClaimLister) Deps {
	client := cfg.Client
	revOps := history.NewOps(client)
	return Deps{
		GetSet: func(ns, name string) (*appsv1.StatefulSet, error) { return sets.StatefulSets(ns).Get(name) },
		FreshSet: func(ctx context.Context, ns, name string) (*appsv1.StatefulSet, error) {
			return client.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
		},
		ListPods: func(ns string) ([]*corev1.Pod, error) { return pods.Pods(ns).List(labels.Everything()) },
		ListRevisions: func(ns string) ([]*appsv1.ControllerRevision, error) {
			return revs.ControllerRevisions(ns).List(labels.Everything())
		},
		GetClaim: func(ns, name string) (*corev1.PersistentVolumeClaim, error) {
			return pvcs.PersistentVolumeClaims(ns).Get(name)
		},
		CreatePod: func(ctx context.Context, pod *corev1.Pod) error {
			_, err := client.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{})
			return err
		},
		DeletePod: func(ctx context.Context, pod *corev1.Pod) error {
			return client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{Preconditions: metav1.NewUIDPreconditions(string(pod.UID))})
		},
		PatchPod: func(ctx context.Context, ns, name string, patch []byte) error {
			_, err := client.CoreV1().Pods(ns).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
			return err
		},
		CreateClaim: func(ctx context.Context, pvc *corev1.PersistentVolumeClaim) error {
			_, err := client.CoreV1().PersistentVolumeClaims(pvc.Namespace).Create(ctx, pvc, metav1.CreateOptions{})
			return err
		},
		UpdateClaim: func(ctx context.Context, pvc *corev1.PersistentVolumeClaim) error {
			_, err := client.CoreV1().PersistentVolumeClaims(pvc.Namespace).Update(ctx, pvc, metav1.UpdateOptions{})
			return err
		},
		Revisions:      revOps.Client,
		UpdateRevision: revOps.Update,
		DeleteRevision: revOps.Delete,
		PatchRevision:  revOps.Patch,
		UpdateStatus: func(ctx context.Context, set *appsv1.StatefulSet) error {
			_, err := client.AppsV1().StatefulSets(set.Namespace).UpdateStatus(ctx, set, metav1.UpdateOptions{})
			return err
		},
		Event: func(obj runtime.Object, eventType, reason, message string) {
			cfg.Recorder.Event(obj, eventType, reason, message)
		},
		Now: cfg.Clock.Now,
	}
}

package replicaset

import (
	"context"
	"errors"
	"log/slog"
	"reflect"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/berth-dev/berth/internal/controller/claim"
	"github.com/berth-dev/berth/internal/controller/expectations"
	"github.com/berth-dev/berth/internal/controller/worker"
)

// Names of the controllers (for --controllers).
const (
	Name   = "replicaset"
	RCName = "replicationcontroller"
)

// Config configures the controller.
type Config struct {
	Client   kubernetes.Interface
	Informer informers.SharedInformerFactory
	// Recorder records events; it should report as "replicaset-controller"
	// (or "replication-controller" for NewReplicationController).
	Recorder record.EventRecorder
	Workers  int // default 5
	Logger   *slog.Logger
	Clock    clock.Clock
}

// Controller runs ReplicaSets (or ReplicationControllers).
type Controller struct {
	kind    kind
	deps    Deps
	exp     *expectations.Expectations
	pods    corelisters.PodLister
	queue   workqueue.TypedRateLimitingInterface[string]
	synced  []cache.InformerSynced
	workers int
	log     *slog.Logger
}

// New builds the ReplicaSet controller.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informer == nil {
		return nil, errors.New("replicaset controller: Client and Informer are required")
	}
	return newController(cfg, replicaSetKind(cfg.Client, cfg.Informer), "replicaset")
}

// NewReplicationController builds the ReplicationController controller:
// the same logic over core/v1 ReplicationControllers.
func NewReplicationController(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informer == nil {
		return nil, errors.New("replicationcontroller controller: Client and Informer are required")
	}
	// upstream's queue name for this controller
	return newController(cfg, replicationControllerKind(cfg.Client, cfg.Informer), "replicationmanager")
}

func newController(cfg Config, k kind, queue string) (*Controller, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = 5
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.Recorder == nil {
		cfg.Recorder = &record.FakeRecorder{}
	}
	podInf := cfg.Informer.Core().V1().Pods()
	c := &Controller{
		kind:    k,
		exp:     expectations.New(cfg.Clock),
		pods:    podInf.Lister(),
		queue:   worker.NewQueue[string](queue),
		workers: cfg.Workers,
		log:     cfg.Logger,
		synced:  []cache.InformerSynced{k.informer.HasSynced, podInf.Informer().HasSynced},
	}
	c.deps = c.clientDeps(cfg.Client, cfg.Recorder, cfg.Clock)
	if _, err := k.informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    worker.Enqueue(c.queue),
		UpdateFunc: func(_, obj any) { worker.Enqueue(c.queue)(obj) },
		DeleteFunc: func(obj any) {
			if key, ok := worker.Key(obj); ok {
				c.exp.Delete(key)
				c.queue.Add(key)
			}
		},
	}); err != nil {
		return nil, err
	}
	if _, err := podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.addPod,
		UpdateFunc: c.updatePod,
		DeleteFunc: c.deletePod,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// Start runs the workers until ctx is done.
func (c *Controller) Start(ctx context.Context) error {
	return worker.Run(ctx, c.queue, c.workers, c.log, func(ctx context.Context, key string) (worker.Result, error) {
		return reconcile(ctx, c.deps, key)
	}, c.synced...)
}

func (c *Controller) clientDeps(client kubernetes.Interface, rec record.EventRecorder, clk clock.Clock) Deps {
	k := c.kind
	return Deps{
		Kind: k.gvk,
		Get:  k.get,
		Pods: func(ns string) ([]*corev1.Pod, error) { return c.pods.Pods(ns).List(labels.Everything()) },
		Related: func(rs *appsv1.ReplicaSet) ([]*corev1.Pod, error) {
			return c.relatedPods(rs)
		},
		Claim: func(ctx context.Context, rs *appsv1.ReplicaSet, sel labels.Selector, pods []*corev1.Pod) ([]*corev1.Pod, error) {
			m := &claim.Manager{
				Owner: rs, OwnerKind: k.gvk, Selector: sel,
				CanAdopt: claim.OwnerCheck(rs.UID, func(ctx context.Context) (metav1.Object, error) {
					return k.fresh(ctx, rs.Namespace, rs.Name)
				}),
				Patch: func(ctx context.Context, name string, patch []byte) error {
					_, err := client.CoreV1().Pods(rs.Namespace).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
					return err
				},
			}
			return claim.Claim(ctx, m, pods)
		},
		CreatePod: func(ctx context.Context, pod *corev1.Pod) (*corev1.Pod, error) {
			return client.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{})
		},
		DeletePod: func(ctx context.Context, ns, name string) error {
			return client.CoreV1().Pods(ns).Delete(ctx, name, metav1.DeleteOptions{})
		},
		UpdateStatus: k.updateStatus,
		Event: func(rs *appsv1.ReplicaSet, eventType, reason, msg string) {
			rec.Event(k.object(rs), eventType, reason, msg)
		},
		Expectations:     c.exp,
		Now:              clk.Now,
		CountTerminating: k.gvk.Kind == "ReplicaSet",
	}
}

// relatedPods returns the pods owned by rs and by the ReplicaSets that
// share rs's controller.
func (c *Controller) relatedPods(rs *appsv1.ReplicaSet) ([]*corev1.Pod, error) {
	owners := map[types.UID]bool{rs.UID: true}
	if ref := metav1.GetControllerOfNoCopy(rs); ref != nil {
		all, err := c.kind.list(rs.Namespace)
		if err != nil {
			return nil, err
		}
		for _, o := range all {
			if r := metav1.GetControllerOfNoCopy(o); r != nil && r.UID == ref.UID {
				owners[o.UID] = true
			}
		}
	}
	pods, err := c.pods.Pods(rs.Namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	var out []*corev1.Pod
	for _, p := range pods {
		if r := metav1.GetControllerOfNoCopy(p); r != nil && owners[r.UID] {
			out = append(out, p)
		}
	}
	return out, nil
}

// resolve returns the owner named by a pod's controllerRef, if it is of
// this controller's kind and still the same object.
func (c *Controller) resolve(ns string, ref *metav1.OwnerReference) *appsv1.ReplicaSet {
	if ref.Kind != c.kind.gvk.Kind {
		return nil
	}
	rs, err := c.kind.get(ns, ref.Name)
	if err != nil || rs.UID != ref.UID {
		return nil
	}
	return rs
}

// matching returns the owners whose selector matches an orphan pod.
func (c *Controller) matching(p *corev1.Pod) []*appsv1.ReplicaSet {
	all, err := c.kind.list(p.Namespace)
	if err != nil {
		return nil
	}
	var out []*appsv1.ReplicaSet
	for _, rs := range all {
		sel, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
		if err != nil || sel.Empty() {
			continue
		}
		if sel.Matches(labels.Set(p.Labels)) {
			out = append(out, rs)
		}
	}
	return out
}

func key(rs *appsv1.ReplicaSet) string { return rs.Namespace + "/" + rs.Name }

func (c *Controller) addPod(obj any) {
	p := obj.(*corev1.Pod)
	if p.DeletionTimestamp != nil {
		// Seen already being deleted (after a restart): a deletion.
		c.deletePod(p)
		return
	}
	if ref := metav1.GetControllerOfNoCopy(p); ref != nil {
		if rs := c.resolve(p.Namespace, ref); rs != nil {
			c.exp.CreationObserved(key(rs))
			c.queue.Add(key(rs))
		}
		return
	}
	for _, rs := range c.matching(p) {
		c.queue.Add(key(rs))
	}
}

func (c *Controller) updatePod(oldObj, curObj any) {
	old, cur := oldObj.(*corev1.Pod), curObj.(*corev1.Pod)
	if old.ResourceVersion == cur.ResourceVersion {
		return
	}
	labelsChanged := !reflect.DeepEqual(old.Labels, cur.Labels)
	if cur.DeletionTimestamp != nil {
		// A graceful deletion is observed when it starts, not when the
		// kubelet finishes it.
		c.deletePod(cur)
		if labelsChanged {
			c.deletePod(old)
		}
		return
	}
	curRef, oldRef := metav1.GetControllerOfNoCopy(cur), metav1.GetControllerOfNoCopy(old)
	refChanged := !reflect.DeepEqual(curRef, oldRef)
	if refChanged && oldRef != nil {
		if rs := c.resolve(old.Namespace, oldRef); rs != nil {
			c.queue.Add(key(rs))
		}
	}
	if curRef != nil {
		rs := c.resolve(cur.Namespace, curRef)
		if rs == nil {
			return
		}
		c.queue.Add(key(rs))
		return
	}
	if labelsChanged || refChanged {
		for _, rs := range c.matching(cur) {
			c.queue.Add(key(rs))
		}
	}
}

func (c *Controller) deletePod(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	ref := metav1.GetControllerOfNoCopy(p)
	if ref == nil {
		return
	}
	if rs := c.resolve(p.Namespace, ref); rs != nil {
		c.exp.DeletionObserved(key(rs), string(p.UID))
		c.queue.Add(key(rs))
	}
}

package tainteviction

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/berth-dev/berth/internal/controller/worker"
)

// Name of the controller (for --controllers) and of its events' source.
const Name = "taint-eviction-controller"

const podNodeNameIndex = "spec.nodeName"

// Config configures the controller.
type Config struct {
	Client   kubernetes.Interface
	Informer informers.SharedInformerFactory
	Recorder record.EventRecorder
	Workers  int // per queue; default 8
	Logger   *slog.Logger
	Clock    clock.Clock
}

// Controller evicts pods from NoExecute-tainted nodes.
type Controller struct {
	client    kubernetes.Interface
	nodes     corelisters.NodeLister
	pods      corelisters.PodLister
	podIndex  cache.Indexer
	synced    []cache.InformerSynced
	nodeQueue workqueue.TypedRateLimitingInterface[string]
	podQueue  workqueue.TypedRateLimitingInterface[string]
	// evictQueue holds pod keys until their eviction is due.
	evictQueue workqueue.TypedRateLimitingInterface[string]
	recorder   record.EventRecorder
	workers    int
	log        *slog.Logger
	clock      clock.Clock

	mu        sync.Mutex
	scheduled map[string]*eviction // by pod key
}

// New builds the controller and registers its informer handlers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informer == nil || cfg.Recorder == nil {
		return nil, errors.New("taint eviction controller: Client, Informer and Recorder are required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	nodeInf := cfg.Informer.Core().V1().Nodes()
	podInf := cfg.Informer.Core().V1().Pods()
	if err := addNodeNameIndex(podInf.Informer()); err != nil {
		return nil, err
	}
	c := &Controller{
		client:     cfg.Client,
		nodes:      nodeInf.Lister(),
		pods:       podInf.Lister(),
		podIndex:   podInf.Informer().GetIndexer(),
		synced:     []cache.InformerSynced{nodeInf.Informer().HasSynced, podInf.Informer().HasSynced},
		nodeQueue:  worker.NewQueue[string]("noexec_taint_node"),
		podQueue:   worker.NewQueue[string]("noexec_taint_pod"),
		evictQueue: worker.NewQueue[string]("noexec_taint_eviction"),
		recorder:   cfg.Recorder,
		workers:    cfg.Workers,
		log:        cfg.Logger,
		clock:      cfg.Clock,
		scheduled:  map[string]*eviction{},
	}
	nodeChanged := func(old, cur any) {
		o, _ := old.(*corev1.Node)
		n, _ := cur.(*corev1.Node)
		if o != nil && n != nil && equality.Semantic.DeepEqual(noExecute(o.Spec.Taints), noExecute(n.Spec.Taints)) {
			return
		}
		if n == nil {
			n = o
		}
		if n != nil {
			c.nodeQueue.Add(n.Name)
		}
	}
	if _, err := nodeInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { nodeChanged(nil, obj) },
		UpdateFunc: nodeChanged,
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			nodeChanged(obj, nil)
		},
	}); err != nil {
		return nil, err
	}
	if _, err := podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: worker.Enqueue(c.podQueue),
		UpdateFunc: func(old, cur any) {
			o, p := old.(*corev1.Pod), cur.(*corev1.Pod)
			if o.Spec.NodeName == p.Spec.NodeName && equality.Semantic.DeepEqual(o.Spec.Tolerations, p.Spec.Tolerations) {
				return
			}
			worker.Enqueue(c.podQueue)(p)
		},
		DeleteFunc: worker.Enqueue(c.podQueue),
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// addNodeNameIndex indexes pods by spec.nodeName, unless another
// controller sharing the informer already did.
func addNodeNameIndex(inf cache.SharedIndexInformer) error {
	if _, ok := inf.GetIndexer().GetIndexers()[podNodeNameIndex]; ok {
		return nil
	}
	return inf.AddIndexers(cache.Indexers{podNodeNameIndex: func(obj any) ([]string, error) {
		if p, ok := obj.(*corev1.Pod); ok && p.Spec.NodeName != "" {
			return []string{p.Spec.NodeName}, nil
		}
		return nil, nil
	}})
}

// Start runs the workers until ctx is done.
func (c *Controller) Start(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(func() { _ = worker.Run(ctx, c.nodeQueue, c.workers, c.log, c.syncNode, c.synced...) })
	wg.Go(func() { _ = worker.Run(ctx, c.podQueue, c.workers, c.log, c.syncPod, c.synced...) })
	wg.Go(func() { _ = worker.Run(ctx, c.evictQueue, c.workers, c.log, c.evict, c.synced...) })
	wg.Wait()
	return nil
}

// syncNode re-evaluates every pod on a node whose NoExecute taints changed.
func (c *Controller) syncNode(_ context.Context, name string) (worker.Result, error) {
	taints, err := c.taintsOf(name)
	if err != nil {
		return worker.Result{}, err
	}
	objs, err := c.podIndex.ByIndex(podNodeNameIndex, name)
	if err != nil {
		return worker.Result{}, err
	}
	for _, o := range objs {
		if p, ok := o.(*corev1.Pod); ok {
			c.evaluate(p, taints)
		}
	}
	return worker.Result{}, nil
}

// syncPod evaluates a pod that appeared, moved, changed tolerations or
// went away.
func (c *Controller) syncPod(_ context.Context, key string) (worker.Result, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return worker.Result{}, nil
	}
	p, err := c.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.cancel(key, nil, true)
		return worker.Result{}, nil
	}
	if err != nil {
		return worker.Result{}, err
	}
	if p.Spec.NodeName == "" {
		return worker.Result{}, nil
	}
	taints, err := c.taintsOf(p.Spec.NodeName)
	if err != nil {
		return worker.Result{}, err
	}
	c.evaluate(p, taints)
	return worker.Result{}, nil
}

// taintsOf returns node's NoExecute taints, none if it is gone.
func (c *Controller) taintsOf(node string) ([]corev1.Taint, error) {
	n, err := c.nodes.Get(node)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return noExecute(n.Spec.Taints), nil
}

// evaluate schedules, keeps or cancels p's eviction.
func (c *Controller) evaluate(p *corev1.Pod, taints []corev1.Taint) {
	key := p.Namespace + "/" + p.Name
	if p.DeletionTimestamp != nil {
		c.cancel(key, nil, false) // on its way out already
		return
	}
	now := c.clock.Now()
	c.mu.Lock()
	cur := c.scheduled[key]
	next := schedule(p.UID, p.Spec.Tolerations, taints, cur, now)
	if next == cur {
		c.mu.Unlock()
		return
	}
	if next == nil {
		c.mu.Unlock()
		c.cancel(key, cur, true)
		return
	}
	c.scheduled[key] = next
	c.mu.Unlock()
	c.evictQueue.AddAfter(key, next.fireAt.Sub(now))
}

// cancel drops key's scheduled eviction (only if it is still want, when
// want is not nil), with an event when told to and one was scheduled.
func (c *Controller) cancel(key string, want *eviction, event bool) {
	c.mu.Lock()
	cur, ok := c.scheduled[key]
	if !ok || (want != nil && cur != want) {
		c.mu.Unlock()
		return
	}
	delete(c.scheduled, key)
	c.mu.Unlock()
	if event {
		c.podEvent(key, "Cancelling deletion of Pod %s")
	}
}

// evict deletes the pod once its eviction is due.
func (c *Controller) evict(ctx context.Context, key string) (worker.Result, error) {
	c.mu.Lock()
	ev := c.scheduled[key]
	c.mu.Unlock()
	if ev == nil {
		return worker.Result{}, nil
	}
	if wait := ev.fireAt.Sub(c.clock.Now()); wait > 0 {
		return worker.Result{RequeueAfter: wait}, nil
	}
	ns, name, _ := cache.SplitMetaNamespaceKey(key)
	c.podEvent(key, "Marking for deletion Pod %s")
	if err := c.deletePod(ctx, ns, name, ev.uid); err != nil {
		return worker.Result{}, err
	}
	podDeletionsTotal.Inc()
	podDeletionLatency.Observe(c.clock.Since(ev.fireAt).Seconds())
	c.cancel(key, ev, false)
	return worker.Result{}, nil
}

// deletePod records the DisruptionTarget condition on the pod, then
// deletes it (gracefully: its kubelet confirms).
func (c *Controller) deletePod(ctx context.Context, ns, name string, uid types.UID) error {
	pods := c.client.CoreV1().Pods(ns)
	p, err := pods.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) || (err == nil && p.UID != uid) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get pod %s/%s: %w", ns, name, err)
	}
	if !slices.ContainsFunc(p.Status.Conditions, func(c corev1.PodCondition) bool {
		return c.Type == corev1.DisruptionTarget && c.Status == corev1.ConditionTrue && c.Reason == "DeletionByTaintManager"
	}) {
		patch, err := json.Marshal(map[string]any{
			"metadata": map[string]any{"uid": uid},
			"status": map[string]any{"conditions": []corev1.PodCondition{{
				Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue,
				Reason: "DeletionByTaintManager", Message: "Taint manager: deleting due to NoExecute taint",
				LastTransitionTime: metav1.NewTime(c.clock.Now()),
			}}},
		})
		if err != nil {
			return err
		}
		if _, err := pods.Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status"); err != nil {
			if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
				return nil
			}
			return fmt.Errorf("set DisruptionTarget on pod %s/%s: %w", ns, name, err)
		}
	}
	err = pods.Delete(ctx, name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("delete pod %s/%s: %w", ns, name, err)
	}
	return nil
}

// podEvent records a TaintManagerEviction event on the pod named by key;
// format has one %s for the key.
func (c *Controller) podEvent(key, format string) {
	ns, name, _ := cache.SplitMetaNamespaceKey(key)
	ref := &corev1.ObjectReference{APIVersion: "v1", Kind: "Pod", Namespace: ns, Name: name}
	c.recorder.Eventf(ref, corev1.EventTypeNormal, "TaintManagerEviction", format, key)
}

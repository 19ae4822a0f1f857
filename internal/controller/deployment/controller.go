package deployment

import (
	"context"
	"errors"
	"log/slog"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/berth-dev/berth/internal/controller/claim"
	"github.com/berth-dev/berth/internal/controller/worker"
)

// Name of the controller (for --controllers).
const Name = "deployment"

// Config configures the controller.
type Config struct {
	Client   kubernetes.Interface
	Informer informers.SharedInformerFactory
	// Recorder records events; it should report as "deployment-controller".
	Recorder record.EventRecorder
	Workers  int // default 5
	Logger   *slog.Logger
	Clock    clock.Clock
}

// Controller runs Deployments.
type Controller struct {
	deps        Deps
	deployments appslisters.DeploymentLister
	rss         appslisters.ReplicaSetLister
	pods        corelisters.PodLister
	queue       workqueue.TypedRateLimitingInterface[string]
	synced      []cache.InformerSynced
	workers     int
	log         *slog.Logger
}

// New builds the controller and registers its informer handlers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informer == nil {
		return nil, errors.New("deployment controller: Client and Informer are required")
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
	if cfg.Recorder == nil {
		cfg.Recorder = &record.FakeRecorder{}
	}
	dInf := cfg.Informer.Apps().V1().Deployments()
	rsInf := cfg.Informer.Apps().V1().ReplicaSets()
	podInf := cfg.Informer.Core().V1().Pods()
	c := &Controller{
		deployments: dInf.Lister(),
		rss:         rsInf.Lister(),
		pods:        podInf.Lister(),
		queue:       worker.NewQueue[string](Name),
		workers:     cfg.Workers,
		log:         cfg.Logger,
		synced:      []cache.InformerSynced{dInf.Informer().HasSynced, rsInf.Informer().HasSynced, podInf.Informer().HasSynced},
	}
	c.deps = c.clientDeps(cfg.Client, cfg.Recorder, cfg.Clock)
	enqueue := worker.Enqueue(c.queue)
	if _, err := dInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
		DeleteFunc: enqueue,
	}); err != nil {
		return nil, err
	}
	if _, err := rsInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.replicaSetChanged,
		UpdateFunc: c.replicaSetUpdated,
		DeleteFunc: c.replicaSetChanged,
	}); err != nil {
		return nil, err
	}
	if _, err := podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		DeleteFunc: c.podDeleted,
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
	return Deps{
		Get: func(ns, name string) (*appsv1.Deployment, error) { return c.deployments.Deployments(ns).Get(name) },
		ReplicaSets: func(ctx context.Context, d *appsv1.Deployment) ([]*appsv1.ReplicaSet, error) {
			sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
			if err != nil {
				return nil, err
			}
			all, err := c.rss.ReplicaSets(d.Namespace).List(labels.Everything())
			if err != nil {
				return nil, err
			}
			m := &claim.Manager{
				Owner: d, OwnerKind: kind, Selector: sel,
				CanAdopt: claim.OwnerCheck(d.UID, func(ctx context.Context) (metav1.Object, error) {
					return client.AppsV1().Deployments(d.Namespace).Get(ctx, d.Name, metav1.GetOptions{})
				}),
				Patch: func(ctx context.Context, name string, patch []byte) error {
					_, err := client.AppsV1().ReplicaSets(d.Namespace).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
					return err
				},
			}
			return claim.Claim(ctx, m, all)
		},
		Pods: func(d *appsv1.Deployment, rss []*appsv1.ReplicaSet) (map[types.UID][]*corev1.Pod, error) {
			sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
			if err != nil {
				return nil, err
			}
			pods, err := c.pods.Pods(d.Namespace).List(sel)
			if err != nil {
				return nil, err
			}
			out := map[types.UID][]*corev1.Pod{}
			for _, rs := range rss {
				out[rs.UID] = nil
			}
			for _, p := range pods {
				if ref := metav1.GetControllerOfNoCopy(p); ref != nil {
					if _, ok := out[ref.UID]; ok {
						out[ref.UID] = append(out[ref.UID], p)
					}
				}
			}
			return out, nil
		},
		GetReplicaSet: func(ns, name string) (*appsv1.ReplicaSet, error) { return c.rss.ReplicaSets(ns).Get(name) },
		CreateReplicaSet: func(ctx context.Context, rs *appsv1.ReplicaSet) (*appsv1.ReplicaSet, error) {
			return client.AppsV1().ReplicaSets(rs.Namespace).Create(ctx, rs, metav1.CreateOptions{})
		},
		UpdateReplicaSet: func(ctx context.Context, rs *appsv1.ReplicaSet) (*appsv1.ReplicaSet, error) {
			return client.AppsV1().ReplicaSets(rs.Namespace).Update(ctx, rs, metav1.UpdateOptions{})
		},
		DeleteReplicaSet: func(ctx context.Context, ns, name string) error {
			return client.AppsV1().ReplicaSets(ns).Delete(ctx, name, metav1.DeleteOptions{})
		},
		UpdateStatus: func(ctx context.Context, d *appsv1.Deployment) (*appsv1.Deployment, error) {
			// The status endpoint also takes annotation changes: the
			// revision annotation is written this way, as upstream.
			return client.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{})
		},
		Event: func(d *appsv1.Deployment, eventType, reason, msg string) { rec.Event(d, eventType, reason, msg) },
		Now:   clk.Now,
	}
}

// owner returns the key of the Deployment controlling rs, if it exists.
func (c *Controller) owner(ns string, ref *metav1.OwnerReference) (string, bool) {
	if ref.Kind != kind.Kind {
		return "", false
	}
	d, err := c.deployments.Deployments(ns).Get(ref.Name)
	if err != nil || d.UID != ref.UID {
		return "", false
	}
	return ns + "/" + d.Name, true
}

// matching enqueues the Deployments whose selector matches an orphan.
func (c *Controller) enqueueMatching(rs *appsv1.ReplicaSet) {
	ds, err := c.deployments.Deployments(rs.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, d := range ds {
		sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		if err != nil || sel.Empty() {
			continue
		}
		if sel.Matches(labels.Set(rs.Labels)) {
			c.queue.Add(d.Namespace + "/" + d.Name)
		}
	}
}

func (c *Controller) replicaSetChanged(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	rs, ok := obj.(*appsv1.ReplicaSet)
	if !ok {
		return
	}
	if ref := metav1.GetControllerOfNoCopy(rs); ref != nil {
		if key, ok := c.owner(rs.Namespace, ref); ok {
			c.queue.Add(key)
		}
		return
	}
	c.enqueueMatching(rs)
}

func (c *Controller) replicaSetUpdated(oldObj, curObj any) {
	old, cur := oldObj.(*appsv1.ReplicaSet), curObj.(*appsv1.ReplicaSet)
	if old.ResourceVersion == cur.ResourceVersion {
		return
	}
	if oldRef := metav1.GetControllerOfNoCopy(old); oldRef != nil {
		if curRef := metav1.GetControllerOfNoCopy(cur); curRef == nil || curRef.UID != oldRef.UID {
			if key, ok := c.owner(old.Namespace, oldRef); ok {
				c.queue.Add(key)
			}
		}
	}
	c.replicaSetChanged(cur)
}

// podDeleted wakes a Recreate Deployment waiting for its old pods to go.
func (c *Controller) podDeleted(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	ref := metav1.GetControllerOfNoCopy(p)
	if ref == nil || ref.Kind != "ReplicaSet" {
		return
	}
	rs, err := c.rss.ReplicaSets(p.Namespace).Get(ref.Name)
	if err != nil || rs.UID != ref.UID {
		return
	}
	dref := metav1.GetControllerOfNoCopy(rs)
	if dref == nil {
		return
	}
	d, err := c.deployments.Deployments(p.Namespace).Get(dref.Name)
	if err != nil || d.UID != dref.UID || d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		return
	}
	c.queue.Add(d.Namespace + "/" + d.Name)
}

package namespace

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/berth-dev/berth/internal/controller/worker"
)

// Name of the controller (for --controllers).
const Name = "namespace"

// Config configures the controller.
type Config struct {
	Client   kubernetes.Interface
	Metadata metadata.Interface
	Informer informers.SharedInformerFactory
	Workers  int // default 2
	Logger   *slog.Logger
	Clock    clock.Clock
}

// Controller empties terminating namespaces.
type Controller struct {
	deps    Deps
	queue   workqueue.TypedRateLimitingInterface[string]
	synced  cache.InformerSynced
	workers int
	log     *slog.Logger
}

// New builds the controller and registers its informer handlers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Metadata == nil || cfg.Informer == nil {
		return nil, errors.New("namespace controller: Client, Metadata and Informer are required")
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
	c := &Controller{
		queue:   worker.NewQueue[string](Name),
		workers: cfg.Workers,
		log:     cfg.Logger,
	}
	c.deps = clientDeps(cfg.Client, cfg.Metadata, cfg.Client.Discovery(), cfg.Clock)
	inf := cfg.Informer.Core().V1().Namespaces().Informer()
	c.synced = inf.HasSynced
	enqueue := func(obj any) {
		if ns, ok := obj.(*corev1.Namespace); ok && ns.DeletionTimestamp != nil {
			c.queue.Add(ns.Name)
		}
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// Start runs the workers until ctx is done.
func (c *Controller) Start(ctx context.Context) error {
	return worker.Run(ctx, c.queue, c.workers, c.log, func(ctx context.Context, name string) (worker.Result, error) {
		return reconcile(ctx, c.deps, name)
	}, c.synced)
}

// clientDeps implements Deps with client-go.
func clientDeps(client kubernetes.Interface, meta metadata.Interface, disc discovery.DiscoveryInterface, clk clock.Clock) Deps {
	bg := metav1.DeletePropagationBackground
	return Deps{
		GetNamespace: func(ctx context.Context, name string) (*corev1.Namespace, error) {
			return client.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
		},
		Resources: func(context.Context) ([]schema.GroupVersionResource, error) {
			lists, err := disc.ServerPreferredNamespacedResources()
			var out []schema.GroupVersionResource
			for _, l := range lists {
				gv, perr := schema.ParseGroupVersion(l.GroupVersion)
				if perr != nil {
					continue
				}
				for _, r := range l.APIResources {
					if slices.Contains(r.Verbs, "list") && slices.Contains(r.Verbs, "deletecollection") {
						out = append(out, gv.WithResource(r.Name))
					}
				}
			}
			return out, err
		},
		DeleteCollection: func(ctx context.Context, gvr schema.GroupVersionResource, ns string) error {
			return meta.Resource(gvr).Namespace(ns).DeleteCollection(ctx, metav1.DeleteOptions{PropagationPolicy: &bg}, metav1.ListOptions{})
		},
		Count: func(ctx context.Context, gvr schema.GroupVersionResource, ns string) (int, int, error) {
			list, err := meta.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				return 0, 0, err
			}
			fin := 0
			for _, item := range list.Items {
				if len(item.Finalizers) > 0 {
					fin++
				}
			}
			return len(list.Items), fin, nil
		},
		UpdateStatus: func(ctx context.Context, ns *corev1.Namespace) (*corev1.Namespace, error) {
			return client.CoreV1().Namespaces().UpdateStatus(ctx, ns, metav1.UpdateOptions{})
		},
		Finalize: func(ctx context.Context, ns *corev1.Namespace) error {
			_, err := client.CoreV1().Namespaces().Finalize(ctx, ns, metav1.UpdateOptions{})
			return err
		},
		Now: func() time.Time { return clk.Now().Truncate(time.Second) },
	}
}

package serviceaccount

import (
	"context"
	"errors"
	"log/slog"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/berth-dev/berth/internal/controller/worker"
)

// Name of the controller (for --controllers).
const Name = "serviceaccount"

// Config configures the controller.
type Config struct {
	Client   kubernetes.Interface
	Informer informers.SharedInformerFactory
	Workers  int // default 1
	Logger   *slog.Logger
}

// Controller ensures the default ServiceAccount of every namespace.
type Controller struct {
	deps    Deps
	queue   workqueue.TypedRateLimitingInterface[string]
	synced  []cache.InformerSynced
	workers int
	log     *slog.Logger
}

// New builds the controller and registers its informer handlers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informer == nil {
		return nil, errors.New("serviceaccount controller: Client and Informer are required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	nsInf := cfg.Informer.Core().V1().Namespaces()
	saInf := cfg.Informer.Core().V1().ServiceAccounts()
	c := &Controller{
		queue:   worker.NewQueue[string](Name),
		synced:  []cache.InformerSynced{nsInf.Informer().HasSynced, saInf.Informer().HasSynced},
		workers: cfg.Workers,
		log:     cfg.Logger,
	}
	c.deps = Deps{
		GetNamespace: func(name string) (*corev1.Namespace, error) { return nsInf.Lister().Get(name) },
		GetServiceAccount: func(namespace, name string) (*corev1.ServiceAccount, error) {
			return saInf.Lister().ServiceAccounts(namespace).Get(name)
		},
		Create: func(ctx context.Context, sa *corev1.ServiceAccount) error {
			_, err := cfg.Client.CoreV1().ServiceAccounts(sa.Namespace).Create(ctx, sa, metav1.CreateOptions{})
			return err
		},
	}
	enqueueNS := func(obj any) {
		if ns, ok := obj.(*corev1.Namespace); ok {
			c.queue.Add(ns.Name)
		}
	}
	if _, err := nsInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueueNS,
		UpdateFunc: func(_, obj any) { enqueueNS(obj) },
	}); err != nil {
		return nil, err
	}
	if _, err := saInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		DeleteFunc: func(obj any) {
			if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = t.Obj
			}
			if sa, ok := obj.(*corev1.ServiceAccount); ok {
				c.queue.Add(sa.Namespace)
			}
		},
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// Start runs the workers until ctx is done.
func (c *Controller) Start(ctx context.Context) error {
	return worker.Run(ctx, c.queue, c.workers, c.log, func(ctx context.Context, ns string) (worker.Result, error) {
		return worker.Result{}, reconcile(ctx, c.deps, ns)
	}, c.synced...)
}

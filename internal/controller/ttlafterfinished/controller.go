package ttlafterfinished

import (
	"context"
	"errors"
	"log/slog"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/berth-dev/berth/internal/controller/worker"
)

// Name of the controller (for --controllers).
const Name = "ttl-after-finished"

// Config configures the controller.
type Config struct {
	Client   kubernetes.Interface
	Informer informers.SharedInformerFactory
	Workers  int // default 5, upstream's --concurrent-ttl-after-finished-syncs
	Logger   *slog.Logger
	Clock    clock.Clock
}

// Controller deletes expired finished Jobs.
type Controller struct {
	deps    Deps
	queue   workqueue.TypedRateLimitingInterface[string]
	synced  cache.InformerSynced
	workers int
	log     *slog.Logger
}

// New builds the controller and registers its informer handlers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informer == nil {
		return nil, errors.New("ttl-after-finished controller: Client and Informer are required")
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
	inf := cfg.Informer.Batch().V1().Jobs()
	c := &Controller{
		queue:   worker.NewQueue[string]("ttl_jobs_to_delete"),
		synced:  inf.Informer().HasSynced,
		workers: cfg.Workers,
		log:     cfg.Logger,
	}
	lister := inf.Lister()
	client := cfg.Client
	c.deps = Deps{
		GetCached: func(ns, name string) (*batchv1.Job, error) { return lister.Jobs(ns).Get(name) },
		GetFresh: func(ctx context.Context, ns, name string) (*batchv1.Job, error) {
			return client.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
		},
		Delete: func(ctx context.Context, j *batchv1.Job) error {
			fg := metav1.DeletePropagationForeground
			return client.BatchV1().Jobs(j.Namespace).Delete(ctx, j.Name, metav1.DeleteOptions{
				PropagationPolicy: &fg, Preconditions: &metav1.Preconditions{UID: &j.UID}})
		},
		Now: cfg.Clock.Now,
	}
	enqueue := func(obj any) {
		if j, ok := obj.(*batchv1.Job); ok && j.DeletionTimestamp == nil && needsCleanup(j) {
			worker.Enqueue(c.queue)(j)
		}
	}
	if _, err := inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// Start runs the workers until ctx is done.
func (c *Controller) Start(ctx context.Context) error {
	return worker.Run(ctx, c.queue, c.workers, c.log, func(ctx context.Context, key string) (worker.Result, error) {
		return reconcile(ctx, c.deps, key)
	}, c.synced)
}

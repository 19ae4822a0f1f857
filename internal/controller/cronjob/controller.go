package cronjob

import (
	"context"
	"errors"
	"log/slog"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/berth-dev/berth/internal/controller/worker"
)

// Name of the controller (for --controllers).
const Name = "cronjob"

// Config configures the controller.
type Config struct {
	Client   kubernetes.Interface
	Informer informers.SharedInformerFactory
	// Recorder reports events as "cronjob-controller".
	Recorder record.EventRecorder
	Workers  int // default 5, upstream's --concurrent-cron-job-syncs
	Logger   *slog.Logger
	Clock    clock.Clock
}

// Controller runs CronJobs.
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
		return nil, errors.New("cronjob controller: Client, Informer and Recorder are required")
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
	cjInf := cfg.Informer.Batch().V1().CronJobs()
	jobInf := cfg.Informer.Batch().V1().Jobs()
	c := &Controller{
		queue:   worker.NewQueue[string](Name),
		synced:  []cache.InformerSynced{cjInf.Informer().HasSynced, jobInf.Informer().HasSynced},
		workers: cfg.Workers,
		log:     cfg.Logger,
	}
	cjs, jobs, client, rec, clk := cjInf.Lister(), jobInf.Lister(), cfg.Client, cfg.Recorder, cfg.Clock
	c.deps = Deps{
		GetCronJob: func(ns, name string) (*batchv1.CronJob, error) { return cjs.CronJobs(ns).Get(name) },
		GetFreshCronJob: func(ctx context.Context, ns, name string) (*batchv1.CronJob, error) {
			return client.BatchV1().CronJobs(ns).Get(ctx, name, metav1.GetOptions{})
		},
		ListJobs: func(ns string) ([]*batchv1.Job, error) { return jobs.Jobs(ns).List(labels.Everything()) },
		GetJob: func(ctx context.Context, ns, name string) (*batchv1.Job, error) {
			return client.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
		},
		CreateJob: func(ctx context.Context, j *batchv1.Job) (*batchv1.Job, error) {
			return client.BatchV1().Jobs(j.Namespace).Create(ctx, j, metav1.CreateOptions{})
		},
		DeleteJob: func(ctx context.Context, ns, name string) error {
			bg := metav1.DeletePropagationBackground
			return client.BatchV1().Jobs(ns).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &bg})
		},
		UpdateStatus: func(ctx context.Context, cj *batchv1.CronJob) (*batchv1.CronJob, error) {
			return client.BatchV1().CronJobs(cj.Namespace).UpdateStatus(ctx, cj, metav1.UpdateOptions{})
		},
		Event: func(cj *batchv1.CronJob, typ, reason, msg string) { rec.Event(cj, typ, reason, msg) },
		Now:   clk.Now,
	}
	enqueue := worker.Enqueue(c.queue)
	if _, err := cjInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
		DeleteFunc: enqueue,
	}); err != nil {
		return nil, err
	}
	if _, err := jobInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueueOwner,
		UpdateFunc: func(old, obj any) {
			c.enqueueOwner(old)
			c.enqueueOwner(obj)
		},
		DeleteFunc: c.enqueueOwner,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// enqueueOwner queues the CronJob controlling a Job.
func (c *Controller) enqueueOwner(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	j, ok := obj.(*batchv1.Job)
	if !ok {
		return
	}
	if ref := metav1.GetControllerOfNoCopy(j); ref != nil && ref.Kind == "CronJob" && ref.APIVersion == batchv1.SchemeGroupVersion.String() {
		c.queue.Add(j.Namespace + "/" + ref.Name)
	}
}

// Start runs the workers until ctx is done.
func (c *Controller) Start(ctx context.Context) error {
	return worker.Run(ctx, c.queue, c.workers, c.log, func(ctx context.Context, key string) (worker.Result, error) {
		return reconcile(ctx, c.deps, key)
	}, c.synced...)
}

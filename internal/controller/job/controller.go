package job

import (
	"context"
	"errors"
	"log/slog"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/berth-dev/berth/internal/controller/claim"
	"github.com/berth-dev/berth/internal/controller/expectations"
	"github.com/berth-dev/berth/internal/controller/worker"
)

// Name of the controller (for --controllers).
const Name = "job"

// Config configures the controller.
type Config struct {
	Client   kubernetes.Interface
	Informer informers.SharedInformerFactory
	// Recorder reports events as "job-controller".
	Recorder record.EventRecorder
	Workers  int // default 5, upstream's --concurrent-job-syncs
	Logger   *slog.Logger
	Clock    clock.Clock
	// Backoff is the delay before recreating a pod after the first
	// failure; it doubles per further failure up to MaxBackoff. Defaults
	// are upstream's, DefaultBackoff and DefaultMaxBackoff.
	Backoff    time.Duration
	MaxBackoff time.Duration
}

// Controller runs Jobs.
type Controller struct {
	sync    *syncer
	queue   workqueue.TypedRateLimitingInterface[string]
	synced  []cache.InformerSynced
	jobs    batchlisters.JobLister
	workers int
	log     *slog.Logger
}

// New builds the controller and registers its informer handlers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informer == nil || cfg.Recorder == nil {
		return nil, errors.New("job controller: Client, Informer and Recorder are required")
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
	if cfg.Backoff <= 0 {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	jobInf := cfg.Informer.Batch().V1().Jobs()
	podInf := cfg.Informer.Core().V1().Pods()
	c := &Controller{
		queue:   worker.NewQueue[string](Name),
		synced:  []cache.InformerSynced{jobInf.Informer().HasSynced, podInf.Informer().HasSynced},
		jobs:    jobInf.Lister(),
		workers: cfg.Workers,
		log:     cfg.Logger,
	}
	c.sync = &syncer{
		deps:       clientDeps(cfg.Client, jobInf.Lister(), podInf.Lister(), cfg.Recorder, cfg.Clock),
		pods:       expectations.New(cfg.Clock),
		finalizers: expectations.New(cfg.Clock),
		backoff:    newBackoffStore(),
		base:       cfg.Backoff,
		limit:      cfg.MaxBackoff,
	}
	enqueue := worker.Enqueue(c.queue)
	if _, err := jobInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
		DeleteFunc: enqueue,
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
	return worker.Run(ctx, c.queue, c.workers, c.log, c.sync.reconcile, c.synced...)
}

// jobKey is the key of the Job controlling p, if any.
func jobKey(p *corev1.Pod) (string, bool) {
	ref := metav1.GetControllerOfNoCopy(p)
	if ref == nil || ref.Kind != "Job" || ref.APIVersion != batchv1.SchemeGroupVersion.String() {
		return "", false
	}
	return p.Namespace + "/" + ref.Name, true
}

func (c *Controller) addPod(obj any) {
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if isOrphan(p) {
		c.queue.Add(orphanKey(p))
	}
	key, ok := jobKey(p)
	if !ok {
		return
	}
	if p.DeletionTimestamp != nil {
		c.sync.pods.DeletionObserved(key, string(p.UID))
	} else {
		c.sync.pods.CreationObserved(key)
	}
	c.queue.Add(key)
}

func (c *Controller) updatePod(oldObj, obj any) {
	old, ok1 := oldObj.(*corev1.Pod)
	p, ok2 := obj.(*corev1.Pod)
	if !ok1 || !ok2 {
		return
	}
	if isOrphan(p) {
		c.queue.Add(orphanKey(p))
	}
	oldKey, hadOwner := jobKey(old)
	key, hasOwner := jobKey(p)
	if hadOwner && oldKey != key {
		// Released: its old Job waits for nothing more from this pod.
		c.sync.finalizers.DeletionObserved(oldKey, string(p.UID))
		c.queue.Add(oldKey)
	}
	if !hasOwner {
		return
	}
	if p.DeletionTimestamp != nil && old.DeletionTimestamp == nil {
		c.sync.pods.DeletionObserved(key, string(p.UID))
	}
	if !hasFinalizer(p) {
		c.sync.finalizers.DeletionObserved(key, string(p.UID))
	}
	c.queue.Add(key)
}

func (c *Controller) deletePod(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	p, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	key, ok := jobKey(p)
	if !ok {
		return
	}
	c.sync.pods.DeletionObserved(key, string(p.UID))
	c.sync.finalizers.DeletionObserved(key, string(p.UID))
	c.queue.Add(key)
}

// clientDeps implements Deps with client-go and the informers' listers.
func clientDeps(client kubernetes.Interface, jobs batchlisters.JobLister, pods corelisters.PodLister, rec record.EventRecorder, clk clock.Clock) Deps {
	patch := func(ctx context.Context, ns, name string, data []byte) error {
		_, err := client.CoreV1().Pods(ns).Patch(ctx, name, types.StrategicMergePatchType, data, metav1.PatchOptions{})
		return err
	}
	return Deps{
		GetJob:   func(ns, name string) (*batchv1.Job, error) { return jobs.Jobs(ns).Get(name) },
		ListJobs: func(ns string) ([]*batchv1.Job, error) { return jobs.Jobs(ns).List(labels.Everything()) },
		ListPods: func(ns string) ([]*corev1.Pod, error) {
			return pods.Pods(ns).List(labels.Everything())
		},
		ClaimPods: func(ctx context.Context, j *batchv1.Job, all []*corev1.Pod) ([]*corev1.Pod, error) {
			sel, err := metav1.LabelSelectorAsSelector(j.Spec.Selector)
			if err != nil {
				return nil, err
			}
			m := &claim.Manager{
				Owner: j, OwnerKind: jobKind, Selector: sel,
				CanAdopt: claim.OwnerCheck(j.UID, func(ctx context.Context) (metav1.Object, error) {
					return client.BatchV1().Jobs(j.Namespace).Get(ctx, j.Name, metav1.GetOptions{})
				}),
				Patch: func(ctx context.Context, name string, data []byte) error { return patch(ctx, j.Namespace, name, data) },
			}
			return claim.Claim(ctx, m, all)
		},
		CreatePod: func(ctx context.Context, p *corev1.Pod) (*corev1.Pod, error) {
			return client.CoreV1().Pods(p.Namespace).Create(ctx, p, metav1.CreateOptions{})
		},
		DeletePod: func(ctx context.Context, ns, name string) error {
			return client.CoreV1().Pods(ns).Delete(ctx, name, metav1.DeleteOptions{})
		},
		PatchPod: patch,
		UpdateJobStatus: func(ctx context.Context, j *batchv1.Job) (*batchv1.Job, error) {
			return client.BatchV1().Jobs(j.Namespace).UpdateStatus(ctx, j, metav1.UpdateOptions{})
		},
		Event: func(j *batchv1.Job, typ, reason, msg string) { rec.Event(j, typ, reason, msg) },
		Now:   func() time.Time { return clk.Now().Truncate(time.Second) },
	}
}

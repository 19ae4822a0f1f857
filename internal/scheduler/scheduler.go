package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	"github.com/berth-dev/berth/internal/scheduler/framework"
	"github.com/berth-dev/berth/internal/scheduler/plugins"
	"github.com/berth-dev/berth/internal/scheduler/queue"
)

// Config configures a Scheduler.
type Config struct {
	// Client is the API client; required.
	Client kubernetes.Interface
	// Informers supplies the pod and node informers; required. Start
	// starts it.
	Informers informers.SharedInformerFactory
	// SchedulerName is the spec.schedulerName of the pods this scheduler
	// places; "default-scheduler" when empty (pods naming none count as
	// default-scheduler).
	SchedulerName string
	// Logger; slog.Default() when nil. Logs under component=scheduler.
	Logger *slog.Logger
	// Clock drives the queue's backoff and the framework's metrics; the
	// real clock when nil.
	Clock clock.WithTicker
	// Recorder records Scheduled and FailedScheduling events; when nil
	// Start records them to the API as core/v1 Events.
	Recorder record.EventRecorder
}

// Scheduler is the scheduling loop of one profile. Start runs it.
type Scheduler struct {
	client    kubernetes.Interface
	informers informers.SharedInformerFactory
	name      string
	log       *slog.Logger
	recorder  record.EventRecorder
	clock     clock.PassiveClock

	fwk       *framework.Framework
	queue     *queue.PriorityQueue
	cache     *cache
	snap      *snapshot
	podLister corelisters.PodLister
	synced    []toolscache.InformerSynced

	// intn picks among equally scored nodes; rand.IntN by default.
	intn func(int) int
	// binds tracks binding goroutines so Start returns after them.
	binds sync.WaitGroup
}

// New builds a scheduler running the default plugins and registers its
// informer handlers.
func New(cfg Config) (*Scheduler, error) {
	if cfg.Client == nil || cfg.Informers == nil {
		return nil, errors.New("new scheduler: Client and Informers are required")
	}
	if cfg.SchedulerName == "" {
		cfg.SchedulerName = framework.DefaultProfileName
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	s := &Scheduler{
		client:    cfg.Client,
		informers: cfg.Informers,
		name:      cfg.SchedulerName,
		log:       cfg.Logger.With("component", "scheduler"),
		recorder:  cfg.Recorder,
		clock:     cfg.Clock,
		cache:     newCache(),
		snap:      newSnapshot(),
		intn:      rand.IntN,
	}
	ctx := context.Background()
	enabled := plugins.DefaultPlugins()
	fwk, err := framework.New(ctx, plugins.Registry(), framework.Config{
		ProfileName:  cfg.SchedulerName,
		Plugins:      enabled,
		ScoreWeights: plugins.DefaultScoreWeights(),
		ClientSet:    cfg.Client,
		Clock:        cfg.Clock,
		Snapshot:     s.snap,
	})
	if err != nil {
		return nil, fmt.Errorf("new scheduler: %w", err)
	}
	s.fwk = fwk
	hints, err := buildHints(ctx, fwk, enabled)
	if err != nil {
		return nil, fmt.Errorf("new scheduler: %w", err)
	}
	s.queue, err = queue.New(queue.Config{Clock: cfg.Clock, Hints: hints, Logger: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("new scheduler: %w", err)
	}
	if err := s.addHandlers(); err != nil {
		return nil, fmt.Errorf("new scheduler: %w", err)
	}
	return s, nil
}

// buildHints collects the events each plugin registered for. A plugin
// that can reject pods but registers none is given every event, so its
// rejections are never stuck until the unschedulable timeout.
func buildHints(ctx context.Context, fwk *framework.Framework, enabled framework.Plugins) (queue.Hints, error) {
	hints := queue.Hints{}
	for _, ext := range fwk.EnqueueExtensions() {
		evs, err := ext.EventsToRegister(ctx)
		if err != nil {
			return nil, fmt.Errorf("events of plugin %q: %w", ext.Name(), err)
		}
		regs := make([]queue.HintRegistration, 0, len(evs))
		for _, ev := range evs {
			regs = append(regs, queue.HintRegistration{Event: ev.Event, HintFunc: ev.QueueingHintFn})
		}
		hints[ext.Name()] = regs
	}
	for _, names := range [][]string{enabled.PreFilter, enabled.Filter, enabled.Reserve, enabled.Permit} {
		for _, name := range names {
			if _, ok := hints[name]; !ok {
				hints[name] = []queue.HintRegistration{{Event: queue.ClusterEvent{Resource: queue.WildCard, ActionType: queue.All}}}
			}
		}
	}
	return hints, nil
}

// Start starts the informers, waits for their sync and runs the queue and
// the scheduling loop until ctx is done. It returns after in-flight
// bindings finished.
func (s *Scheduler) Start(ctx context.Context) error {
	if s.recorder == nil {
		b := record.NewBroadcaster(record.WithContext(ctx))
		b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: s.client.CoreV1().Events("")})
		defer b.Shutdown()
		s.recorder = b.NewRecorder(scheme.Scheme, corev1.EventSource{Component: s.name})
	}
	s.informers.Start(ctx.Done())
	if !toolscache.WaitForCacheSync(ctx.Done(), s.synced...) {
		return fmt.Errorf("scheduler: informers not synced: %w", ctx.Err())
	}
	s.log.Info("scheduler started", "schedulerName", s.name)
	var wg sync.WaitGroup
	wg.Go(func() { s.queue.Run(ctx) })
	for ctx.Err() == nil {
		s.scheduleOne(ctx)
	}
	wg.Wait()
	s.binds.Wait()
	return nil
}

package nodelifecycle

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	coordinationlisters "k8s.io/client-go/listers/coordination/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/berth-dev/berth/internal/controller/worker"
)

// Name of the controller (for --controllers).
const Name = "nodelifecycle"

// Component is the source of the controller's events, as upstream.
const Component = "node-controller"

// Defaults, as upstream's kube-controller-manager flags.
const (
	DefaultMonitorPeriod          = 5 * time.Second
	DefaultGracePeriod            = 40 * time.Second
	DefaultStartupGracePeriod     = 60 * time.Second
	DefaultEvictionQPS            = 0.1
	DefaultSecondaryEvictionQPS   = 0.01
	DefaultLargeClusterThreshold  = 50
	DefaultUnhealthyZoneThreshold = 0.55
	// taintingPeriod is how often the zones' tainting queues are drained
	// (upstream's NodeEvictionPeriod).
	taintingPeriod = 100 * time.Millisecond
	// healthUpdateRetries bounds status writes per node and pass.
	healthUpdateRetries = 5
	// monitorParallelism bounds nodes handled at once in a pass.
	monitorParallelism = 8
	podNodeNameIndex   = "spec.nodeName"
)

// Config configures the controller.
type Config struct {
	Client   kubernetes.Interface
	Informer informers.SharedInformerFactory
	Recorder record.EventRecorder
	// MonitorPeriod is how often node health is checked.
	MonitorPeriod time.Duration
	// GracePeriod is how long a node may go without a heartbeat before
	// its conditions turn Unknown.
	GracePeriod time.Duration
	// StartupGracePeriod replaces GracePeriod for a node whose kubelet
	// never posted status.
	StartupGracePeriod time.Duration
	// EvictionQPS is the rate nodes of a healthy zone get NoExecute
	// taints; SecondaryEvictionQPS the rate in a partially disrupted zone
	// of more than LargeClusterThreshold nodes (smaller ones stop).
	EvictionQPS           float64
	SecondaryEvictionQPS  float64
	LargeClusterThreshold int
	// UnhealthyZoneThreshold is the share of not-ready nodes (of more
	// than two) that makes a zone partially disrupted.
	UnhealthyZoneThreshold float64
	Workers                int // node taint workers; default 8
	Logger                 *slog.Logger
	Clock                  clock.Clock
}

// Controller watches node health.
type Controller struct {
	cfg       Config
	client    kubernetes.Interface
	nodes     corelisters.NodeLister
	leases    coordinationlisters.LeaseLister
	pods      corelisters.PodLister
	podIndex  cache.Indexer
	synced    []cache.InformerSynced
	nodeQueue workqueue.TypedRateLimitingInterface[string]
	podQueue  workqueue.TypedRateLimitingInterface[string]
	recorder  record.EventRecorder
	log       *slog.Logger
	clock     clock.Clock

	healthMu sync.RWMutex
	health   map[string]*health

	// The monitor pass alone uses these.
	known      map[string]*corev1.Node
	zoneStates map[string]zoneState
	retryMu    sync.Mutex
	retry      map[string]bool // nodes whose pods still need marking not ready

	zonesMu  sync.Mutex
	tainters map[string]*timedQueue
}

// New builds the controller and registers its informer handlers.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informer == nil || cfg.Recorder == nil {
		return nil, errors.New("node lifecycle controller: Client, Informer and Recorder are required")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.MonitorPeriod, DefaultMonitorPeriod)
	def(&cfg.GracePeriod, DefaultGracePeriod)
	def(&cfg.StartupGracePeriod, DefaultStartupGracePeriod)
	if cfg.EvictionQPS <= 0 {
		cfg.EvictionQPS = DefaultEvictionQPS
	}
	if cfg.SecondaryEvictionQPS <= 0 {
		cfg.SecondaryEvictionQPS = DefaultSecondaryEvictionQPS
	}
	if cfg.LargeClusterThreshold <= 0 {
		cfg.LargeClusterThreshold = DefaultLargeClusterThreshold
	}
	if cfg.UnhealthyZoneThreshold <= 0 {
		cfg.UnhealthyZoneThreshold = DefaultUnhealthyZoneThreshold
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
	leaseInf := cfg.Informer.Coordination().V1().Leases()
	podInf := cfg.Informer.Core().V1().Pods()
	if err := addNodeNameIndex(podInf.Informer()); err != nil {
		return nil, err
	}
	c := &Controller{
		cfg:        cfg,
		client:     cfg.Client,
		nodes:      nodeInf.Lister(),
		leases:     leaseInf.Lister(),
		pods:       podInf.Lister(),
		podIndex:   podInf.Informer().GetIndexer(),
		synced:     []cache.InformerSynced{nodeInf.Informer().HasSynced, leaseInf.Informer().HasSynced, podInf.Informer().HasSynced},
		nodeQueue:  worker.NewQueue[string]("node_lifecycle_controller"),
		podQueue:   worker.NewQueue[string]("node_lifecycle_controller_pods"),
		recorder:   cfg.Recorder,
		log:        cfg.Logger,
		clock:      cfg.Clock,
		health:     map[string]*health{},
		known:      map[string]*corev1.Node{},
		zoneStates: map[string]zoneState{},
		retry:      map[string]bool{},
		tainters:   map[string]*timedQueue{},
	}
	if _, err := nodeInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    worker.Enqueue(c.nodeQueue),
		UpdateFunc: func(_, obj any) { worker.Enqueue(c.nodeQueue)(obj) },
	}); err != nil {
		return nil, err
	}
	podBound := func(old, cur any) {
		p, ok := cur.(*corev1.Pod)
		if !ok || p.Spec.NodeName == "" {
			return
		}
		if o, ok := old.(*corev1.Pod); ok && o.Spec.NodeName == p.Spec.NodeName {
			return
		}
		worker.Enqueue(c.podQueue)(p)
	}
	if _, err := podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { podBound(nil, obj) },
		UpdateFunc: podBound,
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

// Start runs the monitor and tainting loops and the workers until ctx is
// done.
func (c *Controller) Start(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return nil
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		_ = worker.Run(ctx, c.nodeQueue, c.cfg.Workers, c.log, c.reconcileNode)
	})
	wg.Go(func() {
		_ = worker.Run(ctx, c.podQueue, 4, c.log, c.reconcilePod)
	})
	wg.Go(func() { every(ctx, c.clock, taintingPeriod, c.taintingPass) })
	wg.Go(func() { every(ctx, c.clock, c.cfg.MonitorPeriod, c.monitor) })
	wg.Wait()
	return nil
}

// every runs fn now and then period after each run ends, until ctx is
// done.
func every(ctx context.Context, clk clock.Clock, period time.Duration, fn func(context.Context)) {
	for {
		fn(ctx)
		t := clk.NewTimer(period)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C():
		}
	}
}

func (c *Controller) getHealth(name string) *health {
	c.healthMu.RLock()
	defer c.healthMu.RUnlock()
	return c.health[name].copy()
}

func (c *Controller) setHealth(name string, h *health) {
	c.healthMu.Lock()
	defer c.healthMu.Unlock()
	if h == nil {
		delete(c.health, name)
	} else {
		c.health[name] = h
	}
}

// podsOnNode lists the pods bound to node from the informer's index.
func (c *Controller) podsOnNode(node string) []*corev1.Pod {
	objs, err := c.podIndex.ByIndex(podNodeNameIndex, node)
	if err != nil {
		return nil
	}
	out := make([]*corev1.Pod, 0, len(objs))
	for _, o := range objs {
		if p, ok := o.(*corev1.Pod); ok {
			out = append(out, p)
		}
	}
	return out
}

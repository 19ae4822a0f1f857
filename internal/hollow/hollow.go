package hollow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"

	"github.com/berth-dev/berth/internal/controller/worker"
)

// Defaults, as upstream's kubelet.
const (
	// DefaultLeaseInterval is how often a node renews its Lease
	// (upstream: 1/4 of the 40 s lease duration).
	DefaultLeaseInterval = 10 * time.Second
	// DefaultStatusInterval is how often a node posts its status when
	// nothing changed (upstream's nodeStatusReportFrequency).
	DefaultStatusInterval = 5 * time.Minute
	// LeaseDurationSeconds is the duration a renewed Lease claims.
	LeaseDurationSeconds = 40
	// DefaultKubeletVersion is what nodes report in status.nodeInfo.
	DefaultKubeletVersion = "v1.37.2"
)

// Config describes the simulated nodes.
type Config struct {
	Client kubernetes.Interface
	// Count is how many nodes to simulate.
	Count int
	// NamePrefix names the nodes NamePrefix0, NamePrefix1, …; default
	// "hollow-".
	NamePrefix string
	// Zones spreads nodes round-robin over these values of
	// topology.kubernetes.io/zone; default zone-a, zone-b, zone-c.
	Zones []string
	// Region is every node's topology.kubernetes.io/region; default
	// "region-1".
	Region string
	// Capacity of each node; default cpu 4, memory 16Gi, pods 110,
	// ephemeral-storage 100Gi. Allocatable equals capacity.
	Capacity corev1.ResourceList
	// Labels are added to every node.
	Labels map[string]string
	// Taints are set on every node at registration.
	Taints []corev1.Taint
	// LeaseInterval is how often each node renews its Lease.
	LeaseInterval time.Duration
	// StatusInterval is how often each node posts status when nothing
	// changed.
	StatusInterval time.Duration
	KubeletVersion string
	// Workers handle pod status and deletions; default 8.
	Workers int
	// Parallelism bounds concurrent API calls in registration and renewal
	// passes; default 16.
	Parallelism int
	Clock       clock.WithTicker
	Logger      *slog.Logger
}

// Cluster is a set of hollow nodes; it is a Runnable.
type Cluster struct {
	cfg   Config
	nodes map[string]*node
	names []string
	queue workqueue.TypedRateLimitingInterface[string]
	// statusQueue holds nodes whose posted status was overwritten.
	statusQueue workqueue.TypedRateLimitingInterface[string]
	// One pod informer for all nodes: pods bound to any node.
	podFactory  informers.SharedInformerFactory
	podInformer cache.SharedIndexInformer
	pods        corelisters.PodLister
	log         *slog.Logger

	registered chan struct{}
}

// New validates cfg, applies defaults and prepares the nodes; nothing
// reaches the API server before Start.
func New(cfg Config) (*Cluster, error) {
	if cfg.Client == nil {
		return nil, errors.New("hollow: Client is required")
	}
	if cfg.Count < 0 {
		return nil, fmt.Errorf("hollow: Count %d is negative", cfg.Count)
	}
	if cfg.NamePrefix == "" {
		cfg.NamePrefix = "hollow-"
	}
	if len(cfg.Zones) == 0 {
		cfg.Zones = []string{"zone-a", "zone-b", "zone-c"}
	}
	if cfg.Region == "" {
		cfg.Region = "region-1"
	}
	if cfg.Capacity == nil {
		cfg.Capacity = corev1.ResourceList{
			corev1.ResourceCPU:              resource.MustParse("4"),
			corev1.ResourceMemory:           resource.MustParse("16Gi"),
			corev1.ResourcePods:             resource.MustParse("110"),
			corev1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
		}
	}
	if cfg.LeaseInterval <= 0 {
		cfg.LeaseInterval = DefaultLeaseInterval
	}
	if cfg.StatusInterval <= 0 {
		cfg.StatusInterval = DefaultStatusInterval
	}
	if cfg.KubeletVersion == "" {
		cfg.KubeletVersion = DefaultKubeletVersion
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	if cfg.Parallelism <= 0 {
		cfg.Parallelism = 16
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Count > maxNodes {
		return nil, fmt.Errorf("hollow: Count %d is above the %d nodes the address plan holds", cfg.Count, maxNodes)
	}
	c := &Cluster{
		cfg:         cfg,
		nodes:       make(map[string]*node, cfg.Count),
		queue:       worker.NewQueue[string]("hollow_pods"),
		statusQueue: worker.NewQueue[string]("hollow_node_status"),
		log:         cfg.Logger.With("component", "hollow"),
		registered:  make(chan struct{}),
	}
	c.podFactory = informers.NewSharedInformerFactoryWithOptions(cfg.Client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.FieldSelector = "spec.nodeName!=" }))
	c.podInformer = c.podFactory.Core().V1().Pods().Informer()
	c.pods = c.podFactory.Core().V1().Pods().Lister()
	for i := range cfg.Count {
		n := newNode(i, cfg)
		c.nodes[n.name] = n
		c.names = append(c.names, n.name)
	}
	return c, nil
}

// Names lists the nodes' names in index order.
func (c *Cluster) Names() []string { return slices.Clone(c.names) }

// Registered is closed once every node and its Lease exist.
func (c *Cluster) Registered() <-chan struct{} { return c.registered }

// Start registers the nodes, then keeps them alive and runs their pods
// until ctx is done. It returns an error when registration fails.
func (c *Cluster) Start(ctx context.Context) error {
	factory, podInf := c.podFactory, c.podInformer
	if _, err := podInf.AddEventHandler(c.podHandler()); err != nil {
		return fmt.Errorf("hollow: pod handler: %w", err)
	}
	if err := c.register(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // stopped while registering
		}
		return err
	}
	close(c.registered)
	c.log.Info("hollow nodes registered", "count", len(c.nodes))
	// Nodes are watched so that a kubelet corrects at once what others
	// wrote over its conditions (e.g. Unknown while it was stopped).
	nodeFactory := informers.NewSharedInformerFactory(c.cfg.Client, 0)
	nodeInf := nodeFactory.Core().V1().Nodes().Informer()
	if _, err := nodeInf.AddEventHandler(c.nodeHandler()); err != nil {
		return fmt.Errorf("hollow: node handler: %w", err)
	}
	factory.Start(ctx.Done())
	nodeFactory.Start(ctx.Done())
	defer factory.Shutdown()
	defer nodeFactory.Shutdown()

	var wg sync.WaitGroup
	wg.Go(func() { c.heartbeats(ctx) })
	wg.Go(func() {
		_ = worker.Run(ctx, c.statusQueue, 2, c.log, c.syncNodeStatus, nodeInf.HasSynced)
	})
	err := worker.Run(ctx, c.queue, c.cfg.Workers, c.log, c.syncPod, podInf.HasSynced)
	wg.Wait()
	return err
}

// Stop makes node name unreachable, as a kubelet that died: its Lease and
// status are no longer renewed and its pods are no longer looked after.
func (c *Cluster) Stop(name string) error {
	n, ok := c.nodes[name]
	if !ok {
		return fmt.Errorf("hollow: no node %q", name)
	}
	n.active.Store(false)
	return nil
}

// Resume brings a stopped node back: it posts Ready status and renews its
// Lease at once, then looks after its pods again.
func (c *Cluster) Resume(ctx context.Context, name string) error {
	n, ok := c.nodes[name]
	if !ok {
		return fmt.Errorf("hollow: no node %q", name)
	}
	n.active.Store(true)
	if err := c.postStatus(ctx, n); err != nil {
		return err
	}
	if err := c.renewLease(ctx, n); err != nil {
		return err
	}
	pods, err := c.pods.List(labels.Everything())
	if err != nil {
		return err
	}
	for _, p := range pods {
		if p.Spec.NodeName == name {
			c.queue.Add(p.Namespace + "/" + p.Name)
		}
	}
	return nil
}

// active returns the active nodes in index order.
func (c *Cluster) active() []*node {
	out := make([]*node, 0, len(c.nodes))
	for _, name := range c.names {
		if n := c.nodes[name]; n.active.Load() {
			out = append(out, n)
		}
	}
	return out
}

package podgc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
)

// Name of the controller (for --controllers).
const Name = "podgc"

// Defaults, as upstream.
const (
	DefaultPeriod                 = 20 * time.Second
	DefaultQuarantine             = 40 * time.Second
	DefaultTerminatedPodThreshold = 12500
	// fieldManager owns the status fields podgc writes.
	fieldManager = "PodGC"
	parallelism  = 16
)

// Config configures the controller.
type Config struct {
	Client   kubernetes.Interface
	Informer informers.SharedInformerFactory
	// TerminatedPodThreshold is how many finished pods may exist before
	// the oldest are deleted; 0 means the default, negative never.
	TerminatedPodThreshold int
	// Period is the time between passes.
	Period time.Duration
	// Quarantine is how long a node missing from the cache stays missing
	// before the API is asked whether it is really gone.
	Quarantine time.Duration
	Logger     *slog.Logger
	Clock      clock.Clock
}

// Controller collects pods.
type Controller struct {
	cfg    Config
	client kubernetes.Interface
	pods   corelisters.PodLister
	nodes  corelisters.NodeLister
	synced []cache.InformerSynced
	log    *slog.Logger
	clock  clock.Clock
	// missing holds when each node pods are bound to was first missed.
	missing map[string]time.Time
	// nodeExists asks the API server, not the cache, about a node.
	nodeExists func(ctx context.Context, name string) (bool, error)
}

// New builds the controller.
func New(cfg Config) (*Controller, error) {
	if cfg.Client == nil || cfg.Informer == nil {
		return nil, errors.New("pod garbage collector: Client and Informer are required")
	}
	if cfg.TerminatedPodThreshold == 0 {
		cfg.TerminatedPodThreshold = DefaultTerminatedPodThreshold
	}
	if cfg.Period <= 0 {
		cfg.Period = DefaultPeriod
	}
	if cfg.Quarantine <= 0 {
		cfg.Quarantine = DefaultQuarantine
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	podInf := cfg.Informer.Core().V1().Pods()
	nodeInf := cfg.Informer.Core().V1().Nodes()
	c := &Controller{
		cfg: cfg, client: cfg.Client,
		pods: podInf.Lister(), nodes: nodeInf.Lister(),
		synced:  []cache.InformerSynced{podInf.Informer().HasSynced, nodeInf.Informer().HasSynced},
		log:     cfg.Logger,
		clock:   cfg.Clock,
		missing: map[string]time.Time{},
	}
	c.nodeExists = func(ctx context.Context, name string) (bool, error) {
		_, err := cfg.Client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	}
	return c, nil
}

// Start runs a pass every Period until ctx is done.
func (c *Controller) Start(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return nil
	}
	for {
		c.gc(ctx)
		t := c.clock.NewTimer(c.cfg.Period)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C():
		}
	}
}

// gc is one pass.
func (c *Controller) gc(ctx context.Context) {
	pods, err := c.pods.List(labels.Everything())
	if err != nil {
		c.log.Error("list pods", "err", err)
		return
	}
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		c.log.Error("list nodes", "err", err)
		return
	}
	_, missing := plan(pods, nodes, c.cfg.TerminatedPodThreshold, nil)
	gone := c.confirmGone(ctx, missing)
	victims, _ := plan(pods, nodes, c.cfg.TerminatedPodThreshold, gone)
	if len(victims) == 0 {
		return
	}
	errs := make([]error, len(victims))
	workqueue.ParallelizeUntil(ctx, parallelism, len(victims), func(i int) {
		errs[i] = c.collect(ctx, victims[i])
	})
	deleted := 0
	for i, err := range errs {
		deletingPodsTotal.WithLabelValues(victims[i].pod.Namespace, victims[i].reason.label()).Inc()
		if err != nil {
			deletingPodsErrorTotal.WithLabelValues(victims[i].pod.Namespace, victims[i].reason.label()).Inc()
			c.log.Warn("force delete pod", "pod", victims[i].pod.Namespace+"/"+victims[i].pod.Name, "err", err)
			continue
		}
		deleted++
	}
	c.log.Info("pods garbage collected", "deleted", deleted, "failed", len(victims)-deleted)
}

// confirmGone returns the missing nodes that stayed missing for the
// quarantine and that the API server confirms are deleted.
func (c *Controller) confirmGone(ctx context.Context, missing []string) map[string]bool {
	now := c.clock.Now()
	still := make(map[string]bool, len(missing))
	gone := map[string]bool{}
	for _, name := range missing {
		still[name] = true
		first, ok := c.missing[name]
		if !ok {
			c.missing[name] = now
			continue
		}
		if now.Sub(first) < c.cfg.Quarantine {
			continue
		}
		exists, err := c.nodeExists(ctx, name)
		switch {
		case err != nil:
			c.log.Warn("check node", "node", name, "err", err) // next pass retries
		case exists:
			delete(c.missing, name) // the cache was behind
		default:
			gone[name] = true
		}
	}
	for name := range c.missing {
		if !still[name] {
			delete(c.missing, name)
		}
	}
	return gone
}

// collect marks a pod Failed (and why, for orphans) unless it finished,
// then deletes it without grace.
func (c *Controller) collect(ctx context.Context, v victim) error {
	p := v.pod
	pods := c.client.CoreV1().Pods(p.Namespace)
	if !isTerminated(p) {
		status := map[string]any{"phase": corev1.PodFailed}
		if v.reason == orphaned {
			status["conditions"] = []corev1.PodCondition{{
				Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue,
				Reason: "DeletionByPodGC", Message: "PodGC: node no longer exists",
				LastTransitionTime: metav1.NewTime(c.clock.Now()),
			}}
		}
		patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"uid": p.UID}, "status": status})
		if err != nil {
			return err
		}
		if _, err := pods.Patch(ctx, p.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{FieldManager: fieldManager}, "status"); err != nil {
			if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
				return nil
			}
			return fmt.Errorf("mark pod failed: %w", err)
		}
	}
	err := pods.Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To(int64(0)), Preconditions: &metav1.Preconditions{UID: &p.UID}})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("delete: %w", err)
	}
	return nil
}

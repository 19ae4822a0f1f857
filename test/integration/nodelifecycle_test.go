package integration

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/controller/nodelifecycle"
	"github.com/berth-dev/berth/internal/controller/podgc"
	"github.com/berth-dev/berth/internal/controller/tainteviction"
	"github.com/berth-dev/berth/internal/hollow"
	"github.com/berth-dev/berth/internal/testutil"
)

// nodelifecycleControllers are the node controllers a test runs itself,
// with short periods; nil entries are not run.
type nodelifecycleControllers struct {
	lifecycle *nodelifecycle.Config
	eviction  *tainteviction.Config
	gc        *podgc.Config
}

// nodelifecycleRun builds and starts the given controllers against c until
// the test ends.
func nodelifecycleRun(t *testing.T, c kubernetes.Interface, ctrls nodelifecycleControllers) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	factory := informers.NewSharedInformerFactory(c, 0)
	events := record.NewBroadcaster(record.WithContext(ctx))
	events.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: c.CoreV1().Events("")})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	type runnable interface{ Start(context.Context) error }
	var runs []runnable
	if cfg := ctrls.lifecycle; cfg != nil {
		cfg.Client, cfg.Informer, cfg.Logger = c, factory, log
		cfg.Recorder = events.NewRecorder(scheme.Scheme, corev1.EventSource{Component: nodelifecycle.Component})
		r, err := nodelifecycle.New(*cfg)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	if cfg := ctrls.eviction; cfg != nil {
		cfg.Client, cfg.Informer, cfg.Logger = c, factory, log
		cfg.Recorder = events.NewRecorder(scheme.Scheme, corev1.EventSource{Component: tainteviction.Name})
		r, err := tainteviction.New(*cfg)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	if cfg := ctrls.gc; cfg != nil {
		cfg.Client, cfg.Informer, cfg.Logger = c, factory, log
		r, err := podgc.New(*cfg)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	factory.Start(ctx.Done())
	var wg sync.WaitGroup
	for _, r := range runs {
		wg.Go(func() {
			if err := r.Start(ctx); err != nil {
				t.Errorf("controller: %v", err)
			}
		})
	}
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		factory.Shutdown()
		events.Shutdown()
	})
}

func nodelifecycleCondition(p *corev1.Pod, typ corev1.PodConditionType) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == typ {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

func nodelifecycleHasTaint(n *corev1.Node, key string, effect corev1.TaintEffect) bool {
	return slices.ContainsFunc(n.Spec.Taints, func(t corev1.Taint) bool { return t.Key == key && t.Effect == effect })
}

// nodelifecycleEvent waits for an event with reason about the named object.
func nodelifecycleEvent(t *testing.T, c kubernetes.Interface, ns, name, reason, source string) {
	t.Helper()
	poll(t, reason+" event on "+name, func(ctx context.Context) (bool, error) {
		list, err := c.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=" + name})
		if err != nil {
			return false, err
		}
		return slices.ContainsFunc(list.Items, func(e corev1.Event) bool { return e.Reason == reason && e.Source.Component == source }), nil
	})
}

// A hollow node whose kubelet stops is marked Unknown and tainted
// unreachable; its pods are marked not ready, and those tolerating the
// taint only briefly are evicted after their tolerationSeconds while the
// others stay. When the kubelet comes back the taints go.
func TestNodeLifecycleUnreachableNodeEvictsPods(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{}})
	c := srv.Client(t)
	ctx := t.Context()
	h := hollowStart(t, c, hollow.Config{Count: 3, LeaseInterval: 100 * time.Millisecond})
	nodelifecycleRun(t, c, nodelifecycleControllers{
		lifecycle: &nodelifecycle.Config{MonitorPeriod: 100 * time.Millisecond, GracePeriod: time.Second, StartupGracePeriod: time.Second},
		eviction:  &tainteviction.Config{},
	})

	ns := newNamespace(t, c)
	short := pod("short").Node("hollow-1").Obj()
	short.Spec.Tolerations = []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists,
		Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To(int64(2))}}
	for _, p := range []*corev1.Pod{short, pod("long").Node("hollow-1").Obj(), pod("elsewhere").Node("hollow-0").Obj()} {
		if _, err := c.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	poll(t, "pods running", func(ctx context.Context) (bool, error) {
		list, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, p := range list.Items {
			if cond := nodelifecycleCondition(&p, corev1.PodReady); p.Status.Phase != corev1.PodRunning || cond == nil || cond.Status != corev1.ConditionTrue {
				return false, nil
			}
		}
		return len(list.Items) == 3, nil
	})
	if err := h.Stop("hollow-1"); err != nil {
		t.Fatal(err)
	}

	poll(t, "hollow-1 unreachable", func(ctx context.Context) (bool, error) {
		n, err := c.CoreV1().Nodes().Get(ctx, "hollow-1", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady && (cond.Status != corev1.ConditionUnknown || cond.Reason != "NodeStatusUnknown" ||
				cond.Message != "Kubelet stopped posting node status.") {
				return false, nil
			}
		}
		return nodelifecycleHasTaint(n, corev1.TaintNodeUnreachable, corev1.TaintEffectNoSchedule) &&
			nodelifecycleHasTaint(n, corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute), nil
	})
	nodelifecycleEvent(t, c, "", "hollow-1", "NodeNotReady", nodelifecycle.Component)
	poll(t, "long marked not ready", func(ctx context.Context) (bool, error) {
		p, err := c.CoreV1().Pods(ns).Get(ctx, "long", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		cond := nodelifecycleCondition(p, corev1.PodReady)
		return cond != nil && cond.Status == corev1.ConditionFalse, nil
	})
	poll(t, "short evicted", func(ctx context.Context) (bool, error) {
		p, err := c.CoreV1().Pods(ns).Get(ctx, "short", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		cond := nodelifecycleCondition(p, corev1.DisruptionTarget)
		return p.DeletionTimestamp != nil && cond != nil && cond.Status == corev1.ConditionTrue && cond.Reason == "DeletionByTaintManager", nil
	})
	nodelifecycleEvent(t, c, ns, "short", "TaintManagerEviction", tainteviction.Name)
	for _, name := range []string{"long", "elsewhere"} {
		p, err := c.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil || p.DeletionTimestamp != nil {
			t.Fatalf("%s: err=%v deletionTimestamp=%v, want it left alone (300s toleration / healthy node)", name, err, p.DeletionTimestamp)
		}
	}
	n0, err := c.CoreV1().Nodes().Get(ctx, "hollow-0", metav1.GetOptions{})
	if err != nil || hollowNodeReady(n0) != corev1.ConditionTrue || len(n0.Spec.Taints) != 0 {
		t.Fatalf("healthy node: err=%v ready=%v taints=%v", err, hollowNodeReady(n0), n0.Spec.Taints)
	}

	// The kubelet returns: Ready, untainted; it confirms the eviction and
	// runs the other pod again.
	if err := h.Resume(ctx, "hollow-1"); err != nil {
		t.Fatal(err)
	}
	poll(t, "hollow-1 healthy again", func(ctx context.Context) (bool, error) {
		n, err := c.CoreV1().Nodes().Get(ctx, "hollow-1", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return hollowNodeReady(n) == corev1.ConditionTrue && len(n.Spec.Taints) == 0, nil
	})
	// The controllers' series are served with the server's metrics.
	raw, err := c.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, series := range []string{"node_collector_evictions_total{zone=", "node_collector_zone_health{zone=", "taint_eviction_controller_pod_deletions_total "} {
		if !strings.Contains(string(raw), series) {
			t.Errorf("/metrics lacks %s", series)
		}
	}
	poll(t, "short gone, long ready", func(ctx context.Context) (bool, error) {
		if _, err := c.CoreV1().Pods(ns).Get(ctx, "short", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return false, nil
		}
		p, err := c.CoreV1().Pods(ns).Get(ctx, "long", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		cond := nodelifecycleCondition(p, corev1.PodReady)
		return p.DeletionTimestamp == nil && cond != nil && cond.Status == corev1.ConditionTrue, nil
	})
}

// Node conditions and spec.unschedulable become NoSchedule taints, and go
// when they clear.
func TestNodeLifecycleConditionTaints(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{}})
	c := srv.Client(t)
	ctx := t.Context()
	h := hollowStart(t, c, hollow.Config{Count: 1, LeaseInterval: 100 * time.Millisecond})
	nodelifecycleRun(t, c, nodelifecycleControllers{lifecycle: &nodelifecycle.Config{MonitorPeriod: 100 * time.Millisecond}})
	// The test plays the kubelet reporting disk pressure (well within the
	// default 40s grace period).
	if err := h.Stop("hollow-0"); err != nil {
		t.Fatal(err)
	}

	n, err := c.CoreV1().Nodes().Get(ctx, "hollow-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n.Status.Conditions {
		if n.Status.Conditions[i].Type == corev1.NodeDiskPressure {
			n.Status.Conditions[i].Status = corev1.ConditionTrue
		}
	}
	if _, err := c.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CoreV1().Nodes().Patch(ctx, "hollow-0", types.MergePatchType, []byte(`{"spec":{"unschedulable":true}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "condition taints", func(ctx context.Context) (bool, error) {
		n, err := c.CoreV1().Nodes().Get(ctx, "hollow-0", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return nodelifecycleHasTaint(n, corev1.TaintNodeDiskPressure, corev1.TaintEffectNoSchedule) &&
			nodelifecycleHasTaint(n, corev1.TaintNodeUnschedulable, corev1.TaintEffectNoSchedule) &&
			n.Labels["beta.kubernetes.io/os"] == "linux", nil
	})
	if _, err := c.CoreV1().Nodes().Patch(ctx, "hollow-0", types.MergePatchType, []byte(`{"spec":{"unschedulable":false}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "unschedulable taint removed", func(ctx context.Context) (bool, error) {
		n, err := c.CoreV1().Nodes().Get(ctx, "hollow-0", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return !nodelifecycleHasTaint(n, corev1.TaintNodeUnschedulable, corev1.TaintEffectNoSchedule) &&
			nodelifecycleHasTaint(n, corev1.TaintNodeDiskPressure, corev1.TaintEffectNoSchedule), nil
	})
}

// The controller manager runs the three controllers by their names.
func TestNodeLifecycleRunByManager(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"node-lifecycle-controller", "taint-eviction-controller", "podgc"}})
	c := srv.Client(t)
	hollowStart(t, c, hollow.Config{Count: 1, LeaseInterval: 100 * time.Millisecond})
	poll(t, "beta labels", func(ctx context.Context) (bool, error) {
		n, err := c.CoreV1().Nodes().Get(ctx, "hollow-0", metav1.GetOptions{})
		return err == nil && n.Labels["beta.kubernetes.io/arch"] != "" && n.Labels["beta.kubernetes.io/os"] == "linux", err
	})
	nodelifecycleEvent(t, c, "", "hollow-0", "RegisteredNode", nodelifecycle.Component)
}

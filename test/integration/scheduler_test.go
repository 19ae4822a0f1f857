package integration

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/internal/hollow"
	"github.com/berth-dev/berth/internal/scheduler"
	"github.com/berth-dev/berth/internal/testutil"
)

// startScheduler runs a scheduler against c until the test ends.
func startScheduler(t *testing.T, c kubernetes.Interface) {
	t.Helper()
	s, err := scheduler.New(scheduler.Config{Client: c, Informers: informers.NewSharedInformerFactory(c, 0)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("scheduler: %v", err)
		}
	})
}

func schedPod(name string, cpu string) *corev1.Pod {
	p := pod(name).Obj()
	p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}
	return p
}

func podScheduledCondition(p *corev1.Pod) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.PodScheduled {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

func TestScheduler(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{}})
	c := srv.Client(t)
	ctx := t.Context()
	hollowStart(t, c, hollow.Config{Count: 2, NamePrefix: "plain-"})
	hollowStart(t, c, hollow.Config{
		Count: 1, NamePrefix: "gpu-",
		Labels: map[string]string{"accel": "gpu"},
		Taints: []corev1.Taint{{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}},
	})
	startScheduler(t, c)
	ns := newNamespace(t, c)
	pods := c.CoreV1().Pods(ns)

	create := func(p *corev1.Pod) {
		t.Helper()
		if _, err := pods.Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create pod %s: %v", p.Name, err)
		}
	}
	var plain []string
	for i := range 4 {
		name := fmt.Sprintf("plain-%d", i)
		plain = append(plain, name)
		create(schedPod(name, "100m"))
	}
	gpu := schedPod("gpu", "100m")
	gpu.Spec.NodeSelector = map[string]string{"accel": "gpu"}
	gpu.Spec.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "gpu", Effect: corev1.TaintEffectNoSchedule}}
	create(gpu)
	other := schedPod("other", "100m")
	other.Spec.SchedulerName = "other-scheduler"
	create(other)
	create(schedPod("huge", "100"))

	nodeOf := func(name string) string {
		t.Helper()
		p, err := pods.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get pod %s: %v", name, err)
		}
		return p.Spec.NodeName
	}
	for _, name := range append(slices.Clone(plain), "gpu") {
		poll(t, "pod "+name+" bound", func(ctx context.Context) (bool, error) { return nodeOf(name) != "", nil })
	}
	if got := nodeOf("gpu"); got != "gpu-0" {
		t.Errorf("pod gpu on %q, want gpu-0", got)
	}
	for _, name := range plain {
		if got := nodeOf(name); !strings.HasPrefix(got, "plain-") {
			t.Errorf("pod %s on %q, want an untainted node", name, got)
		}
	}

	t.Run("unschedulable", func(t *testing.T) {
		poll(t, "huge marked unschedulable", func(ctx context.Context) (bool, error) {
			p, err := pods.Get(ctx, "huge", metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			c := podScheduledCondition(p)
			return c != nil && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable, nil
		})
		var msg string
		poll(t, "FailedScheduling event", func(ctx context.Context) (bool, error) {
			evs, err := c.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				return false, err
			}
			for _, e := range evs.Items {
				if e.InvolvedObject.Name == "huge" && e.Reason == "FailedScheduling" {
					msg = e.Message
					return true, nil
				}
			}
			return false, nil
		})
		if !strings.HasPrefix(msg, "0/3 nodes are available:") {
			t.Errorf("FailedScheduling message %q, want prefix %q", msg, "0/3 nodes are available:")
		}
		if !strings.Contains(msg, "Insufficient cpu") {
			t.Errorf("FailedScheduling message %q does not mention Insufficient cpu", msg)
		}
	})

	t.Run("node added", func(t *testing.T) {
		capacity := corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("200"),
			corev1.ResourceMemory: resource.MustParse("64Gi"),
			corev1.ResourcePods:   resource.MustParse("110"),
		}
		big := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: "big"},
			Status: corev1.NodeStatus{
				Capacity:    capacity,
				Allocatable: capacity,
				Conditions:  []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}},
			},
		}
		created, err := c.CoreV1().Nodes().Create(ctx, big, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create node: %v", err)
		}
		if created.Status.Allocatable.Cpu().IsZero() {
			created.Status = big.Status
			if _, err := c.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
				t.Fatalf("update node status: %v", err)
			}
		}
		poll(t, "huge bound to big", func(ctx context.Context) (bool, error) { return nodeOf("huge") == "big", nil })
		poll(t, "Scheduled event", func(ctx context.Context) (bool, error) {
			evs, err := c.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				return false, err
			}
			want := fmt.Sprintf("Successfully assigned %s/huge to big", ns)
			return slices.ContainsFunc(evs.Items, func(e corev1.Event) bool {
				return e.Reason == "Scheduled" && e.Message == want
			}), nil
		})
	})

	t.Run("other scheduler", func(t *testing.T) {
		// "other" was created before "huge", so were it ours it would
		// have been popped (same priority, earlier timestamp) and bound
		// before "huge" was even tried.
		p, err := pods.Get(ctx, "other", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Spec.NodeName != "" || podScheduledCondition(p) != nil {
			t.Errorf("pod of another scheduler touched: node %q, conditions %v", p.Spec.NodeName, p.Status.Conditions)
		}
	})
}

package tainteviction

import (
	"io"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/controller/worker"
)

func testController(clk *clocktesting.FakeClock) (*Controller, *record.FakeRecorder) {
	rec := record.NewFakeRecorder(10)
	return &Controller{
		evictQueue: worker.NewQueue[string]("test_taint_eviction"),
		recorder:   rec,
		clock:      clk,
		log:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		scheduled:  map[string]*eviction{},
	}, rec
}

// evaluate schedules, keeps and cancels evictions as the taints change,
// and evict waits until the eviction is due.
func TestEvaluateAndCancel(t *testing.T) {
	clk := clocktesting.NewFakeClock(t0)
	c, rec := testController(clk)
	defer c.evictQueue.ShutDown()
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", UID: "u"},
		Spec: corev1.PodSpec{NodeName: "n", Tolerations: []corev1.Toleration{tolerate(corev1.TaintNodeUnreachable, ptr.To(int64(300)))}}}

	c.evaluate(p, []corev1.Taint{unreachable})
	ev := c.scheduled["ns/p"]
	if ev == nil || !ev.fireAt.Equal(at(300)) {
		t.Fatalf("scheduled = %+v, want due at +300s", ev)
	}
	clk.Step(100 * time.Second)
	c.evaluate(p, []corev1.Taint{unreachable}) // a later look keeps the countdown
	if c.scheduled["ns/p"] != ev {
		t.Fatalf("countdown restarted: %+v", c.scheduled["ns/p"])
	}
	res, err := c.evict(t.Context(), "ns/p")
	if err != nil || res.RequeueAfter != 200*time.Second {
		t.Fatalf("evict before due = %+v, %v; want a requeue in 200s", res, err)
	}

	c.evaluate(p, nil) // the taint went away
	if _, ok := c.scheduled["ns/p"]; ok {
		t.Fatal("eviction kept after the taint went")
	}
	if got := <-rec.Events; got != "Normal TaintManagerEviction Cancelling deletion of Pod ns/p" {
		t.Errorf("event = %q", got)
	}

	c.evaluate(p, []corev1.Taint{unreachable})
	deleting := p.DeepCopy()
	deleting.DeletionTimestamp = &metav1.Time{Time: clk.Now()}
	c.evaluate(deleting, []corev1.Taint{unreachable})
	if _, ok := c.scheduled["ns/p"]; ok {
		t.Error("a pod already being deleted keeps its eviction")
	}
	select {
	case got := <-rec.Events:
		t.Errorf("unexpected event %q", got)
	default:
	}
}

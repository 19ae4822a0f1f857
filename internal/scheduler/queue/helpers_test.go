package queue

import (
	"context"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	testingclock "k8s.io/utils/clock/testing"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// podBuilder builds test pods: pod("a").prio(5).gate("g").obj().
type podBuilder struct{ p *corev1.Pod }

func pod(name string) *podBuilder {
	return &podBuilder{p: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
		Name: name, Namespace: "ns", UID: types.UID("uid-" + name),
	}}}
}

func (b *podBuilder) prio(p int32) *podBuilder { b.p.Spec.Priority = &p; return b }
func (b *podBuilder) gate(g string) *podBuilder {
	b.p.Spec.SchedulingGates = append(b.p.Spec.SchedulingGates, corev1.PodSchedulingGate{Name: g})
	return b
}
func (b *podBuilder) label(k, v string) *podBuilder {
	if b.p.Labels == nil {
		b.p.Labels = map[string]string{}
	}
	b.p.Labels[k] = v
	return b
}
func (b *podBuilder) affinity(k, v string) *podBuilder {
	b.p.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{k: v}},
			TopologyKey:   "kubernetes.io/hostname",
		}},
	}}
	return b
}
func (b *podBuilder) obj() *corev1.Pod { return b.p }

// newTestQueue returns a queue on a fake clock at t0.
func newTestQueue(t *testing.T, hints Hints) (*PriorityQueue, *testingclock.FakeClock) {
	t.Helper()
	clk := testingclock.NewFakeClock(t0)
	q, err := New(Config{Clock: clk, Hints: hints, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return q, clk
}

// mustPop pops without blocking: the queue must have an active pod.
func mustPop(t *testing.T, q *PriorityQueue) *QueuedPodInfo {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	p, err := q.Pop(ctx)
	if err != nil {
		t.Fatalf("Pop: %v", err)
	}
	return p
}

// fail hands a popped pod back as rejected by plugins.
func fail(t *testing.T, q *PriorityQueue, p *QueuedPodInfo, plugins ...string) {
	t.Helper()
	p.UnschedulablePlugins = sets.New(plugins...)
	if err := q.AddUnschedulableIfNotPresent(p, q.SchedulingCycle()); err != nil {
		t.Fatal(err)
	}
}

// where names the sub-queue holding uid, or "" if none.
func where(q *PriorityQueue, uid types.UID) string {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.active.get(uid) != nil:
		return "active"
	case q.backoff.get(uid) != nil:
		return "backoff"
	case q.unschedulable[uid] != nil:
		return "unschedulable"
	case q.gated[uid] != nil:
		return "gated"
	}
	return ""
}

// popNow pops if activeQ is not empty, else returns nil.
func popNow(t *testing.T, q *PriorityQueue) *QueuedPodInfo {
	t.Helper()
	if q.Counts().Active == 0 {
		return nil
	}
	return mustPop(t, q)
}

func hintReturning(h QueueingHint, err error) QueueingHintFunc {
	return func(*corev1.Pod, any, any) (QueueingHint, error) { return h, err }
}

func clockAt() *testingclock.FakeClock { return testingclock.NewFakeClock(t0) }

func mustQ(s string) resource.Quantity { return resource.MustParse(s) }

package queue

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
)

func TestPopOrder(t *testing.T) {
	tests := []struct {
		name string
		add  []*corev1.Pod // added one second apart
		want []string
	}{
		{
			name: "higher priority first",
			add:  []*corev1.Pod{pod("low").prio(1).obj(), pod("high").prio(100).obj(), pod("mid").prio(50).obj()},
			want: []string{"high", "mid", "low"},
		},
		{
			name: "equal priority in arrival order",
			add:  []*corev1.Pod{pod("a").obj(), pod("b").obj(), pod("c").obj()},
			want: []string{"a", "b", "c"},
		},
		{
			name: "priority then arrival",
			add:  []*corev1.Pod{pod("a").prio(1).obj(), pod("b").prio(2).obj(), pod("c").prio(1).obj(), pod("d").prio(2).obj()},
			want: []string{"b", "d", "a", "c"},
		},
		{
			name: "nil priority counts as zero",
			add:  []*corev1.Pod{pod("none").obj(), pod("neg").prio(-1).obj(), pod("pos").prio(1).obj()},
			want: []string{"pos", "none", "neg"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, clk := newTestQueue(t, nil)
			for _, p := range tt.add {
				q.Add(p)
				clk.Step(time.Second)
			}
			var got []string
			for range tt.add {
				got = append(got, mustPop(t, q).Pod.Name)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("pop order (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCustomLess(t *testing.T) {
	clk := clockAt()
	byName := func(a, b *QueuedPodInfo) bool { return a.Pod.Name < b.Pod.Name }
	q, err := New(Config{Clock: clk, Less: byName})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"c", "a", "b"} {
		q.Add(pod(n).prio(int32(len(n))).obj())
	}
	var got []string
	for range 3 {
		got = append(got, mustPop(t, q).Pod.Name)
	}
	if diff := cmp.Diff([]string{"a", "b", "c"}, got); diff != "" {
		t.Errorf("pop order (-want +got):\n%s", diff)
	}
}

func TestNewValidates(t *testing.T) {
	for name, cfg := range map[string]Config{
		"negative":          {InitialBackoff: -time.Second},
		"initial above max": {InitialBackoff: 20 * time.Second, MaxBackoff: 10 * time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := New(cfg); err == nil {
				t.Error("New succeeded, want error")
			}
		})
	}
}

func TestPopAttemptsAndTimestamps(t *testing.T) {
	q, clk := newTestQueue(t, nil)
	q.Add(pod("a").obj())
	clk.Step(3 * time.Second)
	p := mustPop(t, q)
	if p.Attempts != 1 || !p.Timestamp.Equal(t0) || !p.InitialAttemptTimestamp.Equal(t0.Add(3*time.Second)) {
		t.Errorf("after first pop: attempts=%d timestamp=%v initial=%v", p.Attempts, p.Timestamp, p.InitialAttemptTimestamp)
	}
	fail(t, q, p, "P")
	q.Done(p.Pod.UID)
	q.MoveAllToActiveOrBackoffQueue(UnschedulableTimeout, nil, nil, nil)
	clk.Step(time.Minute)
	p = mustPop(t, q)
	if p.Attempts != 2 || !p.InitialAttemptTimestamp.Equal(t0.Add(3*time.Second)) {
		t.Errorf("after second pop: attempts=%d initial=%v", p.Attempts, p.InitialAttemptTimestamp)
	}
	if p.UnschedulablePlugins.Len() != 0 {
		t.Errorf("Pop kept unschedulable plugins %v", p.UnschedulablePlugins.UnsortedList())
	}
}

func TestPopBlocksUntilAdd(t *testing.T) {
	q, _ := newTestQueue(t, nil)
	got := make(chan *QueuedPodInfo, 1)
	go func() {
		p, err := q.Pop(t.Context())
		if err != nil {
			t.Error(err)
		}
		got <- p
	}()
	select {
	case p := <-got:
		t.Fatalf("Pop returned %v from an empty queue", p.Pod.Name)
	default:
	}
	q.Add(pod("a").obj())
	select {
	case p := <-got:
		if p.Pod.Name != "a" {
			t.Errorf("Pop = %s, want a", p.Pod.Name)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Pop did not wake on Add")
	}
}

func TestPopReturnsOnCancel(t *testing.T) {
	q, _ := newTestQueue(t, nil)
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := q.Pop(ctx)
		errc <- err
	}()
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Pop error = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Pop did not return on cancel")
	}
}

func TestGatedPods(t *testing.T) {
	q, _ := newTestQueue(t, nil)
	gated := pod("g").gate("example.com/wait").obj()
	q.Add(gated)
	q.Add(pod("free").obj())
	if diff := cmp.Diff(Counts{Active: 1, Gated: 1}, q.Counts()); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if p := mustPop(t, q); p.Pod.Name != "free" {
		t.Fatalf("popped %s, want free", p.Pod.Name)
	}
	if p := popNow(t, q); p != nil {
		t.Fatalf("popped gated pod %s", p.Pod.Name)
	}
	// Events and the timeout never release a gated pod.
	q.MoveAllToActiveOrBackoffQueue(UnschedulableTimeout, nil, nil, nil)
	if w := where(q, gated.UID); w != "gated" {
		t.Fatalf("gated pod in %q after wildcard event", w)
	}
	// Another gate still gates.
	twoGates := pod("g").gate("a").gate("b").obj()
	q.Update(gated, twoGates)
	oneGate := pod("g").gate("b").obj()
	q.Update(twoGates, oneGate)
	if w := where(q, gated.UID); w != "gated" {
		t.Fatalf("pod with a gate left in %q", w)
	}
	q.Update(oneGate, pod("g").obj())
	if w := where(q, gated.UID); w != "active" {
		t.Fatalf("ungated pod in %q, want active", w)
	}
	if p := mustPop(t, q); p.Pod.Name != "g" || len(p.Pod.Spec.SchedulingGates) != 0 {
		t.Errorf("popped %s with gates %v", p.Pod.Name, p.Pod.Spec.SchedulingGates)
	}
}

func TestDelete(t *testing.T) {
	hints := Hints{"P": {{Event: ClusterEvent{Resource: Node, ActionType: Add}}}}
	tests := []struct {
		name  string
		setup func(t *testing.T, q *PriorityQueue) *corev1.Pod
		where string
	}{
		{"active", func(t *testing.T, q *PriorityQueue) *corev1.Pod {
			p := pod("a").obj()
			q.Add(p)
			return p
		}, "active"},
		{"gated", func(t *testing.T, q *PriorityQueue) *corev1.Pod {
			p := pod("a").gate("g").obj()
			q.Add(p)
			return p
		}, "gated"},
		{"backoff", func(t *testing.T, q *PriorityQueue) *corev1.Pod {
			q.Add(pod("a").obj())
			p := mustPop(t, q)
			fail(t, q, p) // error: backoff
			q.Done(p.Pod.UID)
			return p.Pod
		}, "backoff"},
		{"unschedulable", func(t *testing.T, q *PriorityQueue) *corev1.Pod {
			q.Add(pod("a").obj())
			p := mustPop(t, q)
			fail(t, q, p, "P")
			q.Done(p.Pod.UID)
			return p.Pod
		}, "unschedulable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, _ := newTestQueue(t, hints)
			p := tt.setup(t, q)
			if w := where(q, p.UID); w != tt.where {
				t.Fatalf("pod in %q before Delete, want %q", w, tt.where)
			}
			q.Delete(p)
			if w := where(q, p.UID); w != "" {
				t.Errorf("pod still in %q after Delete", w)
			}
			if diff := cmp.Diff(Counts{}, q.Counts()); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDeleteInFlight(t *testing.T) {
	q, _ := newTestQueue(t, nil)
	q.Add(pod("a").obj())
	p := mustPop(t, q)
	q.Delete(p.Pod)
	fail(t, q, p, "P")
	q.Done(p.Pod.UID)
	if w := where(q, p.Pod.UID); w != "" {
		t.Errorf("pod deleted in flight came back in %q", w)
	}
}

func TestAddUnschedulableAlreadyQueued(t *testing.T) {
	q, _ := newTestQueue(t, nil)
	q.Add(pod("a").obj())
	info := NewQueuedPodInfo(pod("a").obj(), t0)
	if err := q.AddUnschedulableIfNotPresent(info, 0); !errors.Is(err, ErrAlreadyQueued) {
		t.Errorf("err = %v, want ErrAlreadyQueued", err)
	}
}

func TestAddReplacesQueuedCopy(t *testing.T) {
	q, _ := newTestQueue(t, nil)
	q.Add(pod("a").obj())
	p := mustPop(t, q)
	fail(t, q, p)
	q.Done(p.Pod.UID)
	q.Add(pod("a").label("v", "2").obj())
	if diff := cmp.Diff(Counts{Active: 1}, q.Counts()); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
}

func TestPendingPods(t *testing.T) {
	q, clk := newTestQueue(t, Hints{"P": {{Event: ClusterEvent{Resource: Node, ActionType: Add}}}})
	for _, n := range []string{"u", "b", "a"} {
		q.Add(pod(n).obj())
		clk.Step(time.Millisecond)
	}
	q.Add(pod("g").gate("x").obj())
	u := mustPop(t, q)
	fail(t, q, u, "P")
	q.Done(u.Pod.UID)
	b := mustPop(t, q)
	fail(t, q, b)
	q.Done(b.Pod.UID)
	pods, summary := q.PendingPods()
	var names []string
	for _, p := range pods {
		names = append(names, p.Name)
	}
	if diff := cmp.Diff([]string{"a", "b", "u", "g"}, names); diff != "" {
		t.Errorf("pending pods (-want +got):\n%s", diff)
	}
	if want := "activeQ:1; backoffQ:1; unschedulablePods:1; gatedPods:1"; summary != want {
		t.Errorf("summary = %q, want %q", summary, want)
	}
	want := map[string]int{"active": 1, "backoff": 1, "unschedulable": 1, "gated": 1}
	if diff := cmp.Diff(want, q.Counts().ByQueue()); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
}

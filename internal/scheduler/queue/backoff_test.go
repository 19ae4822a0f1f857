package queue

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestBackoffDuration(t *testing.T) {
	q, _ := newTestQueue(t, nil)
	var got []time.Duration
	for attempts := 1; attempts <= 6; attempts++ {
		got = append(got, q.backoffDuration(&QueuedPodInfo{Attempts: attempts}))
	}
	want := []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("backoff per attempt (-want +got):\n%s", diff)
	}
}

func TestBackoffConfigurable(t *testing.T) {
	q, err := New(Config{Clock: clockAt(), InitialBackoff: 100 * time.Millisecond, MaxBackoff: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var got []time.Duration
	for attempts := 1; attempts <= 4; attempts++ {
		got = append(got, q.backoffDuration(&QueuedPodInfo{Attempts: attempts}))
	}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("backoff per attempt (-want +got):\n%s", diff)
	}
}

// TestBackoffFlush fails a pod with an error repeatedly and checks that it
// leaves backoffQ exactly when its backoff (1, 2, 4, 8, 10, 10 s) expires.
func TestBackoffFlush(t *testing.T) {
	q, clk := newTestQueue(t, nil)
	q.Add(pod("a").obj())
	for i, backoff := range []time.Duration{1, 2, 4, 8, 10, 10} {
		backoff *= time.Second
		p := mustPop(t, q)
		fail(t, q, p) // no plugins: an error
		q.Done(p.Pod.UID)
		if w := where(q, p.Pod.UID); w != "backoff" {
			t.Fatalf("attempt %d: pod in %q, want backoff", i+1, w)
		}
		clk.Step(backoff - time.Millisecond)
		q.flushBackoffCompleted()
		if w := where(q, p.Pod.UID); w != "backoff" {
			t.Fatalf("attempt %d: pod in %q %v after failing, want backoff", i+1, w, backoff-time.Millisecond)
		}
		clk.Step(time.Millisecond)
		q.flushBackoffCompleted()
		if w := where(q, p.Pod.UID); w != "active" {
			t.Fatalf("attempt %d: pod in %q %v after failing, want active", i+1, w, backoff)
		}
	}
}

// TestBackoffOrder checks backoffQ releases pods by expiry, not by arrival.
func TestBackoffOrder(t *testing.T) {
	q, clk := newTestQueue(t, nil)
	// "long" fails three times (4 s backoff), then "short" once (1 s).
	q.Add(pod("long").obj())
	for range 2 {
		p := mustPop(t, q)
		fail(t, q, p)
		q.Done(p.Pod.UID)
		clk.Step(10 * time.Second)
		q.flushBackoffCompleted()
	}
	long := mustPop(t, q)
	q.Add(pod("short").obj())
	short := mustPop(t, q)
	fail(t, q, long)
	q.Done(long.Pod.UID)
	fail(t, q, short)
	q.Done(short.Pod.UID)
	clk.Step(time.Second)
	q.flushBackoffCompleted()
	if diff := cmp.Diff(Counts{Active: 1, Backoff: 1}, q.Counts()); diff != "" {
		t.Fatalf("counts after 1s (-want +got):\n%s", diff)
	}
	if p := mustPop(t, q); p.Pod.Name != "short" {
		t.Errorf("popped %s first, want short", p.Pod.Name)
	}
}

// TestPopFlushesBackoff: Pop itself moves expired pods, without Run.
func TestPopFlushesBackoff(t *testing.T) {
	q, clk := newTestQueue(t, nil)
	q.Add(pod("a").obj())
	p := mustPop(t, q)
	fail(t, q, p)
	q.Done(p.Pod.UID)
	clk.Step(time.Second)
	if got := mustPop(t, q); got.Pod.Name != "a" {
		t.Errorf("popped %s", got.Pod.Name)
	}
}

// TestRunFlushes drives Run with the fake clock: a Pop blocked on an empty
// activeQ wakes when the 1 s ticker moves a pod out of backoff, and the 30 s
// ticker retries a pod unschedulable for more than 5 minutes.
func TestRunFlushes(t *testing.T) {
	q, clk := newTestQueue(t, Hints{"P": {{Event: ClusterEvent{Resource: Node, ActionType: Add}}}})
	q.Add(pod("a").obj())
	p := mustPop(t, q)
	fail(t, q, p)
	q.Done(p.Pod.UID)

	ctx := t.Context()
	go q.Run(ctx)
	waitFor(t, clk.HasWaiters)

	got := make(chan *QueuedPodInfo, 1)
	go func() {
		p, err := q.Pop(ctx)
		if err == nil {
			got <- p
		}
	}()
	clk.Step(time.Second)
	var popped *QueuedPodInfo
	select {
	case popped = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("Pop not woken by the backoff flush")
	}

	fail(t, q, popped, "P")
	q.Done(popped.Pod.UID)
	for range 10 { // 5 min in 30 s steps: not yet over
		clk.Step(30 * time.Second)
	}
	if w := where(q, popped.Pod.UID); w != "unschedulable" {
		t.Fatalf("pod in %q at exactly 5 min, want unschedulable", w)
	}
	clk.Step(30 * time.Second)
	waitFor(t, func() bool { return where(q, popped.Pod.UID) == "active" })
}

// waitFor polls cond with a deadline.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met before deadline")
		}
		time.Sleep(time.Millisecond)
	}
}

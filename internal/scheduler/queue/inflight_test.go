package queue

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

// TestInFlightEvents checks that an event arriving between Pop and
// AddUnschedulableIfNotPresent is judged against the pod when it comes back.
func TestInFlightEvents(t *testing.T) {
	hints := Hints{
		"NodeQueue": {{Event: nodeAdd, HintFunc: hintReturning(Queue, nil)}},
		"NodeSkip":  {{Event: nodeAdd, HintFunc: hintReturning(QueueSkip, nil)}},
	}
	tests := []struct {
		name    string
		plugins []string
		pending []string
		before  []ClusterEvent // before Pop
		during  []ClusterEvent // between Pop and the failure
		want    string
	}{
		{name: "matching event during attempt", plugins: []string{"NodeQueue"}, during: []ClusterEvent{nodeAdd}, want: "backoff"},
		{name: "pending plugin, event during attempt", pending: []string{"NodeQueue"}, during: []ClusterEvent{nodeAdd}, want: "active"},
		{name: "event during attempt, hint skips", plugins: []string{"NodeSkip"}, during: []ClusterEvent{nodeAdd}, want: "unschedulable"},
		{name: "unregistered event during attempt", plugins: []string{"NodeQueue"}, during: []ClusterEvent{pvcAdd}, want: "unschedulable"},
		{name: "event before Pop does not count", plugins: []string{"NodeQueue"}, before: []ClusterEvent{nodeAdd}, want: "unschedulable"},
		{name: "no events", plugins: []string{"NodeQueue"}, want: "unschedulable"},
		{name: "error pod ignores events", during: []ClusterEvent{pvcAdd}, want: "backoff"},
		{name: "wildcard during attempt", plugins: []string{"NodeSkip"}, during: []ClusterEvent{UnschedulableTimeout}, want: "backoff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, _ := newTestQueue(t, hints)
			// A second in-flight pod, popped first, keeps events recorded
			// from before the pod under test was popped.
			q.Add(pod("early").prio(10).obj())
			q.Add(pod("a").obj())
			early := mustPop(t, q)
			for _, ev := range tt.before {
				q.MoveAllToActiveOrBackoffQueue(ev, nil, nil, nil)
			}
			p := mustPop(t, q)
			for _, ev := range tt.during {
				q.MoveAllToActiveOrBackoffQueue(ev, nil, nil, nil)
			}
			p.UnschedulablePlugins = sets.New(tt.plugins...)
			p.PendingPlugins = sets.New(tt.pending...)
			if err := q.AddUnschedulableIfNotPresent(p, q.SchedulingCycle()); err != nil {
				t.Fatal(err)
			}
			q.Done(p.Pod.UID)
			q.Done(early.Pod.UID)
			if w := where(q, p.Pod.UID); w != tt.want {
				t.Errorf("pod in %q, want %q", w, tt.want)
			}
			q.mu.Lock()
			defer q.mu.Unlock()
			if n := q.inFlight.Len(); n != 0 {
				t.Errorf("%d in-flight entries left after Done", n)
			}
		})
	}
}

// TestInFlightEventsTrimmed: events are kept only while some pod popped
// before them is still in flight.
func TestInFlightEventsTrimmed(t *testing.T) {
	q, _ := newTestQueue(t, Hints{"P": {{Event: nodeAdd}}})
	q.MoveAllToActiveOrBackoffQueue(nodeAdd, nil, nil, nil) // nobody in flight
	q.Add(pod("a").obj())
	a := mustPop(t, q)
	q.MoveAllToActiveOrBackoffQueue(nodeAdd, nil, nil, nil)
	q.MoveAllToActiveOrBackoffQueue(pvcAdd, nil, nil, nil) // nobody registered
	q.Add(pod("b").obj())
	b := mustPop(t, q)
	q.MoveAllToActiveOrBackoffQueue(nodeAdd, nil, nil, nil)
	count := func() int {
		q.mu.Lock()
		defer q.mu.Unlock()
		return q.inFlight.Len()
	}
	if n := count(); n != 4 { // a, event, b, event
		t.Fatalf("%d entries, want 4", n)
	}
	q.Done(a.Pod.UID)
	if n := count(); n != 2 { // b, event
		t.Fatalf("%d entries after a is done, want 2", n)
	}
	q.Done(b.Pod.UID)
	if n := count(); n != 0 {
		t.Fatalf("%d entries after all are done, want 0", n)
	}
}

// TestInFlightPodUpdate: an update of the pod itself while it is being
// scheduled is replayed, and the pod comes back in its new version.
func TestInFlightPodUpdate(t *testing.T) {
	hints := Hints{"Labels": {{Event: ClusterEvent{Resource: UnscheduledPod, ActionType: UpdatePodLabel}}}}
	q, _ := newTestQueue(t, hints)
	q.Add(pod("a").obj())
	q.Add(pod("b").obj())
	a := mustPop(t, q)
	b := mustPop(t, q)
	newA := pod("a").label("x", "y").obj()
	q.Update(a.Pod, newA)
	if w := where(q, a.Pod.UID); w != "" {
		t.Fatalf("in-flight pod re-added to %q by its update", w)
	}
	fail(t, q, a, "Labels")
	fail(t, q, b, "Labels") // the update of a is not b's event
	if w := where(q, a.Pod.UID); w != "backoff" {
		t.Errorf("updated pod in %q, want backoff", w)
	}
	if a.Pod != newA {
		t.Error("pod not requeued in its updated version")
	}
	if w := where(q, b.Pod.UID); w != "unschedulable" {
		t.Errorf("other pod in %q, want unschedulable", w)
	}
}

// TestInFlightActivate: Activate during the attempt sends the pod straight
// back to activeQ.
func TestInFlightActivate(t *testing.T) {
	q, _ := newTestQueue(t, nil)
	q.Add(pod("a").obj())
	a := mustPop(t, q)
	q.Activate([]*corev1.Pod{a.Pod})
	fail(t, q, a, "P")
	if w := where(q, a.Pod.UID); w != "active" {
		t.Errorf("activated pod in %q, want active", w)
	}
}

// TestMoveRequestCycle: a pod handed back that this queue did not pop falls
// back to comparing scheduling cycles.
func TestMoveRequestCycle(t *testing.T) {
	q, clk := newTestQueue(t, Hints{"P": {{Event: nodeAdd}}})
	q.Add(pod("x").obj())
	mustPop(t, q)
	cycle := q.SchedulingCycle()

	stale := NewQueuedPodInfo(pod("a").obj(), clk.Now())
	stale.Attempts = 1
	stale.UnschedulablePlugins = sets.New("P")
	q.MoveAllToActiveOrBackoffQueue(pvcAdd, nil, nil, nil)
	if err := q.AddUnschedulableIfNotPresent(stale, cycle); err != nil {
		t.Fatal(err)
	}
	if w := where(q, "uid-a"); w != "backoff" {
		t.Errorf("pod handed back after a move request in %q, want backoff", w)
	}

	fresh := NewQueuedPodInfo(pod("b").obj(), clk.Now())
	fresh.Attempts = 1
	fresh.UnschedulablePlugins = sets.New("P")
	if err := q.AddUnschedulableIfNotPresent(fresh, cycle+1); err != nil {
		t.Fatal(err)
	}
	if w := where(q, "uid-b"); w != "unschedulable" {
		t.Errorf("pod handed back with no move request since in %q, want unschedulable", w)
	}
}

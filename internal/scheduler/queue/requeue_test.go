package queue

import (
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

var (
	nodeAdd      = ClusterEvent{Resource: Node, ActionType: Add}
	nodeLabel    = ClusterEvent{Resource: Node, ActionType: UpdateNodeLabel}
	nodeTaint    = ClusterEvent{Resource: Node, ActionType: UpdateNodeTaint}
	pvcAdd       = ClusterEvent{Resource: PersistentVolumeClaim, ActionType: Add}
	unschedLabel = ClusterEvent{Resource: UnscheduledPod, ActionType: UpdatePodLabel}
)

// unschedulablePod returns a queue holding pod "a" as rejected by plugins,
// rejected at t0+1s with its 1 s backoff running.
func unschedulablePod(t *testing.T, hints Hints, plugins ...string) (*PriorityQueue, *QueuedPodInfo, func(time.Duration)) {
	t.Helper()
	q, clk := newTestQueue(t, hints)
	q.Add(pod("a").obj())
	clk.Step(time.Second)
	p := mustPop(t, q)
	fail(t, q, p, plugins...)
	q.Done(p.Pod.UID)
	if w := where(q, p.Pod.UID); w != "unschedulable" {
		t.Fatalf("rejected pod in %q, want unschedulable", w)
	}
	return q, p, clk.Step
}

func TestMoveOnEvent(t *testing.T) {
	hints := Hints{
		"NodeQueue":  {{Event: ClusterEvent{Resource: Node, ActionType: Add | UpdateNodeLabel}, HintFunc: hintReturning(Queue, nil)}},
		"NodeSkip":   {{Event: ClusterEvent{Resource: Node, ActionType: Add}, HintFunc: hintReturning(QueueSkip, nil)}},
		"NodeErr":    {{Event: ClusterEvent{Resource: Node, ActionType: Add}, HintFunc: hintReturning(QueueSkip, errors.New("boom"))}},
		"NodeNoHint": {{Event: ClusterEvent{Resource: Node, ActionType: Update}}},
		"Any":        {{Event: ClusterEvent{Resource: WildCard, ActionType: Add}}},
	}
	tests := []struct {
		name     string
		plugins  []string
		pending  []string
		event    ClusterEvent
		preCheck func(*corev1.Pod) bool
		wait     time.Duration // before the event
		want     string
	}{
		{name: "registered, Queue, in backoff", plugins: []string{"NodeQueue"}, event: nodeAdd, want: "backoff"},
		{name: "registered, Queue, backoff over", plugins: []string{"NodeQueue"}, event: nodeAdd, wait: time.Second, want: "active"},
		{name: "registered finer update bit", plugins: []string{"NodeQueue"}, event: nodeLabel, want: "backoff"},
		{name: "registered, QueueSkip", plugins: []string{"NodeSkip"}, event: nodeAdd, want: "unschedulable"},
		{name: "hint error counts as Queue", plugins: []string{"NodeErr"}, event: nodeAdd, want: "backoff"},
		{name: "nil hint counts as Queue", plugins: []string{"NodeNoHint"}, event: nodeTaint, want: "backoff"},
		{name: "registered for Update, got Add", plugins: []string{"NodeNoHint"}, event: nodeAdd, want: "unschedulable"},
		{name: "unregistered event", plugins: []string{"NodeQueue"}, event: pvcAdd, want: "unschedulable"},
		{name: "other update bit", plugins: []string{"NodeQueue"}, event: nodeTaint, want: "unschedulable"},
		{name: "plugin without registrations", plugins: []string{"Unknown"}, event: nodeAdd, want: "unschedulable"},
		{name: "wildcard resource registration", plugins: []string{"Any"}, event: pvcAdd, want: "backoff"},
		{name: "one of two plugins says Queue", plugins: []string{"NodeSkip", "NodeQueue"}, event: nodeAdd, want: "backoff"},
		{name: "pending plugin skips backoff", pending: []string{"NodeQueue"}, event: nodeAdd, want: "active"},
		{name: "wildcard event moves anyway", plugins: []string{"NodeSkip"}, event: UnschedulableTimeout, want: "backoff"},
		{name: "preCheck false", plugins: []string{"NodeQueue"}, event: nodeAdd, preCheck: func(*corev1.Pod) bool { return false }, want: "unschedulable"},
		{name: "preCheck true", plugins: []string{"NodeQueue"}, event: nodeAdd, preCheck: func(*corev1.Pod) bool { return true }, want: "backoff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, clk := newTestQueue(t, hints)
			q.Add(pod("a").obj())
			p := mustPop(t, q)
			p.UnschedulablePlugins = sets.New(tt.plugins...)
			p.PendingPlugins = sets.New(tt.pending...)
			if err := q.AddUnschedulableIfNotPresent(p, q.SchedulingCycle()); err != nil {
				t.Fatal(err)
			}
			q.Done(p.Pod.UID)
			clk.Step(tt.wait)
			q.MoveAllToActiveOrBackoffQueue(tt.event, nil, nil, tt.preCheck)
			if w := where(q, p.Pod.UID); w != tt.want {
				t.Errorf("pod in %q after %v, want %q", w, tt.event, tt.want)
			}
		})
	}
}

func TestHintSeesObjects(t *testing.T) {
	var gotOld, gotNew any
	var gotPod *corev1.Pod
	hints := Hints{"P": {{Event: nodeLabel, HintFunc: func(p *corev1.Pod, o, n any) (QueueingHint, error) {
		gotPod, gotOld, gotNew = p, o, n
		return QueueSkip, nil
	}}}}
	q, p, _ := unschedulablePod(t, hints, "P")
	oldN, newN := &corev1.Node{}, &corev1.Node{}
	q.MoveAllToActiveOrBackoffQueue(nodeLabel, oldN, newN, nil)
	if gotPod != p.Pod || gotOld != oldN || gotNew != newN {
		t.Errorf("hint called with pod=%v old=%v new=%v", gotPod, gotOld, gotNew)
	}
}

func TestErrorGoesToBackoff(t *testing.T) {
	q, clk := newTestQueue(t, nil)
	q.Add(pod("a").obj())
	p := mustPop(t, q)
	fail(t, q, p)
	q.Done(p.Pod.UID)
	if w := where(q, p.Pod.UID); w != "backoff" {
		t.Fatalf("errored pod in %q, want backoff", w)
	}
	clk.Step(time.Second)
	q.flushBackoffCompleted()
	if w := where(q, p.Pod.UID); w != "active" {
		t.Fatalf("errored pod in %q after backoff, want active", w)
	}
}

func TestUnschedulableTimeout(t *testing.T) {
	q, p, step := unschedulablePod(t, Hints{"P": {{Event: nodeAdd}}}, "P")
	step(5 * time.Minute)
	q.flushUnschedulableLeftover()
	if w := where(q, p.Pod.UID); w != "unschedulable" {
		t.Fatalf("pod in %q at exactly 5 min, want unschedulable", w)
	}
	step(time.Second)
	q.flushUnschedulableLeftover()
	if w := where(q, p.Pod.UID); w != "active" {
		t.Fatalf("pod in %q after 5 min, want active", w)
	}
}

func TestUpdateUnschedulable(t *testing.T) {
	hints := Hints{
		"Labels": {{Event: ClusterEvent{Resource: Pod, ActionType: UpdatePodLabel}}},
		"Skip":   {{Event: unschedLabel, HintFunc: hintReturning(QueueSkip, nil)}},
	}
	tests := []struct {
		name    string
		plugins []string
		mutate  func(p *corev1.Pod)
		want    string
	}{
		{"label change, plugin cares", []string{"Labels"}, func(p *corev1.Pod) { p.Labels = map[string]string{"x": "y"} }, "backoff"},
		{"label change, hint skips", []string{"Skip"}, func(p *corev1.Pod) { p.Labels = map[string]string{"x": "y"} }, "unschedulable"},
		{"other spec change, plugin cares only for labels", []string{"Labels"}, func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"a": "b"} }, "unschedulable"},
		{"status only", []string{"Labels"}, func(p *corev1.Pod) {
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled}}
			p.ResourceVersion = "7"
		}, "unschedulable"},
		{"error pod, any real change", nil, func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"a": "b"} }, "backoff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, clk := newTestQueue(t, hints)
			q.Add(pod("a").obj())
			p := mustPop(t, q)
			p.UnschedulablePlugins = sets.New(tt.plugins...)
			// Error pods go to backoff; park it in unschedulable by hand to
			// test Update alone.
			p.Timestamp = clk.Now()
			q.mu.Lock()
			q.unschedulable[p.Pod.UID] = p
			q.mu.Unlock()
			q.Done(p.Pod.UID)

			newPod := p.Pod.DeepCopy()
			tt.mutate(newPod)
			q.Update(p.Pod, newPod)
			if w := where(q, p.Pod.UID); w != tt.want {
				t.Errorf("pod in %q after update, want %q", w, tt.want)
			}
			if p.Pod != newPod {
				t.Error("queued pod not replaced by the new version")
			}
		})
	}
}

func TestUpdateQueuedAndUnknown(t *testing.T) {
	q, clk := newTestQueue(t, nil)
	q.Add(pod("a").prio(1).obj())
	clk.Step(time.Second)
	q.Add(pod("b").prio(1).obj())
	// Raising b's priority reorders activeQ.
	q.Update(pod("b").prio(1).obj(), pod("b").prio(9).obj())
	if p := mustPop(t, q); p.Pod.Name != "b" {
		t.Errorf("popped %s, want b after its priority rose", p.Pod.Name)
	}
	// An update for a pod the queue never saw adds it.
	q.Update(nil, pod("c").obj())
	if w := where(q, "uid-c"); w != "active" {
		t.Errorf("unknown updated pod in %q, want active", w)
	}
}

func TestAssignedPodAdded(t *testing.T) {
	hints := Hints{"InterPodAffinity": {{Event: ClusterEvent{Resource: Pod, ActionType: All}}}}
	q, clk := newTestQueue(t, hints)
	q.Add(pod("wants-db").affinity("app", "db").obj())
	q.Add(pod("wants-web").affinity("app", "web").obj())
	for range 2 {
		p := mustPop(t, q)
		fail(t, q, p, "InterPodAffinity")
		q.Done(p.Pod.UID)
	}
	clk.Step(time.Minute)
	q.AssignedPodAdded(pod("db-0").label("app", "db").obj())
	if w := where(q, "uid-wants-db"); w != "active" {
		t.Errorf("pod with matching affinity in %q, want active", w)
	}
	if w := where(q, "uid-wants-web"); w != "unschedulable" {
		t.Errorf("pod with other affinity in %q, want unschedulable", w)
	}
	// Another namespace does not match a term without namespaces.
	other := pod("web-0").label("app", "web").obj()
	other.Namespace = "other"
	q.AssignedPodAdded(other)
	if w := where(q, "uid-wants-web"); w != "unschedulable" {
		t.Errorf("pod moved by a pod in another namespace: in %q", w)
	}
}

func TestAssignedPodUpdated(t *testing.T) {
	hints := Hints{"Fit": {{Event: ClusterEvent{Resource: AssignedPod, ActionType: UpdatePodScaleDown | Delete}}}}
	q, _, step := unschedulablePod(t, hints, "Fit")
	step(time.Minute)
	big := pod("bound").obj()
	big.Spec.Containers = []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: mustQ("2")}}}}
	small := big.DeepCopy()
	small.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU] = mustQ("1")
	q.AssignedPodUpdated(small, big) // scale up: nothing
	if w := where(q, "uid-a"); w != "unschedulable" {
		t.Fatalf("pod moved by a scale-up: in %q", w)
	}
	q.AssignedPodUpdated(big, small) // scale down
	if w := where(q, "uid-a"); w != "active" {
		t.Fatalf("pod in %q after a scale-down, want active", w)
	}
}

func TestActivate(t *testing.T) {
	q, p, _ := unschedulablePod(t, nil, "P")
	q.Activate([]*corev1.Pod{p.Pod})
	if w := where(q, p.Pod.UID); w != "active" {
		t.Errorf("activated pod in %q, want active", w)
	}
}

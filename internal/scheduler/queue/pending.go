package queue

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// Counts is the number of pods in each sub-queue; in-flight pods are in none.
type Counts struct {
	Active, Backoff, Unschedulable, Gated int
}

// ByQueue returns the counts keyed by the queue label of the
// scheduler_pending_pods metric.
func (c Counts) ByQueue() map[string]int {
	return map[string]int{
		"active":        c.Active,
		"backoff":       c.Backoff,
		"unschedulable": c.Unschedulable,
		"gated":         c.Gated,
	}
}

// Counts returns the current size of each sub-queue, for the runtime's
// scheduler_pending_pods gauge.
func (q *PriorityQueue) Counts() Counts {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.countsLocked()
}

func (q *PriorityQueue) countsLocked() Counts {
	return Counts{
		Active:        q.active.len(),
		Backoff:       q.backoff.len(),
		Unschedulable: len(q.unschedulable),
		Gated:         len(q.gated),
	}
}

// PendingPods returns every queued pod (not the in-flight ones) and a
// one-line summary of the counts per sub-queue.
func (q *PriorityQueue) PendingPods() ([]*corev1.Pod, string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var pods []*corev1.Pod
	for _, p := range q.active.list() {
		pods = append(pods, p.Pod)
	}
	for _, p := range q.backoff.list() {
		pods = append(pods, p.Pod)
	}
	for _, p := range q.unschedulable {
		pods = append(pods, p.Pod)
	}
	for _, p := range q.gated {
		pods = append(pods, p.Pod)
	}
	c := q.countsLocked()
	return pods, fmt.Sprintf("activeQ:%d; backoffQ:%d; unschedulablePods:%d; gatedPods:%d", c.Active, c.Backoff, c.Unschedulable, c.Gated)
}

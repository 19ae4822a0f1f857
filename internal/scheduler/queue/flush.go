package queue

import (
	"context"
	"time"
)

// Flush periods, as in kube-scheduler.
const (
	backoffFlushPeriod       = 1 * time.Second
	unschedulableFlushPeriod = 30 * time.Second
)

// Run moves pods whose backoff is over to activeQ every second, and pods
// unschedulable for longer than MaxInUnschedulable every 30 seconds, until
// ctx is done.
func (q *PriorityQueue) Run(ctx context.Context) {
	backoff := q.clock.NewTicker(backoffFlushPeriod)
	defer backoff.Stop()
	unsched := q.clock.NewTicker(unschedulableFlushPeriod)
	defer unsched.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-backoff.C():
			q.flushBackoffCompleted()
		case <-unsched.C():
			q.flushUnschedulableLeftover()
		}
	}
}

// Start is Run as a Runnable: it returns nil when ctx is done.
func (q *PriorityQueue) Start(ctx context.Context) error {
	q.Run(ctx)
	return nil
}

func (q *PriorityQueue) flushBackoffCompleted() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.flushBackoffCompletedLocked()
}

// flushBackoffCompletedLocked moves every pod whose backoff has expired from
// backoffQ to activeQ.
func (q *PriorityQueue) flushBackoffCompletedLocked() {
	now := q.clock.Now()
	moved := false
	for p := q.backoff.peek(); p != nil && !q.backoffExpiry(p).After(now); p = q.backoff.peek() {
		q.backoff.pop()
		q.active.addOrUpdate(p)
		moved = true
	}
	if moved {
		q.broadcast()
	}
}

// flushUnschedulableLeftover retries pods that have been unschedulable for
// longer than MaxInUnschedulable.
func (q *PriorityQueue) flushUnschedulableLeftover() {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.clock.Now()
	var stale []*QueuedPodInfo
	for _, p := range q.unschedulable {
		if now.Sub(p.Timestamp) > q.maxInUnschedulable {
			stale = append(stale, p)
		}
	}
	if len(stale) > 0 {
		q.moveLocked(stale, UnschedulableTimeout, nil, nil)
	}
}

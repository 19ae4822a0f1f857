package queue

import (
	"container/list"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
)

// requeueHint is the queue's decision for one pod after an event.
type requeueHint int

const (
	queueSkip         requeueHint = iota // stay unschedulable
	queueAfterBackoff                    // backoffQ if still backing off, else activeQ
	queueImmediately                     // activeQ
)

// inFlightPod marks in the in-flight list where a pod's Pop happened.
type inFlightPod struct {
	uid     types.UID
	deleted bool
}

// inFlightEvent is an event received while some pod was in flight.
type inFlightEvent struct {
	event          ClusterEvent
	oldObj, newObj any
	// only, if set, restricts the event to one pod: an update of that pod
	// itself or an Activate of it.
	only     types.UID
	activate bool
}

// backoffDuration is InitialBackoff doubled per attempt after the first,
// capped at MaxBackoff.
func (q *PriorityQueue) backoffDuration(p *QueuedPodInfo) time.Duration {
	d := q.initialBackoff
	for i := 1; i < p.Attempts; i++ {
		if d >= q.maxBackoff/2 {
			return q.maxBackoff
		}
		d *= 2
	}
	return min(d, q.maxBackoff)
}

// backoffExpiry is when p's backoff ends. A pod never attempted has none.
func (q *PriorityQueue) backoffExpiry(p *QueuedPodInfo) time.Time {
	if p.Attempts == 0 {
		return time.Time{}
	}
	return p.Timestamp.Add(q.backoffDuration(p))
}

func (q *PriorityQueue) isBackingOff(p *QueuedPodInfo) bool {
	return q.backoffExpiry(p).After(q.clock.Now())
}

// requeueLocked places p, which is in no sub-queue, according to h, and
// reports whether it left the unschedulable state.
func (q *PriorityQueue) requeueLocked(p *QueuedPodInfo, h requeueHint) bool {
	switch {
	case isGated(p.Pod):
		q.gated[p.Pod.UID] = p
		return false
	case h == queueSkip:
		q.unschedulable[p.Pod.UID] = p
		return false
	case h == queueAfterBackoff && q.isBackingOff(p):
		q.backoff.addOrUpdate(p)
		return true
	default:
		q.active.addOrUpdate(p)
		q.broadcast()
		return true
	}
}

// hintLocked asks p's rejecting plugins whether ev may make it schedulable.
func (q *PriorityQueue) hintLocked(p *QueuedPodInfo, ev ClusterEvent, oldObj, newObj any) requeueHint {
	if p.UnschedulablePlugins.Len() == 0 && p.PendingPlugins.Len() == 0 {
		// Rejected by an error, not a plugin: retry after backoff on anything.
		return queueAfterBackoff
	}
	if ev.IsWildCard() {
		return queueAfterBackoff
	}
	result := queueSkip
	for _, plugins := range []sets.Set[string]{p.PendingPlugins, p.UnschedulablePlugins} {
		for plugin := range plugins {
			if !q.pluginSaysQueueLocked(plugin, p.Pod, ev, oldObj, newObj) {
				continue
			}
			if p.PendingPlugins.Has(plugin) {
				return queueImmediately
			}
			result = queueAfterBackoff
		}
	}
	return result
}

// pluginSaysQueueLocked reports whether plugin registered for ev and its
// hint (or any hint of it, if it registered several matching events) says
// Queue.
func (q *PriorityQueue) pluginSaysQueueLocked(plugin string, pod *corev1.Pod, ev ClusterEvent, oldObj, newObj any) bool {
	for _, reg := range q.hints[plugin] {
		if !reg.Event.Match(ev) {
			continue
		}
		if reg.HintFunc == nil {
			return true
		}
		h, err := reg.HintFunc(pod, oldObj, newObj)
		if err != nil {
			q.log.Error("queueing hint failed, requeueing pod", "plugin", plugin, "pod", klogRef(pod), "event", ev.String(), "err", err)
			return true
		}
		if h == Queue {
			return true
		}
	}
	return false
}

// interestingLocked reports whether any plugin registered for ev.
func (q *PriorityQueue) interestingLocked(ev ClusterEvent) bool {
	if ev.IsWildCard() {
		return true
	}
	for _, regs := range q.hints {
		for _, reg := range regs {
			if reg.Event.Match(ev) {
				return true
			}
		}
	}
	return false
}

// AddUnschedulableIfNotPresent hands back a pod whose attempt failed; p
// carries the plugins that rejected it (none: an error). cycle is
// SchedulingCycle() read after the pod's Pop. The pod goes to:
//   - backoffQ (or activeQ if its backoff is over) when it failed with an
//     error, or when an event recorded while it was in flight gets Queue from
//     a rejecting plugin (activeQ at once when a pending plugin said Queue);
//   - unschedulable otherwise, until a matching event or the timeout.
//
// A pod this queue did not pop falls back to the cycle check: if a move
// request came at or after cycle, it is retried after backoff. It returns
// ErrAlreadyQueued if the pod is queued already; a pod deleted while in
// flight is dropped.
func (q *PriorityQueue) AddUnschedulableIfNotPresent(p *QueuedPodInfo, cycle int64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	uid := p.Pod.UID
	if q.active.get(uid) != nil || q.backoff.get(uid) != nil || q.unschedulable[uid] != nil || q.gated[uid] != nil {
		return fmt.Errorf("add unschedulable pod %q: %w", klogRef(p.Pod), ErrAlreadyQueued)
	}
	if p.UnschedulablePlugins == nil {
		p.UnschedulablePlugins = sets.New[string]()
	}
	if p.PendingPlugins == nil {
		p.PendingPlugins = sets.New[string]()
	}
	p.Timestamp = q.clock.Now()

	var h requeueHint
	if e, ok := q.inFlightPods[uid]; ok {
		if e.Value.(*inFlightPod).deleted {
			return nil
		}
		h = q.inFlightHintLocked(p, e)
	} else if p.UnschedulablePlugins.Len() == 0 && p.PendingPlugins.Len() == 0 || q.moveRequestCycle >= cycle {
		h = queueAfterBackoff
	}
	q.requeueLocked(p, h)
	return nil
}

// inFlightHintLocked replays the events recorded since p's Pop (at e).
// Updates of the pod itself are applied to p.Pod as they are replayed.
func (q *PriorityQueue) inFlightHintLocked(p *QueuedPodInfo, e *list.Element) requeueHint {
	noRejectors := p.UnschedulablePlugins.Len() == 0 && p.PendingPlugins.Len() == 0
	result := queueSkip
	if noRejectors {
		result = queueAfterBackoff
	}
	for n := e.Next(); n != nil; n = n.Next() {
		ev, ok := n.Value.(*inFlightEvent)
		if !ok {
			continue
		}
		if ev.only != "" && ev.only != p.Pod.UID {
			continue
		}
		if ev.activate {
			result = queueImmediately
			continue
		}
		if pod, ok := ev.newObj.(*corev1.Pod); ok && ev.only == p.Pod.UID {
			p.Pod = pod
		}
		if result == queueImmediately || noRejectors {
			continue
		}
		if h := q.hintLocked(p, ev.event, ev.oldObj, ev.newObj); h > result {
			result = h
		}
	}
	return result
}

// MoveAllToActiveOrBackoffQueue reports a cluster event. Every
// unschedulable pod for which preCheck (if not nil) returns true and a
// rejecting plugin's hint returns Queue moves to activeQ, or to backoffQ
// while its backoff lasts. The event is also recorded for in-flight pods.
func (q *PriorityQueue) MoveAllToActiveOrBackoffQueue(ev ClusterEvent, oldObj, newObj any, preCheck func(*corev1.Pod) bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	pods := make([]*QueuedPodInfo, 0, len(q.unschedulable))
	for _, p := range q.unschedulable {
		if preCheck == nil || preCheck(p.Pod) {
			pods = append(pods, p)
		}
	}
	q.moveLocked(pods, ev, oldObj, newObj)
}

// moveLocked moves those of pods that ev may help, and records ev for the
// in-flight pods.
func (q *PriorityQueue) moveLocked(pods []*QueuedPodInfo, ev ClusterEvent, oldObj, newObj any) {
	moved := 0
	for _, p := range pods {
		h := q.hintLocked(p, ev, oldObj, newObj)
		if h == queueSkip {
			continue
		}
		delete(q.unschedulable, p.Pod.UID)
		q.requeueLocked(p, h)
		moved++
	}
	if moved > 0 {
		q.log.Debug("pods moved by cluster event", "event", ev.String(), "count", moved)
	}
	q.moveRequestCycle = q.schedulingCycle
	if len(q.inFlightPods) > 0 && q.interestingLocked(ev) {
		q.inFlight.PushBack(&inFlightEvent{event: ev, oldObj: oldObj, newObj: newObj})
	}
}

// AssignedPodAdded reports that pod was bound to a node. Unschedulable pods
// with a required pod-affinity term selecting it are checked against
// EventAssignedPodAdd.
func (q *PriorityQueue) AssignedPodAdded(pod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.moveLocked(q.affinityMatchesLocked(pod), EventAssignedPodAdd, nil, pod)
}

// AssignedPodUpdated reports an update of a bound pod. If its requests went
// down every unschedulable pod is checked (room was freed); otherwise those
// whose pod-affinity selects the new version.
func (q *PriorityQueue) AssignedPodUpdated(oldPod, newPod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, ev := range podChangeEvents(AssignedPod, oldPod, newPod) {
		var pods []*QueuedPodInfo
		if ev.ActionType == UpdatePodScaleDown {
			for _, p := range q.unschedulable {
				pods = append(pods, p)
			}
		} else {
			pods = q.affinityMatchesLocked(newPod)
		}
		q.moveLocked(pods, ev, oldPod, newPod)
	}
}

func (q *PriorityQueue) affinityMatchesLocked(assigned *corev1.Pod) []*QueuedPodInfo {
	var pods []*QueuedPodInfo
	for _, p := range q.unschedulable {
		if affinityMatches(p.Pod, assigned) {
			pods = append(pods, p)
		}
	}
	return pods
}

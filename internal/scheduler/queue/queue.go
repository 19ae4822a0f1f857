package queue

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/utils/clock"
)

// Defaults, as in kube-scheduler.
const (
	DefaultInitialBackoff     = 1 * time.Second
	DefaultMaxBackoff         = 10 * time.Second
	DefaultMaxInUnschedulable = 5 * time.Minute
)

// ErrAlreadyQueued is returned by AddUnschedulableIfNotPresent for a pod that
// is already in one of the sub-queues.
var ErrAlreadyQueued = errors.New("pod is already queued")

// Config configures a PriorityQueue. Zero fields take their defaults.
type Config struct {
	// Clock drives backoff, timeouts and Run's tickers. Default: real clock.
	Clock clock.WithTicker
	// InitialBackoff is the backoff after the first failed attempt; it
	// doubles per attempt up to MaxBackoff.
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	// MaxInUnschedulable is how long a pod may stay unschedulable before it
	// is retried regardless of events.
	MaxInUnschedulable time.Duration
	// Less orders the activeQ. Default: PrioritySort.
	Less LessFunc
	// Hints are the events each plugin registered for. A pod rejected by a
	// plugin missing here is moved only by the unschedulable timeout.
	Hints Hints
	// Logger; default slog.Default(). The queue logs under component=queue.
	Logger *slog.Logger
}

// PrioritySort is the default order of the activeQ: higher spec.priority
// first, then the earlier Timestamp.
func PrioritySort(a, b *QueuedPodInfo) bool {
	pa, pb := corev1helpers.PodPriority(a.Pod), corev1helpers.PodPriority(b.Pod)
	if pa != pb {
		return pa > pb
	}
	return a.Timestamp.Before(b.Timestamp)
}

// PriorityQueue is the scheduling queue. All methods are safe for
// concurrent use.
type PriorityQueue struct {
	clock              clock.WithTicker
	initialBackoff     time.Duration
	maxBackoff         time.Duration
	maxInUnschedulable time.Duration
	hints              Hints
	log                *slog.Logger

	mu sync.Mutex
	// wake is closed (and replaced) whenever activeQ may have gained a pod.
	wake          chan struct{}
	active        *podHeap
	backoff       *podHeap
	unschedulable map[types.UID]*QueuedPodInfo
	gated         map[types.UID]*QueuedPodInfo

	// inFlight holds, in arrival order, a marker per in-flight pod and the
	// events received while any pod was in flight. An event matters to an
	// in-flight pod if it comes after the pod's marker.
	inFlight     *list.List
	inFlightPods map[types.UID]*list.Element

	// schedulingCycle counts Pops; moveRequestCycle is the cycle at the last
	// move request. They decide the fate of pods handed back to
	// AddUnschedulableIfNotPresent that this queue did not pop.
	schedulingCycle  int64
	moveRequestCycle int64
}

// New returns an empty queue.
func New(cfg Config) (*PriorityQueue, error) {
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.InitialBackoff == 0 {
		cfg.InitialBackoff = DefaultInitialBackoff
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.MaxInUnschedulable == 0 {
		cfg.MaxInUnschedulable = DefaultMaxInUnschedulable
	}
	if cfg.Less == nil {
		cfg.Less = PrioritySort
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	switch {
	case cfg.InitialBackoff < 0, cfg.MaxBackoff < 0, cfg.MaxInUnschedulable < 0:
		return nil, fmt.Errorf("new scheduling queue: durations must not be negative")
	case cfg.InitialBackoff > cfg.MaxBackoff:
		return nil, fmt.Errorf("new scheduling queue: initial backoff %v exceeds max backoff %v", cfg.InitialBackoff, cfg.MaxBackoff)
	}
	q := &PriorityQueue{
		clock:              cfg.Clock,
		initialBackoff:     cfg.InitialBackoff,
		maxBackoff:         cfg.MaxBackoff,
		maxInUnschedulable: cfg.MaxInUnschedulable,
		hints:              cfg.Hints,
		log:                cfg.Logger.With("component", "queue"),
		wake:               make(chan struct{}),
		active:             newPodHeap(cfg.Less),
		unschedulable:      map[types.UID]*QueuedPodInfo{},
		gated:              map[types.UID]*QueuedPodInfo{},
		inFlight:           list.New(),
		inFlightPods:       map[types.UID]*list.Element{},
	}
	q.backoff = newPodHeap(func(a, b *QueuedPodInfo) bool {
		return q.backoffExpiry(a).Before(q.backoffExpiry(b))
	})
	return q, nil
}

func isGated(p *corev1.Pod) bool { return len(p.Spec.SchedulingGates) > 0 }

// broadcast wakes every blocked Pop. Called with mu held.
func (q *PriorityQueue) broadcast() {
	close(q.wake)
	q.wake = make(chan struct{})
}

// Add queues a new pending pod: into activeQ, or gated if it has scheduling
// gates. A copy already queued under the same UID is replaced.
func (q *PriorityQueue) Add(pod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.removeLocked(pod.UID)
	q.addActiveOrGatedLocked(NewQueuedPodInfo(pod, q.clock.Now()))
}

// addActiveOrGatedLocked puts p into activeQ unless its pod is gated.
func (q *PriorityQueue) addActiveOrGatedLocked(p *QueuedPodInfo) {
	if isGated(p.Pod) {
		q.gated[p.Pod.UID] = p
		return
	}
	q.active.addOrUpdate(p)
	q.broadcast()
}

// removeLocked deletes uid from every sub-queue and returns what it held.
func (q *PriorityQueue) removeLocked(uid types.UID) *QueuedPodInfo {
	if p := q.active.delete(uid); p != nil {
		return p
	}
	if p := q.backoff.delete(uid); p != nil {
		return p
	}
	if p, ok := q.unschedulable[uid]; ok {
		delete(q.unschedulable, uid)
		return p
	}
	if p, ok := q.gated[uid]; ok {
		delete(q.gated, uid)
		return p
	}
	return nil
}

// Update reports a new version of a pending pod. A queued pod gets the new
// version in place, except that an unschedulable or gated pod may move:
//   - gated → activeQ when its last scheduling gate is removed;
//   - unschedulable → activeQ/backoffQ when the update changes something
//     scheduling depends on and a rejecting plugin's hint for that kind of
//     change returns Queue.
//
// An in-flight pod's update is recorded and replayed if it comes back
// unschedulable. A pod found nowhere is added as by Add.
func (q *PriorityQueue) Update(oldPod, newPod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	uid := newPod.UID
	if p := q.active.get(uid); p != nil {
		p.Pod = newPod
		q.active.addOrUpdate(p)
		return
	}
	if p := q.backoff.get(uid); p != nil {
		p.Pod = newPod
		q.backoff.addOrUpdate(p)
		return
	}
	if p, ok := q.gated[uid]; ok {
		p.Pod = newPod
		if !isGated(newPod) {
			delete(q.gated, uid)
			q.requeueLocked(p, queueAfterBackoff)
		}
		return
	}
	if p, ok := q.unschedulable[uid]; ok {
		p.Pod = newPod
		if oldPod == nil || !isPodUpdated(oldPod, newPod) {
			return
		}
		for _, ev := range podChangeEvents(UnscheduledPod, oldPod, newPod) {
			if h := q.hintLocked(p, ev, oldPod, newPod); h != queueSkip {
				delete(q.unschedulable, uid)
				q.requeueLocked(p, h)
				q.log.Debug("pod moved by its own update", "pod", klogRef(newPod), "event", ev.String())
				return
			}
		}
		return
	}
	if _, ok := q.inFlightPods[uid]; ok {
		if oldPod != nil && isPodUpdated(oldPod, newPod) {
			for _, ev := range podChangeEvents(UnscheduledPod, oldPod, newPod) {
				q.inFlight.PushBack(&inFlightEvent{event: ev, oldObj: oldPod, newObj: newPod, only: uid})
			}
		}
		return
	}
	q.addActiveOrGatedLocked(NewQueuedPodInfo(newPod, q.clock.Now()))
}

// Delete removes a pod from the queue. A pod deleted while in flight is
// dropped when it is handed back to AddUnschedulableIfNotPresent.
func (q *PriorityQueue) Delete(pod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.removeLocked(pod.UID)
	if e, ok := q.inFlightPods[pod.UID]; ok {
		e.Value.(*inFlightPod).deleted = true
	}
}

// Pop removes and returns the head of activeQ, blocking until there is one
// or ctx is done (then it returns ctx's error). The pod is in flight until
// Done is called with its UID; Pop clears its rejecting plugins and counts
// the attempt.
func (q *PriorityQueue) Pop(ctx context.Context) (*QueuedPodInfo, error) {
	for {
		q.mu.Lock()
		q.flushBackoffCompletedLocked()
		if p := q.active.pop(); p != nil {
			q.schedulingCycle++
			p.Attempts++
			if p.InitialAttemptTimestamp.IsZero() {
				p.InitialAttemptTimestamp = q.clock.Now()
			}
			p.UnschedulablePlugins.Clear()
			p.PendingPlugins.Clear()
			q.inFlightPods[p.Pod.UID] = q.inFlight.PushBack(&inFlightPod{uid: p.Pod.UID})
			q.mu.Unlock()
			return p, nil
		}
		wake := q.wake
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-wake:
		}
	}
}

// Done ends the in-flight period of the pod popped with uid; call it once
// the scheduling (and binding) attempt is over, after any
// AddUnschedulableIfNotPresent.
func (q *PriorityQueue) Done(uid types.UID) {
	q.mu.Lock()
	defer q.mu.Unlock()
	e, ok := q.inFlightPods[uid]
	if !ok {
		return
	}
	delete(q.inFlightPods, uid)
	q.inFlight.Remove(e)
	// Events older than the oldest remaining in-flight pod concern no one.
	for f := q.inFlight.Front(); f != nil; f = q.inFlight.Front() {
		if _, isPod := f.Value.(*inFlightPod); isPod {
			break
		}
		q.inFlight.Remove(f)
	}
}

// SchedulingCycle returns the number of pods popped so far. Pass the value
// read right after Pop to AddUnschedulableIfNotPresent.
func (q *PriorityQueue) SchedulingCycle() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.schedulingCycle
}

// Activate moves the given pods from backoffQ or unschedulable straight to
// activeQ, skipping backoff and hints. For an in-flight pod the request is
// remembered and applied if it comes back unschedulable.
func (q *PriorityQueue) Activate(pods []*corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, pod := range pods {
		uid := pod.UID
		if p := q.backoff.delete(uid); p != nil {
			q.active.addOrUpdate(p)
			q.broadcast()
			continue
		}
		if p, ok := q.unschedulable[uid]; ok {
			delete(q.unschedulable, uid)
			q.active.addOrUpdate(p)
			q.broadcast()
			continue
		}
		if _, ok := q.inFlightPods[uid]; ok {
			q.inFlight.PushBack(&inFlightEvent{event: ForceActivate, only: uid, activate: true})
		}
	}
}

// klogRef renders a pod as namespace/name for logs.
func klogRef(p *corev1.Pod) string { return p.Namespace + "/" + p.Name }

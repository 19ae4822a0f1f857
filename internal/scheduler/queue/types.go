package queue

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

// QueuedPodInfo is a pod in the queue together with the bookkeeping the queue
// and the scheduling cycle share. The queue owns it while the pod is queued;
// after Pop the scheduling cycle owns it until it hands it back through
// AddUnschedulableIfNotPresent.
type QueuedPodInfo struct {
	Pod *corev1.Pod
	// Timestamp is when the pod was last added to the queue: by Add, or by
	// AddUnschedulableIfNotPresent after a failed attempt. Backoff and the
	// unschedulable timeout are measured from it.
	Timestamp time.Time
	// InitialAttemptTimestamp is when the pod was first popped; zero before.
	InitialAttemptTimestamp time.Time
	// Attempts counts how often the pod has been popped.
	Attempts int
	// UnschedulablePlugins are the plugins that rejected the pod in its last
	// attempt. Empty after a failure means an error: the pod is retried after
	// its backoff whatever happens in the cluster.
	UnschedulablePlugins sets.Set[string]
	// PendingPlugins are plugins that rejected the pod only for now (waiting
	// on something already in progress); an event they accept requeues the
	// pod without backoff.
	PendingPlugins sets.Set[string]
}

// NewQueuedPodInfo returns the info for a pod that has never been tried.
func NewQueuedPodInfo(pod *corev1.Pod, now time.Time) *QueuedPodInfo {
	return &QueuedPodInfo{
		Pod:                  pod,
		Timestamp:            now,
		UnschedulablePlugins: sets.New[string](),
		PendingPlugins:       sets.New[string](),
	}
}

// DeepCopy returns a copy that shares the Pod (pods are never mutated in
// place) but not the plugin sets.
func (p *QueuedPodInfo) DeepCopy() *QueuedPodInfo {
	c := *p
	c.UnschedulablePlugins = p.UnschedulablePlugins.Clone()
	c.PendingPlugins = p.PendingPlugins.Clone()
	return &c
}

// LessFunc orders the activeQ: it reports whether a is popped before b. It is
// the queue-sort plugin's Less.
type LessFunc func(a, b *QueuedPodInfo) bool

// QueueingHint is a plugin's verdict on whether an event may make a pod it
// rejected schedulable.
type QueueingHint int

const (
	// QueueSkip: the event cannot help the pod; leave it where it is.
	QueueSkip QueueingHint = iota
	// Queue: the event may help; retry the pod (after its backoff).
	Queue
)

func (h QueueingHint) String() string {
	if h == Queue {
		return "Queue"
	}
	return "QueueSkip"
}

// QueueingHintFunc decides, for one pod the plugin rejected, whether the
// change from oldObj to newObj (either may be nil for Add and Delete) may
// make it schedulable. An error counts as Queue. It is called with the queue's
// lock held, so it must be fast and must not call back into the queue.
type QueueingHintFunc func(pod *corev1.Pod, oldObj, newObj any) (QueueingHint, error)

// HintRegistration is one event a plugin wants to hear about and the function
// that judges it. A nil HintFunc means "always Queue".
type HintRegistration struct {
	Event    ClusterEvent
	HintFunc QueueingHintFunc
}

// Hints maps a plugin name to the events it registered for
// (the framework's EventsToRegister, collected).
type Hints map[string][]HintRegistration

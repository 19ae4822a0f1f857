package endpoints

import (
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/berth-dev/berth/internal/podcondition"
)

// TriggerTracker computes the endpoints.kubernetes.io/last-change-trigger-time
// of a Service's endpoints as upstream does: the earliest among the
// changes seen since the previous sync, where a pod's change time is its
// Ready condition's lastTransitionTime and the Service's is its creation
// time. Zero means nothing new was seen. Safe for concurrent use.
type TriggerTracker struct {
	mu    sync.Mutex
	state map[string]triggerState
}

type triggerState struct {
	pods    map[string]time.Time
	service time.Time
}

// NewTriggerTracker returns an empty tracker.
func NewTriggerTracker() *TriggerTracker {
	return &TriggerTracker{state: map[string]triggerState{}}
}

// Compute returns the trigger time for svc given its current pods, and
// remembers what it saw.
func (t *TriggerTracker) Compute(key string, svc *corev1.Service, pods []*corev1.Pod) time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	old, seen := t.state[key]
	next := triggerState{pods: make(map[string]time.Time, len(pods)), service: svc.CreationTimestamp.Time}
	var earliest time.Time
	note := func(at time.Time) {
		if !at.IsZero() && (earliest.IsZero() || at.Before(earliest)) {
			earliest = at
		}
	}
	for _, p := range pods {
		var at time.Time
		if c := podcondition.Get(p, corev1.PodReady); c != nil {
			at = c.LastTransitionTime.Time
		}
		next.pods[p.Name] = at
		if prev, ok := old.pods[p.Name]; !seen || !ok || !prev.Equal(at) {
			note(at)
		}
	}
	if !seen || next.service.After(old.service) {
		note(next.service)
	}
	t.state[key] = next
	return earliest
}

// Forget drops what was remembered for key (its Service is gone).
func (t *TriggerTracker) Forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.state, key)
}

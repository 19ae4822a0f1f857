package nodelifecycle

import (
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// zoneState is a zone's health as a whole.
type zoneState string

const (
	stateInitial           zoneState = "Initial"
	stateNormal            zoneState = "Normal"
	stateFullDisruption    zoneState = "FullDisruption"
	statePartialDisruption zoneState = "PartialDisruption"
)

// excludeDisruptionLabel keeps a node out of zone health.
const excludeDisruptionLabel = "node.kubernetes.io/exclude-disruption"

// zoneKey names node's zone by region and zone labels (the stable ones,
// else the deprecated failure-domain ones), as upstream.
func zoneKey(node *corev1.Node) string {
	region, ok := node.Labels[corev1.LabelTopologyRegion]
	if !ok {
		region = node.Labels[corev1.LabelFailureDomainBetaRegion]
	}
	zone, ok := node.Labels[corev1.LabelTopologyZone]
	if !ok {
		zone = node.Labels[corev1.LabelFailureDomainBetaZone]
	}
	if region == "" && zone == "" {
		return ""
	}
	return region + ":\x00:" + zone
}

// computeZoneState classifies a zone by its nodes' Ready conditions (nil
// for a node that never reported): fully disrupted when none is ready,
// partially when more than two and at least threshold of them are not.
// It returns the number of unhealthy nodes too.
func computeZoneState(ready []*corev1.NodeCondition, threshold float64) (int, zoneState) {
	readyN, notReady := 0, 0
	for _, c := range ready {
		if c != nil && c.Status == corev1.ConditionTrue {
			readyN++
		} else {
			notReady++
		}
	}
	switch {
	case readyN == 0 && notReady > 0:
		return notReady, stateFullDisruption
	case notReady > 2 && float64(notReady)/float64(notReady+readyN) >= threshold:
		return notReady, statePartialDisruption
	default:
		return notReady, stateNormal
	}
}

// limiter is a token bucket holding one token (upstream's eviction burst),
// refilled at qps, on an injected time.
type limiter struct {
	qps    float64
	tokens float64
	last   time.Time
}

func newLimiter(qps float64, now time.Time) *limiter {
	return &limiter{qps: qps, tokens: 1, last: now}
}

// tryAccept takes a token if one is available at now.
func (l *limiter) tryAccept(now time.Time) bool {
	if l.qps <= 0 {
		return false
	}
	if d := now.Sub(l.last); d > 0 {
		l.tokens = min(1, l.tokens+d.Seconds()*l.qps)
		l.last = now
	}
	if l.tokens >= 1 {
		l.tokens--
		return true
	}
	return false
}

// timedValue is a node waiting in a tainting queue.
type timedValue struct {
	name, uid string
	added     time.Time
	processAt time.Time
}

// timedQueue is a zone's queue of nodes to taint, drained at its limiter's
// rate (upstream's RateLimitedTimedQueue). It is safe for concurrent use.
type timedQueue struct {
	mu      sync.Mutex
	items   []timedValue // by processAt, then arrival
	limiter *limiter
}

func newTimedQueue(qps float64, now time.Time) *timedQueue {
	return &timedQueue{limiter: newLimiter(qps, now)}
}

// add queues name unless it is already queued; it reports whether it
// queued it.
func (q *timedQueue) add(name, uid string, now time.Time) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if slices.ContainsFunc(q.items, func(v timedValue) bool { return v.name == name }) {
		return false
	}
	q.insert(timedValue{name: name, uid: uid, added: now, processAt: now})
	return true
}

func (q *timedQueue) insert(v timedValue) {
	i := slices.IndexFunc(q.items, func(x timedValue) bool { return x.processAt.After(v.processAt) })
	if i < 0 {
		i = len(q.items)
	}
	q.items = slices.Insert(q.items, i, v)
}

// remove drops name; it reports whether it was queued.
func (q *timedQueue) remove(name string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := len(q.items)
	q.items = slices.DeleteFunc(q.items, func(v timedValue) bool { return v.name == name })
	return len(q.items) != n
}

// setQPS replaces the limiter when the rate changes; 0 stops the queue.
func (q *timedQueue) setQPS(qps float64, now time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.limiter.qps != qps {
		q.limiter = newLimiter(qps, now)
	}
}

func (q *timedQueue) qps() float64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.limiter.qps
}

// try hands due nodes to fn, one per limiter token. fn returns true when
// done with the node, or false and how long to wait before retrying it.
func (q *timedQueue) try(now time.Time, fn func(timedValue) (bool, time.Duration)) {
	for {
		q.mu.Lock()
		if len(q.items) == 0 || q.items[0].processAt.After(now) || !q.limiter.tryAccept(now) {
			q.mu.Unlock()
			return
		}
		v := q.items[0]
		q.items = q.items[1:]
		q.mu.Unlock()
		if ok, wait := fn(v); !ok {
			v.processAt = now.Add(wait + 1)
			q.mu.Lock()
			if !slices.ContainsFunc(q.items, func(x timedValue) bool { return x.name == v.name }) {
				q.insert(v)
			}
			q.mu.Unlock()
		}
	}
}

// disruption is what a monitor pass decides for the cluster's zones.
type disruption int

const (
	// zonesChanged: some zone is up; zones whose state changed get the
	// rate their new state calls for.
	zonesChanged disruption = iota
	// enterFullDisruption: every zone is down; assume the control plane
	// is cut off rather than the nodes, untaint everything and stop.
	enterFullDisruption
	// exitFullDisruption: some zone came back after all were down; start
	// every node's grace anew and reset every zone's rate.
	exitFullDisruption
	// unchanged: all zones were and are down.
	unchanged
)

// nextZoneStates computes the new zone states from the nodes' Ready
// conditions per zone, and what the change means, given the zones' previous
// states (zones no longer holding nodes are dropped from prev).
func nextZoneStates(prev map[string]zoneState, ready map[string][]*corev1.NodeCondition, threshold float64) (map[string]zoneState, disruption) {
	next := map[string]zoneState{}
	allFull := true
	for zone, conds := range ready {
		_, st := computeZoneState(conds, threshold)
		if st != stateFullDisruption {
			allFull = false
		}
		next[zone] = st
		if _, ok := prev[zone]; !ok {
			prev[zone] = stateInitial
		}
	}
	allWereFull := true
	for zone, st := range prev {
		if _, ok := ready[zone]; !ok {
			delete(prev, zone)
			continue
		}
		if st != stateFullDisruption {
			allWereFull = false
		}
	}
	switch {
	case allFull && allWereFull:
		return next, unchanged
	case allFull:
		return next, enterFullDisruption
	case allWereFull:
		return next, exitFullDisruption
	default:
		return next, zonesChanged
	}
}

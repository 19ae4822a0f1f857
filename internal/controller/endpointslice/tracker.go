package endpointslice

import (
	"strconv"
	"sync"

	discoveryv1 "k8s.io/api/discovery/v1"
)

// deleted marks a slice the controller deleted and expects to see gone.
const deleted = -1

// StaleTracker remembers, per owner key (a Service's or an Endpoints'
// namespace/name), the resource versions of the slices a controller last
// wrote, so a sync does not act on an informer cache that has not yet seen
// those writes (it would create duplicates). It plays the part of
// upstream's EndpointSliceTracker. Safe for concurrent use.
type StaleTracker struct {
	mu    sync.Mutex
	bySvc map[string]map[string]int64
}

// NewStaleTracker returns an empty tracker.
func NewStaleTracker() *StaleTracker {
	return &StaleTracker{bySvc: map[string]map[string]int64{}}
}

func rvOf(s *discoveryv1.EndpointSlice) int64 {
	n, err := strconv.ParseInt(s.ResourceVersion, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// Wrote records a slice returned by a create or update.
func (t *StaleTracker) Wrote(key string, s *discoveryv1.EndpointSlice) {
	t.set(key, s.Name, rvOf(s))
}

// Removed records a slice the controller deleted.
func (t *StaleTracker) Removed(key, name string) { t.set(key, name, deleted) }

func (t *StaleTracker) set(key, name string, v int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.bySvc[key]
	if m == nil {
		m = map[string]int64{}
		t.bySvc[key] = m
	}
	m[name] = v
}

// ObservedDeletion forgets a slice the informer saw deleted.
func (t *StaleTracker) ObservedDeletion(key, name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.bySvc[key], name)
}

// Forget drops everything about key.
func (t *StaleTracker) Forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.bySvc, key)
}

// Stale reports whether cached, the slices the informer holds for key,
// lag behind the controller's own writes. Entries the cache has caught up
// with are dropped.
func (t *StaleTracker) Stale(key string, cached []*discoveryv1.EndpointSlice) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.bySvc[key]
	if len(m) == 0 {
		return false
	}
	byName := make(map[string]*discoveryv1.EndpointSlice, len(cached))
	for _, s := range cached {
		byName[s.Name] = s
	}
	stale := false
	for name, want := range m {
		s, ok := byName[name]
		switch {
		case want == deleted && ok, want != deleted && !ok, want != deleted && rvOf(s) < want:
			stale = true
		default:
			delete(m, name)
		}
	}
	return stale
}

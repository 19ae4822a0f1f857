package endpoints

import (
	"strconv"
	"sync"

	corev1 "k8s.io/api/core/v1"
)

// written remembers the resource version of each Endpoints object the
// controller last wrote, so a sync does not act on an informer cache that
// has not yet seen that write (its update would only conflict). It plays
// the part of upstream's staleEndpointsTracker. Safe for concurrent use.
type written struct {
	mu sync.Mutex
	rv map[string]int64
}

func newWritten() *written { return &written{rv: map[string]int64{}} }

func rvOf(ep *corev1.Endpoints) int64 {
	n, _ := strconv.ParseInt(ep.ResourceVersion, 10, 64)
	return n
}

// record notes the stored object a create or update returned.
func (w *written) record(key string, ep *corev1.Endpoints) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.rv[key] = rvOf(ep)
}

// forget drops key (its Endpoints were deleted).
func (w *written) forget(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.rv, key)
}

// stale reports whether cached (nil when the cache has none) is older
// than the controller's last write of key; once it is not, the write is
// forgotten.
func (w *written) stale(key string, cached *corev1.Endpoints) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	want, ok := w.rv[key]
	if !ok {
		return false
	}
	if cached == nil || rvOf(cached) < want {
		return true
	}
	delete(w.rv, key)
	return false
}

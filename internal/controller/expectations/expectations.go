package expectations

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/utils/clock"
)

// TTL is how long unmet expectations are trusted; after it the controller
// acts again (a watch event may have been lost for good).
const TTL = 5 * time.Minute

// Expectations tracks, per controller key, the creations still to be
// observed and the UIDs of deletions still to be observed. Safe for
// concurrent use.
type Expectations struct {
	clock clock.PassiveClock
	mu    sync.Mutex
	byKey map[string]*entry
}

type entry struct {
	adds      int
	deletions sets.Set[string]
	since     time.Time
}

// New returns empty expectations; clk may be nil for the real clock.
func New(clk clock.PassiveClock) *Expectations {
	if clk == nil {
		clk = clock.RealClock{}
	}
	return &Expectations{clock: clk, byKey: map[string]*entry{}}
}

// Satisfied reports whether the controller may act on key: nothing is
// pending, or what is pending has waited longer than TTL.
func (e *Expectations) Satisfied(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	en, ok := e.byKey[key]
	if !ok {
		return true
	}
	if en.adds <= 0 && en.deletions.Len() == 0 {
		return true
	}
	return e.clock.Since(en.since) > TTL
}

// ExpectCreations records that n creations for key are about to be issued,
// replacing what was pending.
func (e *Expectations) ExpectCreations(key string, n int) {
	e.set(key, n, nil)
}

// ExpectDeletions records the UIDs about to be deleted for key, replacing
// what was pending.
func (e *Expectations) ExpectDeletions(key string, uids []string) {
	e.set(key, 0, uids)
}

func (e *Expectations) set(key string, adds int, uids []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.byKey[key] = &entry{adds: adds, deletions: sets.New(uids...), since: e.clock.Now()}
}

// CreationObserved lowers key's pending creations by one: called when the
// informer sees a new object, or when a create request failed (so nothing
// will ever be seen).
func (e *Expectations) CreationObserved(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if en, ok := e.byKey[key]; ok && en.adds > 0 {
		en.adds--
	}
}

// DeletionObserved clears a pending deletion of uid for key.
func (e *Expectations) DeletionObserved(key, uid string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if en, ok := e.byKey[key]; ok {
		en.deletions.Delete(uid)
	}
}

// Delete forgets key (its owner is gone).
func (e *Expectations) Delete(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.byKey, key)
}

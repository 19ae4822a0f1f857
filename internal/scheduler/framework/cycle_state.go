package framework

import (
	"errors"
	"sync"

	"k8s.io/apimachinery/pkg/util/sets"
)

// ErrNotFound is returned by CycleState.Read for a key nobody wrote.
var ErrNotFound = errors.New("not found")

// StateKey names a value in a CycleState. Plugins use their own name (or a
// prefix of it) so that keys do not collide.
type StateKey string

// StateData is a value stored in a CycleState. Clone must return a copy
// that is safe to change without affecting the original; immutable values
// may return themselves.
type StateData interface {
	Clone() StateData
}

// CycleState is the per-cycle store plugins use to hand data from one
// extension point to the next (for example PreFilter to Filter). A new one
// is made for every scheduling attempt. Read and Write are safe for
// concurrent use, since Filter and Score run on many nodes in parallel.
type CycleState struct {
	mu      sync.RWMutex
	storage map[StateKey]StateData

	// SkipFilterPlugins holds the plugins whose PreFilter returned Skip;
	// the runtime does not call their Filter. Written by the runtime only.
	SkipFilterPlugins sets.Set[string]
	// SkipScorePlugins holds the plugins whose PreScore returned Skip.
	SkipScorePlugins sets.Set[string]
}

// NewCycleState returns an empty CycleState.
func NewCycleState() *CycleState {
	return &CycleState{storage: map[StateKey]StateData{}}
}

// Read returns the value stored under key, or ErrNotFound.
func (c *CycleState) Read(key StateKey) (StateData, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if v, ok := c.storage[key]; ok {
		return v, nil
	}
	return nil, ErrNotFound
}

// Write stores val under key, replacing any earlier value.
func (c *CycleState) Write(key StateKey, val StateData) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.storage[key] = val
}

// Delete removes key.
func (c *CycleState) Delete(key StateKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.storage, key)
}

// Clone returns a deep copy: every value is cloned with its own Clone.
// Preemption uses it to try "what if" changes without touching the
// original. A nil CycleState clones to nil.
func (c *CycleState) Clone() *CycleState {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := NewCycleState()
	for k, v := range c.storage {
		out.storage[k] = v.Clone()
	}
	out.SkipFilterPlugins = c.SkipFilterPlugins.Clone()
	out.SkipScorePlugins = c.SkipScorePlugins.Clone()
	return out
}

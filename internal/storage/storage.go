package storage

import (
	"context"
	"errors"
)

// Sentinel errors. Implementations wrap them with %w; callers use errors.Is.
var (
	// ErrNotFound: the key does not exist.
	ErrNotFound = errors.New("storage: key not found")
	// ErrExists: Create found the key already present.
	ErrExists = errors.New("storage: key already exists")
	// ErrConflict: the key's ModRevision differs from the expected one.
	ErrConflict = errors.New("storage: revision conflict")
	// ErrCompacted: the requested revision has been compacted away.
	ErrCompacted = errors.New("storage: revision compacted")
	// ErrFutureRevision: the requested revision is newer than the store's.
	ErrFutureRevision = errors.New("storage: revision in the future")
)

// KeyValue is one stored value and its revisions.
type KeyValue struct {
	Key            string
	Value          []byte
	CreateRevision int64
	ModRevision    int64
}

// ListOptions narrows a List.
type ListOptions struct {
	// Revision reads the state at that revision; 0 means the newest.
	Revision int64
	// Limit caps the number of returned values; 0 means no limit.
	Limit int64
	// StartKey, when set, lists keys >= StartKey (still under the prefix).
	// Used to continue a paginated list.
	StartKey string
}

// ListResult is the outcome of a List.
type ListResult struct {
	KVs []*KeyValue
	// Revision is the store revision the list was read at.
	Revision int64
	// More reports whether keys beyond the returned ones exist under the prefix.
	More bool
	// Remaining counts keys under the prefix after the last returned one
	// (only meaningful when More is true).
	Remaining int64
}

// EventType says what happened to a key.
type EventType int

const (
	EventPut EventType = iota
	EventDelete
	// EventProgress carries no key: it tells the watcher that every change up
	// to Revision has been delivered (etcd progress notification).
	EventProgress
)

// Event is one change seen by Watch. For EventPut, KV is the new value and
// PrevKV the previous one (nil on creation). For EventDelete, KV carries the
// key and the deletion revision as ModRevision, PrevKV the last value.
// A non-nil Err ends the stream (ErrCompacted when the start revision is gone).
type Event struct {
	Type EventType
	// Revision is the revision of the change (KV.ModRevision, or the deletion
	// revision), or for EventProgress the revision reached.
	Revision int64
	KV       *KeyValue
	PrevKV   *KeyValue
	Err      error
}

// Store is implemented by the etcd backend and exercised by storagetest.
// All methods are safe for concurrent use.
type Store interface {
	// Get returns the current value of key, or ErrNotFound.
	Get(ctx context.Context, key string) (*KeyValue, error)
	// List returns the values under prefix in key order.
	List(ctx context.Context, prefix string, opts ListOptions) (*ListResult, error)
	// Count returns the number of keys under prefix.
	Count(ctx context.Context, prefix string) (int64, error)
	// Create stores value under key if key does not exist (else ErrExists)
	// and returns the new revision.
	Create(ctx context.Context, key string, value []byte) (int64, error)
	// OptimisticPut replaces key's value if its ModRevision equals
	// expectedRevision. On mismatch it returns ErrConflict together with the
	// current value (nil if the key is gone).
	OptimisticPut(ctx context.Context, key string, value []byte, expectedRevision int64) (int64, *KeyValue, error)
	// OptimisticDelete deletes key if its ModRevision equals expectedRevision.
	// On mismatch it returns ErrConflict with the current value (nil, and
	// ErrNotFound, if the key is gone).
	OptimisticDelete(ctx context.Context, key string, expectedRevision int64) (int64, *KeyValue, error)
	// Watch streams changes under prefix with revision > fromRevision
	// (fromRevision 0: from now on). The channel is closed when ctx is done
	// or after an event with Err set.
	Watch(ctx context.Context, prefix string, fromRevision int64) <-chan Event
	// RequestProgress asks every open watch of this store to emit an
	// EventProgress with the store's current revision soon. It is
	// best-effort: etcd answers only when every watch on the stream has
	// caught up, and not for a watch whose start revision is still ahead of
	// the store (a watch opened at the newest revision gets progress once
	// anything is written, under any key). Callers retry until they see the
	// revision they wait for.
	RequestProgress(ctx context.Context) error
	// CurrentRevision returns the store's newest revision.
	CurrentRevision(ctx context.Context) (int64, error)
	// Compact discards history before revision.
	Compact(ctx context.Context, revision int64) error
}

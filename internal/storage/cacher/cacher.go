package cacher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/btree"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/clock"

	"github.com/berth-dev/berth/internal/storage"
)

// Defaults applied by New.
const (
	DefaultHistorySize      = 10000
	DefaultBookmarkInterval = time.Minute
	DefaultWaitTimeout      = 3 * time.Second
	DefaultSlowWatcherGrace = 5 * time.Second
	listPageSize            = 5000
)

var (
	// ErrTooLargeResourceVersion: the requested resourceVersion was not
	// reached by the cache in time (HTTP 504 "Too large resource version").
	ErrTooLargeResourceVersion = errors.New("cacher: too large resource version")
	// ErrNotServable: the request cannot be served from the cache (exact
	// resourceVersion match, or a consistent read the cache could not catch
	// up to); the caller reads from storage instead.
	ErrNotServable = errors.New("cacher: request not servable from cache")
	// ErrInvalidResourceVersion: the resourceVersion is not a number.
	ErrInvalidResourceVersion = errors.New("cacher: invalid resource version")
)

// TooOldError: a watch asked to resume from a revision older than the
// history the cache keeps. It matches storage.ErrCompacted.
type TooOldError struct{ Requested, Oldest int64 }

func (e *TooOldError) Error() string {
	return fmt.Sprintf("too old resource version: %d (%d)", e.Requested, e.Oldest)
}

// Is makes errors.Is(err, storage.ErrCompacted) hold.
func (e *TooOldError) Is(target error) bool { return target == storage.ErrCompacted }

var (
	_ error = (*TooOldError)(nil)
	// ErrNotReady: the cache has not finished its initial list in time.
	ErrNotReady = errors.New("cacher: not ready")
)

// Config configures a Cacher.
type Config struct {
	// Store is read once at start (List) and then watched. Required.
	Store storage.Store
	// Prefix is the resource's key prefix, e.g. "/registry/pods/". Keys
	// under it are "<prefix><ns>/<name>" or "<prefix><name>". Required.
	Prefix string
	// Decode turns a stored value into an object whose
	// metadata.resourceVersion is kv.ModRevision. Required. It is called
	// from one goroutine at a time.
	Decode func(kv *storage.KeyValue) (runtime.Object, error)
	// NewFunc returns an empty object of the resource's kind; bookmarks carry
	// one. Required.
	NewFunc func() runtime.Object
	// HistorySize is how many events are kept to resume watches; default
	// DefaultHistorySize.
	HistorySize int
	// BookmarkInterval is how often watchers that allow bookmarks get one;
	// default DefaultBookmarkInterval.
	BookmarkInterval time.Duration
	// WaitTimeout bounds the wait for a requested resourceVersion; default
	// DefaultWaitTimeout.
	WaitTimeout time.Duration
	// SlowWatcherGrace is how long a watcher's buffer may stay full before
	// the watcher is closed; default DefaultSlowWatcherGrace.
	SlowWatcherGrace time.Duration
	// Clock defaults to the real clock.
	Clock clock.Clock
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Cacher serves one resource from memory. Create it with New, run it with
// Start; all other methods are safe for concurrent use.
type Cacher struct {
	cfg Config
	log *slog.Logger

	mu sync.RWMutex
	// objects holds the current state, ordered by key.
	objects *btree.BTreeG[entry]
	// rev is the revision the cache reflects: every change up to it is in
	// objects and history.
	rev int64
	// revCh is closed (and replaced) whenever rev advances or readiness changes.
	revCh   chan struct{}
	ready   bool
	history history
	// watchers receive every change; guarded by mu.
	watchers  map[int64]*cacheWatcher
	watcherID int64
}

type entry struct {
	key string
	obj runtime.Object
}

func lessEntry(a, b entry) bool { return a.key < b.key }

// change is one event in the cache's history and fan-out.
type change struct {
	key  string
	typ  watch.EventType
	obj  runtime.Object // new state; for Deleted, the last state at the deletion revision
	prev runtime.Object // state before the change (Modified, Deleted)
	rev  int64
	// initialEnd marks the bookmark closing a watch's initial events.
	initialEnd bool
}

// New validates cfg, applies defaults and returns a Cacher that is not yet
// running.
func New(cfg Config) (*Cacher, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("new cacher: Store is required")
	case cfg.Prefix == "":
		return nil, errors.New("new cacher: Prefix is required")
	case cfg.Decode == nil:
		return nil, errors.New("new cacher: Decode is required")
	case cfg.NewFunc == nil:
		return nil, errors.New("new cacher: NewFunc is required")
	}
	if cfg.HistorySize <= 0 {
		cfg.HistorySize = DefaultHistorySize
	}
	if cfg.BookmarkInterval <= 0 {
		cfg.BookmarkInterval = DefaultBookmarkInterval
	}
	if cfg.WaitTimeout <= 0 {
		cfg.WaitTimeout = DefaultWaitTimeout
	}
	if cfg.SlowWatcherGrace <= 0 {
		cfg.SlowWatcherGrace = DefaultSlowWatcherGrace
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Cacher{
		cfg:      cfg,
		log:      cfg.Logger.With("component", "cacher", "prefix", cfg.Prefix),
		objects:  btree.NewG(32, lessEntry),
		revCh:    make(chan struct{}),
		history:  newHistory(cfg.HistorySize),
		watchers: map[int64]*cacheWatcher{},
	}, nil
}

// Revision returns the revision the cache has caught up to.
func (c *Cacher) Revision() int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.rev
}

// Start lists the prefix from the store, then follows its watch. When the
// watch breaks it resumes from the cache's revision; when the store has
// compacted that revision away it lists again, and watchers that cannot be
// continued get a 410 Expired error event and are closed. Start returns nil
// when ctx is done, after closing every watcher.
func (c *Cacher) Start(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	defer c.shutdown()
	wg.Go(func() { c.bookmarkLoop(ctx) })
	backoff := newBackoff()
	for {
		err := c.listAndWatch(ctx, backoff)
		if ctx.Err() != nil {
			return nil
		}
		c.log.Warn("cache lost its watch; listing again", "err", err)
		if !c.sleep(ctx, backoff.next()) {
			return nil
		}
	}
}

// WaitReady blocks until the initial list has been loaded or ctx is done.
func (c *Cacher) WaitReady(ctx context.Context) error {
	for {
		c.mu.RLock()
		ready, ch := c.ready, c.revCh
		c.mu.RUnlock()
		if ready {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wait for cache %q: %w", c.cfg.Prefix, ctx.Err())
		}
	}
}

// listAndWatch loads the prefix and follows changes until the watch can no
// longer be resumed (compaction) or ctx is done.
func (c *Cacher) listAndWatch(ctx context.Context, backoff *backoff) error {
	objects, rev, err := c.list(ctx)
	if err != nil {
		return err
	}
	c.replace(objects, rev)
	backoff.reset()
	for {
		rev := c.Revision()
		for ev := range c.cfg.Store.Watch(ctx, c.cfg.Prefix, rev) {
			if ev.Err != nil {
				err = ev.Err
				break
			}
			c.apply(ev)
			backoff.reset()
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, storage.ErrCompacted) {
			return err
		}
		c.log.Warn("cache watch failed; resuming", "revision", c.Revision(), "err", err)
		if !c.sleep(ctx, backoff.next()) {
			return ctx.Err()
		}
	}
}

// list reads every object under the prefix at one revision, page by page.
func (c *Cacher) list(ctx context.Context) (*btree.BTreeG[entry], int64, error) {
	objects := btree.NewG(32, lessEntry)
	opts := storage.ListOptions{Limit: listPageSize}
	for {
		res, err := c.cfg.Store.List(ctx, c.cfg.Prefix, opts)
		if err != nil {
			return nil, 0, fmt.Errorf("list %q: %w", c.cfg.Prefix, err)
		}
		for _, kv := range res.KVs {
			obj, err := c.cfg.Decode(kv)
			if err != nil {
				c.log.Error("cannot decode object; leaving it out of the cache", "key", kv.Key, "err", err)
				continue
			}
			objects.ReplaceOrInsert(entry{key: kv.Key, obj: obj})
		}
		opts.Revision = res.Revision
		if !res.More || len(res.KVs) == 0 {
			return objects, res.Revision, nil
		}
		opts.StartKey = res.KVs[len(res.KVs)-1].Key + "\x00"
	}
}

// replace installs a fresh list. Watchers from a previous list cannot be
// continued (the events in between are lost), so they get 410 and close.
func (c *Cacher) replace(objects *btree.BTreeG[entry], rev int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rev != 0 {
		expired := apierrors.NewResourceExpired(fmt.Sprintf(
			"the watch cache of %q was re-listed at revision %d; watch again", c.cfg.Prefix, rev)).ErrStatus
		for id, w := range c.watchers {
			w.closeWith(&change{typ: watch.Error, obj: &expired, rev: rev})
			delete(c.watchers, id)
		}
	}
	c.objects = objects
	c.rev = rev
	c.history.reset(rev)
	c.ready = true
	c.notifyLocked()
}

// apply records one store event and fans it out.
func (c *Cacher) apply(ev storage.Event) {
	var obj runtime.Object
	if ev.Type == storage.EventPut {
		var err error
		if obj, err = c.cfg.Decode(ev.KV); err != nil {
			c.log.Error("cannot decode object; leaving it out of the cache", "key", ev.KV.Key, "err", err)
		}
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if ev.Revision > c.rev {
		c.rev = ev.Revision
		defer c.notifyLocked()
	}
	var ch *change
	switch ev.Type {
	case storage.EventProgress:
		return
	case storage.EventPut:
		key := ev.KV.Key
		old, existed := c.objects.Get(entry{key: key})
		if obj == nil {
			// Undecodable: drop the stale state so the cache is not wrong.
			if existed {
				c.objects.Delete(old)
				ch = c.deletion(old, ev.Revision)
			}
			break
		}
		c.objects.ReplaceOrInsert(entry{key: key, obj: obj})
		ch = &change{key: key, typ: watch.Added, obj: obj, rev: ev.Revision}
		if existed {
			ch.typ, ch.prev = watch.Modified, old.obj
		}
	case storage.EventDelete:
		old, existed := c.objects.Delete(entry{key: ev.KV.Key})
		if existed {
			ch = c.deletion(old, ev.Revision)
		}
	}
	if ch == nil {
		return
	}
	c.history.add(ch)
	now := c.cfg.Clock.Now()
	for id, w := range c.watchers {
		if !strings.HasPrefix(ch.key, w.keyPrefix) {
			continue
		}
		if !w.enqueue(ch, now, c.cfg.SlowWatcherGrace, c.cfg.HistorySize) {
			c.log.Warn("closing a watcher that fell behind", "watcher", id, "revision", ch.rev)
			w.terminate()
			delete(c.watchers, id)
		}
	}
}

// deletion builds a Deleted change carrying the last state stamped with the
// deletion revision.
func (c *Cacher) deletion(old entry, rev int64) *change {
	obj := old.obj.DeepCopyObject()
	setResourceVersion(obj, rev)
	return &change{key: old.key, typ: watch.Deleted, obj: obj, prev: old.obj, rev: rev}
}

// notifyLocked wakes everyone waiting for a revision. c.mu must be held.
func (c *Cacher) notifyLocked() {
	close(c.revCh)
	c.revCh = make(chan struct{})
}

// shutdown closes every watcher and marks the cache not ready.
func (c *Cacher) shutdown() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, w := range c.watchers {
		w.terminate()
		delete(c.watchers, id)
	}
	c.ready = false
	c.notifyLocked()
}

// bookmarkLoop sends bookmarks to the watchers that allow them and asks the
// store for progress so an idle resource's revision keeps moving.
func (c *Cacher) bookmarkLoop(ctx context.Context) {
	timer := c.cfg.Clock.NewTimer(c.cfg.BookmarkInterval)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C():
		}
		c.requestProgress(ctx)
		c.mu.Lock()
		if c.ready {
			bookmark := &change{typ: watch.Bookmark, rev: c.rev}
			for id, w := range c.watchers {
				if w.allowBookmarks && !w.enqueue(bookmark, c.cfg.Clock.Now(), c.cfg.SlowWatcherGrace, c.cfg.HistorySize) {
					w.terminate()
					delete(c.watchers, id)
				}
			}
		}
		c.mu.Unlock()
		timer.Reset(c.cfg.BookmarkInterval)
	}
}

func (c *Cacher) sleep(ctx context.Context, d time.Duration) bool {
	t := c.cfg.Clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return true
	case <-ctx.Done():
		return false
	}
}

func setResourceVersion(obj runtime.Object, rev int64) {
	if m, err := meta.Accessor(obj); err == nil {
		m.SetResourceVersion(strconv.FormatInt(rev, 10))
	}
}

// backoff doubles from 100ms up to 5s between failed attempts.
type backoff struct{ d time.Duration }

func newBackoff() *backoff { return &backoff{} }

func (b *backoff) reset() { b.d = 0 }

func (b *backoff) next() time.Duration {
	switch {
	case b.d == 0:
		b.d = 100 * time.Millisecond
	case b.d < 5*time.Second:
		b.d *= 2
	}
	return b.d
}

package cacher

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/clock"
)

const (
	// resultBuffer is the capacity of a watcher's result channel.
	resultBuffer = 100
	// initialEventsAnnotation marks the bookmark that ends a watch's initial
	// events (the "k8s.io/initial-events-end" annotation of the API).
	initialEventsAnnotation = "k8s.io/initial-events-end"
)

// WatchOptions narrows a Watch.
type WatchOptions struct {
	// KeyPrefix is a full key prefix; "" means Config.Prefix.
	KeyPrefix string
	// ResourceVersion: "" or "0" start with the current state as Added
	// events ("" at a consistent revision); "N" resumes after revision N.
	ResourceVersion string
	Predicate       Predicate
	// SendInitialEvents: nil keeps the legacy behaviour above; true sends
	// the state as Added events (at a revision >= ResourceVersion) and, with
	// AllowBookmarks, a bookmark annotated k8s.io/initial-events-end; false
	// sends only changes after ResourceVersion.
	SendInitialEvents *bool
	AllowBookmarks    bool
}

// Event is one watch event. Object is shared and read-only; for Deleted it
// is the last state with resourceVersion set to the deletion revision, for
// Bookmark an empty object carrying only the resourceVersion, for Error a
// *metav1.Status.
type Event struct {
	Type     watch.EventType
	Object   runtime.Object
	Revision int64
}

// Watcher is an open watch. Its channel is closed after Stop, when the watch
// context ends, when the cache stops, after an Error event, or when the
// watcher fell too far behind (the client then watches again).
type Watcher interface {
	ResultChan() <-chan Event
	Stop()
}

// Watch opens a watch. A resourceVersion older than the retained history
// fails with an error wrapping storage.ErrCompacted ("too old resource
// version: N (M)", M the oldest resumable revision); one the cache does not
// reach within WaitTimeout fails with ErrTooLargeResourceVersion.
func (c *Cacher) Watch(ctx context.Context, opts WatchOptions) (Watcher, error) {
	prefix, err := c.keyPrefix(opts.KeyPrefix)
	if err != nil {
		return nil, err
	}
	var rev int64
	initial := opts.SendInitialEvents != nil && *opts.SendInitialEvents
	switch opts.ResourceVersion {
	case "":
		err = c.waitFresh(ctx)
		initial = opts.SendInitialEvents == nil || initial
	case "0":
		err = c.waitReady(ctx)
		initial = opts.SendInitialEvents == nil || initial
	default:
		if rev, err = parseResourceVersion(opts.ResourceVersion); err == nil {
			err = c.waitForRevision(ctx, rev)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("watch %q: %w", prefix, err)
	}
	resume := !initial && rev > 0

	w := &cacheWatcher{
		keyPrefix:      prefix,
		pred:           opts.Predicate,
		allowBookmarks: opts.AllowBookmarks,
		newFunc:        c.cfg.NewFunc,
		result:         make(chan Event, resultBuffer),
		signal:         make(chan struct{}, 1),
		done:           make(chan struct{}),
	}
	inPrefix := func(ch *change) bool { return strings.HasPrefix(ch.key, prefix) }

	c.mu.Lock()
	var first []*change
	switch {
	case resume:
		var ok bool
		if first, ok = c.history.after(rev, inPrefix); !ok {
			since := c.history.since
			c.mu.Unlock()
			return nil, &TooOldError{Requested: rev, Oldest: since}
		}
	case initial:
		c.objects.AscendGreaterOrEqual(entry{key: prefix}, func(e entry) bool {
			if !strings.HasPrefix(e.key, prefix) {
				return false
			}
			first = append(first, &change{key: e.key, typ: watch.Added, obj: e.obj, rev: c.rev})
			return true
		})
		if opts.SendInitialEvents != nil {
			first = append(first, &change{typ: watch.Bookmark, rev: c.rev, initialEnd: true})
		}
	}
	c.watcherID++
	w.id = c.watcherID
	w.unregister = func() {
		c.mu.Lock()
		if c.watchers[w.id] == w {
			delete(c.watchers, w.id)
		}
		c.mu.Unlock()
	}
	c.watchers[w.id] = w
	c.mu.Unlock()

	var bookmarkTimer clock.Timer
	if deadline, ok := ctx.Deadline(); ok && opts.AllowBookmarks {
		// As upstream: a bookmark shortly before the deadline lets the
		// client resume from a fresh resourceVersion.
		if d := deadline.Add(-deadlineBookmarkLead).Sub(c.cfg.Clock.Now()); d > 0 {
			bookmarkTimer = c.cfg.Clock.NewTimer(d)
		}
	}
	go w.run(ctx, first, bookmarkTimer, c.bookmarkNow)
	return w, nil
}

// deadlineBookmarkLead is how long before a watch's deadline it gets a
// bookmark (upstream's cacheWatcher.nextBookmarkTime uses 2s).
const deadlineBookmarkLead = 2 * time.Second

// bookmarkNow queues a bookmark at the cache's revision for w.
func (c *Cacher) bookmarkNow(w *cacheWatcher) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ready && c.watchers[w.id] == w {
		if !w.enqueue(&change{typ: watch.Bookmark, rev: c.rev}, c.cfg.Clock.Now(), c.cfg.SlowWatcherGrace, c.cfg.HistorySize) {
			w.terminate()
			delete(c.watchers, w.id)
		}
	}
}

// cacheWatcher is one client's watch. The cache appends changes to queue
// (never blocking); run converts and delivers them.
type cacheWatcher struct {
	id             int64
	keyPrefix      string
	pred           Predicate
	allowBookmarks bool
	newFunc        func() runtime.Object
	unregister     func()

	result chan Event
	signal chan struct{} // capacity 1: queue has grown
	done   chan struct{} // closed by terminate or Stop

	mu        sync.Mutex
	queue     []*change
	fullSince time.Time // when the queue last became full; zero if not full
	draining  bool      // deliver the queue, then close
	doneOnce  sync.Once
	lastRev   int64 // only touched by run
}

func (w *cacheWatcher) ResultChan() <-chan Event { return w.result }

// Stop ends the watch; the result channel is closed soon after.
func (w *cacheWatcher) Stop() {
	w.terminate()
	w.unregister()
}

func (w *cacheWatcher) terminate() { w.doneOnce.Do(func() { close(w.done) }) }

// enqueue adds ch for delivery. It reports false when the watcher has been
// unable to keep up: its queue full for longer than grace, or longer than
// limit (such a client could not resume from history anyway).
func (w *cacheWatcher) enqueue(ch *change, now time.Time, grace time.Duration, limit int) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch n := len(w.queue); {
	case n >= limit:
		return false
	case n >= resultBuffer:
		if w.fullSince.IsZero() {
			w.fullSince = now
		} else if now.Sub(w.fullSince) > grace {
			return false
		}
	default:
		w.fullSince = time.Time{}
	}
	w.queue = append(w.queue, ch)
	select {
	case w.signal <- struct{}{}:
	default:
	}
	return true
}

// closeWith delivers what is queued plus last, then closes the watcher.
func (w *cacheWatcher) closeWith(last *change) {
	w.mu.Lock()
	w.queue = append(w.queue, last)
	w.draining = true
	w.mu.Unlock()
	select {
	case w.signal <- struct{}{}:
	default:
	}
}

func (w *cacheWatcher) pop() (ch *change, draining bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.queue) == 0 {
		return nil, w.draining
	}
	ch = w.queue[0]
	w.queue[0] = nil
	w.queue = w.queue[1:]
	if len(w.queue) == 0 {
		w.queue = nil
	}
	return ch, false
}

// run delivers first, then the queue, until the watch ends. When
// bookmarkTimer fires, bookmark is asked to queue a bookmark for w.
func (w *cacheWatcher) run(ctx context.Context, first []*change, bookmarkTimer clock.Timer, bookmark func(*cacheWatcher)) {
	defer close(w.result)
	defer w.unregister()
	var bookmarkC <-chan time.Time
	if bookmarkTimer != nil {
		defer bookmarkTimer.Stop()
		bookmarkC = bookmarkTimer.C()
	}
	for _, ch := range first {
		if !w.deliver(ctx, ch) {
			return
		}
	}
	for {
		ch, draining := w.pop()
		if ch != nil {
			if !w.deliver(ctx, ch) {
				return
			}
			continue
		}
		if draining {
			return
		}
		select {
		case <-w.signal:
		case <-bookmarkC:
			bookmarkC = nil
			bookmark(w)
		case <-w.done:
			return
		case <-ctx.Done():
			return
		}
	}
}

// deliver converts ch for this watcher and sends it; false means stop.
func (w *cacheWatcher) deliver(ctx context.Context, ch *change) bool {
	ev, ok := w.convert(ch)
	if !ok {
		return true
	}
	select {
	case w.result <- ev:
		if ev.Revision > w.lastRev {
			w.lastRev = ev.Revision
		}
		return true
	case <-w.done:
		return false
	case <-ctx.Done():
		return false
	}
}

// convert applies the predicate: a Modified whose object stopped matching
// becomes Deleted, one that started matching becomes Added.
func (w *cacheWatcher) convert(ch *change) (Event, bool) {
	ev := Event{Type: ch.typ, Object: ch.obj, Revision: ch.rev}
	switch ch.typ {
	case watch.Added, watch.Deleted:
		return ev, w.pred.matches(ch.obj)
	case watch.Modified:
		now, before := w.pred.matches(ch.obj), w.pred.matches(ch.prev)
		switch {
		case now && !before:
			ev.Type = watch.Added
		case !now && before:
			ev.Type = watch.Deleted
		case !now && !before:
			return ev, false
		}
		return ev, true
	case watch.Bookmark:
		if !w.allowBookmarks || ch.rev < w.lastRev {
			return ev, false
		}
		ev.Object = w.bookmark(ch)
		return ev, true
	}
	return ev, true
}

func (w *cacheWatcher) bookmark(ch *change) runtime.Object {
	obj := w.newFunc()
	setResourceVersion(obj, ch.rev)
	if ch.initialEnd {
		if m, err := meta.Accessor(obj); err == nil {
			m.SetAnnotations(map[string]string{initialEventsAnnotation: "true"})
		}
	}
	return obj
}

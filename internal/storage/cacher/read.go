package cacher

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"

	"github.com/berth-dev/berth/internal/storage"
)

// progressRetry is how often a consistent read re-asks the store for watch
// progress while it waits (etcd may drop a request made mid-catch-up).
const progressRetry = 100 * time.Millisecond

// Predicate selects objects; nil matches everything.
type Predicate func(obj runtime.Object) bool

func (p Predicate) matches(obj runtime.Object) bool { return p == nil || p(obj) }

// ListOptions narrows a List.
type ListOptions struct {
	// KeyPrefix is a full key prefix under Config.Prefix (e.g. Prefix+"ns/");
	// "" means Config.Prefix.
	KeyPrefix string
	// ResourceVersion: "" asks for a consistent read, "0" for any cached
	// state, "N" for a state at least as new as N.
	ResourceVersion      string
	ResourceVersionMatch metav1.ResourceVersionMatch
	Predicate            Predicate
}

// ListResult is a List's outcome.
type ListResult struct {
	// Objects are sorted by key; they are shared and read-only.
	Objects []runtime.Object
	// Revision is the revision the list reflects.
	Revision int64
}

// List returns the matching objects. It fails with ErrNotServable for an
// exact resourceVersion match or when a consistent read cannot catch up, and
// with ErrTooLargeResourceVersion when the cache does not reach the
// requested resourceVersion within WaitTimeout.
func (c *Cacher) List(ctx context.Context, opts ListOptions) (*ListResult, error) {
	prefix, err := c.keyPrefix(opts.KeyPrefix)
	if err != nil {
		return nil, err
	}
	if err := c.waitForRead(ctx, opts.ResourceVersion, opts.ResourceVersionMatch); err != nil {
		return nil, fmt.Errorf("list %q: %w", prefix, err)
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := &ListResult{Revision: c.rev}
	if prefix == c.cfg.Prefix {
		out.Objects = make([]runtime.Object, 0, c.objects.Len())
	}
	c.objects.AscendGreaterOrEqual(entry{key: prefix}, func(e entry) bool {
		if !strings.HasPrefix(e.key, prefix) {
			return false
		}
		if opts.Predicate.matches(e.obj) {
			out.Objects = append(out.Objects, e.obj)
		}
		return true
	})
	return out, nil
}

// Get returns the object stored under key (a full key), with the same
// resourceVersion semantics as List; ErrNotFound (wrapped) if it is absent.
func (c *Cacher) Get(ctx context.Context, key string, resourceVersion string) (runtime.Object, error) {
	if !strings.HasPrefix(key, c.cfg.Prefix) {
		return nil, fmt.Errorf("get %q: key is outside the cache's prefix %q", key, c.cfg.Prefix)
	}
	if err := c.waitForRead(ctx, resourceVersion, ""); err != nil {
		return nil, fmt.Errorf("get %q: %w", key, err)
	}
	c.mu.RLock()
	e, ok := c.objects.Get(entry{key: key})
	c.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("get %q: %w", key, storage.ErrNotFound)
	}
	return e.obj, nil
}

func (c *Cacher) keyPrefix(p string) (string, error) {
	if p == "" {
		return c.cfg.Prefix, nil
	}
	if !strings.HasPrefix(p, c.cfg.Prefix) {
		return "", fmt.Errorf("key prefix %q is outside the cache's prefix %q", p, c.cfg.Prefix)
	}
	return p, nil
}

// waitForRead blocks until the cache may serve a read at resourceVersion.
func (c *Cacher) waitForRead(ctx context.Context, resourceVersion string, match metav1.ResourceVersionMatch) error {
	switch match {
	case "", metav1.ResourceVersionMatchNotOlderThan:
	case metav1.ResourceVersionMatchExact:
		return fmt.Errorf("resourceVersionMatch=%s: %w", match, ErrNotServable)
	default:
		return fmt.Errorf("unknown resourceVersionMatch %q: %w", match, ErrNotServable)
	}
	switch resourceVersion {
	case "":
		return c.waitFresh(ctx)
	case "0":
		return c.waitReady(ctx)
	}
	rev, err := parseResourceVersion(resourceVersion)
	if err != nil {
		return err
	}
	return c.waitForRevision(ctx, rev)
}

func parseResourceVersion(rv string) (int64, error) {
	rev, err := strconv.ParseInt(rv, 10, 64)
	if err != nil || rev < 0 {
		return 0, fmt.Errorf("resource version %q: %w", rv, ErrInvalidResourceVersion)
	}
	return rev, nil
}

// waitReady waits up to WaitTimeout for the initial list.
func (c *Cacher) waitReady(ctx context.Context) error {
	ok, err := c.waitUntil(ctx, c.cfg.WaitTimeout, false, func() bool { return true })
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotReady
	}
	return nil
}

// waitForRevision waits up to WaitTimeout for the cache to reach rev.
func (c *Cacher) waitForRevision(ctx context.Context, rev int64) error {
	ok, err := c.waitUntil(ctx, c.cfg.WaitTimeout, false, func() bool { return c.rev >= rev })
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("resource version %d, cache at %d: %w", rev, c.Revision(), ErrTooLargeResourceVersion)
	}
	return nil
}

// waitFresh makes a read consistent: it learns the store's revision and
// waits for the cache to reach it, asking for watch progress so an idle
// prefix advances too. If the cache cannot catch up in time the read is
// ErrNotServable and goes to the store.
func (c *Cacher) waitFresh(ctx context.Context) error {
	if err := c.waitReady(ctx); err != nil {
		return err
	}
	rev, err := c.cfg.Store.CurrentRevision(ctx)
	if err != nil {
		return fmt.Errorf("consistent read: %w", err)
	}
	ok, err := c.waitUntil(ctx, c.cfg.WaitTimeout, true, func() bool { return c.rev >= rev })
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("consistent read at revision %d, cache at %d: %w", rev, c.Revision(), ErrNotServable)
	}
	return nil
}

func (c *Cacher) requestProgress(ctx context.Context) {
	if err := c.cfg.Store.RequestProgress(ctx); err != nil && ctx.Err() == nil {
		c.log.Debug("request watch progress", "err", err)
	}
}

// waitUntil waits until the cache is ready and cond (evaluated under c.mu)
// holds, for at most timeout. With askProgress it asks the store for watch
// progress at once and every progressRetry while waiting. It reports false on timeout and an error only
// when ctx ends.
func (c *Cacher) waitUntil(ctx context.Context, timeout time.Duration, askProgress bool, cond func() bool) (bool, error) {
	check := func() (bool, <-chan struct{}) {
		c.mu.RLock()
		defer c.mu.RUnlock()
		return c.ready && cond(), c.revCh
	}
	ok, changed := check()
	if ok {
		return true, nil
	}
	deadline := c.cfg.Clock.NewTimer(timeout)
	defer deadline.Stop()
	var tick <-chan time.Time
	var retry clock.Timer
	if askProgress {
		c.requestProgress(ctx)
		retry = c.cfg.Clock.NewTimer(progressRetry)
		defer retry.Stop()
		tick = retry.C()
	}
	for {
		select {
		case <-changed:
		case <-tick:
			c.requestProgress(ctx)
			retry.Reset(progressRetry)
		case <-deadline.C():
			return false, nil
		case <-ctx.Done():
			return false, ctx.Err()
		}
		if ok, changed = check(); ok {
			return true, nil
		}
	}
}

package cacher_test

import (
	"context"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/watch"
	testingclock "k8s.io/utils/clock/testing"

	"github.com/berth-dev/berth/internal/storage/cacher"
)

// TestBookmarkBeforeDeadline: a watch with a deadline that allows bookmarks
// gets one shortly before the deadline, as upstream's cacher sends, so the
// client resumes from a fresh resourceVersion.
func TestBookmarkBeforeDeadline(t *testing.T) {
	clk := testingclock.NewFakeClock(time.Now())
	// Periodic bookmarks far away: only the deadline one can arrive.
	f := start(t, nil, "", func(c *cacher.Config) { c.Clock, c.BookmarkInterval = clk, 24*time.Hour })
	rev := f.create("a", nil, "1")
	ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
	defer cancel()
	w, err := f.c.Watch(ctx, cacher.WatchOptions{ResourceVersion: rv(rev), AllowBookmarks: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	plain, err := f.c.Watch(ctx, cacher.WatchOptions{ResourceVersion: rv(rev)})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Stop()

	clk.Step(time.Hour - time.Second)
	got := next(t, w)
	if got.Type != watch.Bookmark || got.Rev < rev || got.Name != "" {
		t.Errorf("got %+v, want a bookmark at revision >= %d", got, rev)
	}
	r2 := f.create("b", nil, "1")
	if got := next(t, plain); got.Type != watch.Added || got.Rev != r2 {
		t.Errorf("watcher without bookmarks got %+v first, want Added b", got)
	}
}

package storagetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/storage"
)

// waitTimeout bounds every wait for a watch event.
const waitTimeout = 10 * time.Second

// RunSuite runs the conformance tests against stores made by newStore, which
// is called once per subtest. Stores may share one backend: every subtest
// writes under its own key prefix. Compact affects the whole backend, so the
// subtests do not run in parallel.
func RunSuite(t *testing.T, newStore func(t *testing.T) storage.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s storage.Store, prefix string)
	}{
		{"CreateAndExists", testCreate},
		{"GetNotFound", testGetNotFound},
		{"OptimisticPut", testOptimisticPut},
		{"OptimisticDelete", testOptimisticDelete},
		{"ListPrefixIsolation", testListPrefixIsolation},
		{"ListPagination", testListPagination},
		{"ListOldRevision", testListOldRevision},
		{"ListCompactedAndFuture", testListCompacted},
		{"Count", testCount},
		{"CurrentRevision", testCurrentRevision},
		{"WatchFromRevision", testWatchFromRevision},
		{"WatchFromNow", testWatchFromNow},
		{"WatchCompacted", testWatchCompacted},
		{"WatchCancel", testWatchCancel},
		{"RequestProgress", testRequestProgress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			tt.fn(t, s, keyPrefix(t))
		})
	}
}

// keyPrefix turns the test name into a unique key prefix ending in "/".
func keyPrefix(t *testing.T) string {
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	return fmt.Sprintf("/storagetest/%s-%d/", name, time.Now().UnixNano())
}

func mustCreate(t *testing.T, s storage.Store, key, value string) int64 {
	t.Helper()
	rev, err := s.Create(t.Context(), key, []byte(value))
	if err != nil {
		t.Fatalf("Create(%q): %v", key, err)
	}
	return rev
}

func mustPut(t *testing.T, s storage.Store, key, value string, expected int64) int64 {
	t.Helper()
	rev, _, err := s.OptimisticPut(t.Context(), key, []byte(value), expected)
	if err != nil {
		t.Fatalf("OptimisticPut(%q, %d): %v", key, expected, err)
	}
	return rev
}

func wantErr(t *testing.T, op string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: error %v, want %v", op, err, want)
	}
}

func testCreate(t *testing.T, s storage.Store, p string) {
	key := p + "a"
	rev := mustCreate(t, s, key, "v1")
	if rev <= 0 {
		t.Fatalf("Create returned revision %d, want > 0", rev)
	}
	got, err := s.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	want := &storage.KeyValue{Key: key, Value: []byte("v1"), CreateRevision: rev, ModRevision: rev}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Get after Create (-want +got):\n%s", diff)
	}
	_, err = s.Create(t.Context(), key, []byte("v2"))
	wantErr(t, "second Create", err, storage.ErrExists)
	got, err = s.Get(t.Context(), key)
	if err != nil || string(got.Value) != "v1" {
		t.Errorf("Get after failed Create = %v, %v; want value v1", got, err)
	}
}

func testGetNotFound(t *testing.T, s storage.Store, p string) {
	_, err := s.Get(t.Context(), p+"missing")
	wantErr(t, "Get", err, storage.ErrNotFound)
}

func testOptimisticPut(t *testing.T, s storage.Store, p string) {
	key := p + "a"
	rev1 := mustCreate(t, s, key, "v1")
	rev2 := mustPut(t, s, key, "v2", rev1)
	if rev2 <= rev1 {
		t.Fatalf("OptimisticPut revision %d, want > %d", rev2, rev1)
	}

	_, cur, err := s.OptimisticPut(t.Context(), key, []byte("stale"), rev1)
	wantErr(t, "OptimisticPut with stale revision", err, storage.ErrConflict)
	want := &storage.KeyValue{Key: key, Value: []byte("v2"), CreateRevision: rev1, ModRevision: rev2}
	if diff := cmp.Diff(want, cur); diff != "" {
		t.Errorf("current value on conflict (-want +got):\n%s", diff)
	}

	_, cur, err = s.OptimisticPut(t.Context(), p+"missing", []byte("x"), rev1)
	wantErr(t, "OptimisticPut of a missing key", err, storage.ErrConflict)
	if cur != nil {
		t.Errorf("current value of a missing key = %+v, want nil", cur)
	}
}

func testOptimisticDelete(t *testing.T, s storage.Store, p string) {
	key := p + "a"
	rev1 := mustCreate(t, s, key, "v1")
	rev2 := mustPut(t, s, key, "v2", rev1)

	_, cur, err := s.OptimisticDelete(t.Context(), key, rev1)
	wantErr(t, "OptimisticDelete with stale revision", err, storage.ErrConflict)
	if cur == nil || string(cur.Value) != "v2" || cur.ModRevision != rev2 {
		t.Errorf("current value on conflict = %+v, want v2 at %d", cur, rev2)
	}

	rev3, _, err := s.OptimisticDelete(t.Context(), key, rev2)
	if err != nil {
		t.Fatalf("OptimisticDelete: %v", err)
	}
	if rev3 <= rev2 {
		t.Errorf("OptimisticDelete revision %d, want > %d", rev3, rev2)
	}
	_, err = s.Get(t.Context(), key)
	wantErr(t, "Get after delete", err, storage.ErrNotFound)

	for _, expected := range []int64{rev2, 0} {
		_, cur, err = s.OptimisticDelete(t.Context(), key, expected)
		wantErr(t, fmt.Sprintf("OptimisticDelete of a missing key at %d", expected), err, storage.ErrNotFound)
		if cur != nil {
			t.Errorf("current value of a missing key = %+v, want nil", cur)
		}
	}
}

func keys(kvs []*storage.KeyValue) []string {
	out := make([]string, len(kvs))
	for i, kv := range kvs {
		out[i] = kv.Key
	}
	return out
}

func testListPrefixIsolation(t *testing.T, s storage.Store, p string) {
	for _, k := range []string{"a/2", "ab/1", "a/1", "b", "a"} {
		mustCreate(t, s, p+k, k)
	}
	res, err := s.List(t.Context(), p+"a/", storage.ListOptions{})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if diff := cmp.Diff([]string{p + "a/1", p + "a/2"}, keys(res.KVs)); diff != "" {
		t.Errorf("List(%q) keys (-want +got):\n%s", p+"a/", diff)
	}
	if res.More || res.Revision <= 0 {
		t.Errorf("List More=%v Revision=%d; want false, > 0", res.More, res.Revision)
	}
	if string(res.KVs[0].Value) != "a/1" {
		t.Errorf("List value = %q, want a/1", res.KVs[0].Value)
	}
}

func testListPagination(t *testing.T, s storage.Store, p string) {
	var want []string
	for i := range 5 {
		k := fmt.Sprintf("%sk%d", p, i)
		mustCreate(t, s, k, "v")
		want = append(want, k)
	}
	mustCreate(t, s, p[:len(p)-1]+"x/after", "outside") // sorts after the prefix range

	type page struct {
		Keys      []string
		More      bool
		Remaining int64
	}
	wantPages := []page{
		{Keys: want[0:2], More: true, Remaining: 3},
		{Keys: want[2:4], More: true, Remaining: 1},
		{Keys: want[4:5], More: false, Remaining: 0},
	}
	var got []page
	opts := storage.ListOptions{Limit: 2}
	for range 10 {
		res, err := s.List(t.Context(), p, opts)
		if err != nil {
			t.Fatalf("List(%+v): %v", opts, err)
		}
		got = append(got, page{Keys: keys(res.KVs), More: res.More, Remaining: res.Remaining})
		if !res.More {
			break
		}
		if opts.Revision != 0 && res.Revision != opts.Revision {
			t.Errorf("page Revision %d, want %d", res.Revision, opts.Revision)
		}
		opts.Revision = res.Revision
		opts.StartKey = res.KVs[len(res.KVs)-1].Key + "\x00"
		// A write between pages must not show up: pages read one revision.
		if len(got) == 1 {
			mustCreate(t, s, p+"k2a", "late")
		}
	}
	if diff := cmp.Diff(wantPages, got); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
}

func testListOldRevision(t *testing.T, s storage.Store, p string) {
	rev1 := mustCreate(t, s, p+"a", "v1")
	mustPut(t, s, p+"a", "v2", rev1)
	mustCreate(t, s, p+"b", "v1")

	res, err := s.List(t.Context(), p, storage.ListOptions{Revision: rev1})
	if err != nil {
		t.Fatalf("List at %d: %v", rev1, err)
	}
	if len(res.KVs) != 1 || string(res.KVs[0].Value) != "v1" || res.Revision != rev1 {
		t.Errorf("List at %d = %v at %d; want only a=v1", rev1, keys(res.KVs), res.Revision)
	}
}

func testListCompacted(t *testing.T, s storage.Store, p string) {
	rev1 := mustCreate(t, s, p+"a", "v1")
	rev2 := mustPut(t, s, p+"a", "v2", rev1)
	if err := s.Compact(t.Context(), rev2); err != nil {
		t.Fatalf("Compact(%d): %v", rev2, err)
	}
	_, err := s.List(t.Context(), p, storage.ListOptions{Revision: rev1})
	wantErr(t, "List at a compacted revision", err, storage.ErrCompacted)

	_, err = s.List(t.Context(), p, storage.ListOptions{Revision: rev2 + 1_000_000})
	wantErr(t, "List at a future revision", err, storage.ErrFutureRevision)

	res, err := s.List(t.Context(), p, storage.ListOptions{Revision: rev2})
	if err != nil || len(res.KVs) != 1 {
		t.Fatalf("List at the compaction revision = %v, %v; want one key", res, err)
	}
}

func testCount(t *testing.T, s storage.Store, p string) {
	for _, k := range []string{"a/1", "a/2", "a/3", "ab/1"} {
		mustCreate(t, s, p+k, "v")
	}
	for prefix, want := range map[string]int64{p + "a/": 3, p: 4, p + "none/": 0} {
		got, err := s.Count(t.Context(), prefix)
		if err != nil {
			t.Fatalf("Count(%q): %v", prefix, err)
		}
		if got != want {
			t.Errorf("Count(%q) = %d, want %d", prefix, got, want)
		}
	}
}

func testCurrentRevision(t *testing.T, s storage.Store, p string) {
	rev := mustCreate(t, s, p+"a", "v")
	got, err := s.CurrentRevision(t.Context())
	if err != nil {
		t.Fatalf("CurrentRevision: %v", err)
	}
	if got < rev {
		t.Errorf("CurrentRevision = %d, want >= %d", got, rev)
	}
}

// next reads one event, failing the test after waitTimeout.
func next(t *testing.T, ch <-chan storage.Event) (storage.Event, bool) {
	t.Helper()
	select {
	case ev, ok := <-ch:
		return ev, ok
	case <-time.After(waitTimeout):
		t.Fatalf("no watch event after %s", waitTimeout)
		return storage.Event{}, false
	}
}

// nextChange skips progress events.
func nextChange(t *testing.T, ch <-chan storage.Event) storage.Event {
	t.Helper()
	for {
		ev, ok := next(t, ch)
		if !ok {
			t.Fatal("watch channel closed early")
		}
		if ev.Type != storage.EventProgress {
			return ev
		}
	}
}

type eventSummary struct {
	Type     storage.EventType
	Key      string
	Value    string
	Revision int64
	ModRev   int64
	PrevVal  string
	PrevRev  int64
	HasPrev  bool
	HasError bool
}

func summarize(ev storage.Event) eventSummary {
	s := eventSummary{Type: ev.Type, Revision: ev.Revision, HasError: ev.Err != nil}
	if ev.KV != nil {
		s.Key, s.Value, s.ModRev = ev.KV.Key, string(ev.KV.Value), ev.KV.ModRevision
	}
	if ev.PrevKV != nil {
		s.HasPrev, s.PrevVal, s.PrevRev = true, string(ev.PrevKV.Value), ev.PrevKV.ModRevision
	}
	return s
}

func testWatchFromRevision(t *testing.T, s storage.Store, p string) {
	start, err := s.CurrentRevision(t.Context())
	if err != nil {
		t.Fatalf("CurrentRevision: %v", err)
	}
	key := p + "a"
	rev1 := mustCreate(t, s, key, "v1")
	mustCreate(t, s, p[:len(p)-1]+"x", "outside")
	rev2 := mustPut(t, s, key, "v2", rev1)
	rev3, _, err := s.OptimisticDelete(t.Context(), key, rev2)
	if err != nil {
		t.Fatalf("OptimisticDelete: %v", err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ch := s.Watch(ctx, p, start)
	var got []eventSummary
	for range 3 {
		got = append(got, summarize(nextChange(t, ch)))
	}
	want := []eventSummary{
		{Type: storage.EventPut, Key: key, Value: "v1", Revision: rev1, ModRev: rev1},
		{Type: storage.EventPut, Key: key, Value: "v2", Revision: rev2, ModRev: rev2, HasPrev: true, PrevVal: "v1", PrevRev: rev1},
		{Type: storage.EventDelete, Key: key, Revision: rev3, ModRev: rev3, HasPrev: true, PrevVal: "v2", PrevRev: rev2},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("watch events (-want +got):\n%s", diff)
	}

	// Starting after the first event skips it.
	ch2 := s.Watch(ctx, p, rev1)
	if ev := nextChange(t, ch2); ev.Revision != rev2 {
		t.Errorf("watch from %d: first event at %d, want %d", rev1, ev.Revision, rev2)
	}
}

func testWatchFromNow(t *testing.T, s storage.Store, p string) {
	mustCreate(t, s, p+"old", "v")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ch := s.Watch(ctx, p, 0)
	// The watch may not be established yet; keep writing until an event
	// arrives, and check it is never the old key.
	deadline := time.Now().Add(waitTimeout)
	for i := 0; time.Now().Before(deadline); i++ {
		mustCreate(t, s, fmt.Sprintf("%snew%d", p, i), "v")
		select {
		case ev := <-ch:
			if ev.Type == storage.EventProgress {
				continue
			}
			if ev.Err != nil || !strings.HasPrefix(ev.KV.Key, p+"new") {
				t.Fatalf("watch from now: got %+v, want a new key", summarize(ev))
			}
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatal("watch from now saw no event")
}

func testWatchCompacted(t *testing.T, s storage.Store, p string) {
	rev1 := mustCreate(t, s, p+"a", "v1")
	rev2 := mustPut(t, s, p+"a", "v2", rev1)
	if err := s.Compact(t.Context(), rev2); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	ch := s.Watch(t.Context(), p, rev1-1)
	ev, ok := next(t, ch)
	if !ok || !errors.Is(ev.Err, storage.ErrCompacted) {
		t.Fatalf("watch from compacted revision: got %+v (open=%v), want ErrCompacted", ev, ok)
	}
	if _, ok := next(t, ch); ok {
		t.Error("watch channel still open after the error event")
	}
}

func testWatchCancel(t *testing.T, s storage.Store, p string) {
	ctx, cancel := context.WithCancel(t.Context())
	ch := s.Watch(ctx, p, 0)
	cancel()
	for {
		ev, ok := next(t, ch)
		if !ok {
			return
		}
		if ev.Type != storage.EventProgress && ev.Err == nil {
			t.Fatalf("unexpected event after cancel: %+v", summarize(ev))
		}
	}
}

func testRequestProgress(t *testing.T, s storage.Store, p string) {
	mustCreate(t, s, p+"a", "v")
	rev, err := s.CurrentRevision(t.Context())
	if err != nil {
		t.Fatalf("CurrentRevision: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ch := s.Watch(ctx, p, rev)
	// A write outside the prefix moves the store past the watch's start
	// (etcd sends no progress for a watch whose start is still ahead) and
	// must be reported through progress, not as an event.
	rev = mustCreate(t, s, p[:len(p)-1]+"x", "outside")
	// The watch is registered asynchronously; a request made before that is
	// lost, so ask again until a notification arrives.
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(waitTimeout)
	for {
		if err := s.RequestProgress(t.Context()); err != nil {
			t.Fatalf("RequestProgress: %v", err)
		}
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatal("watch closed")
			}
			if ev.Type != storage.EventProgress {
				t.Fatalf("unexpected event %+v", summarize(ev))
			}
			if ev.Revision < rev {
				t.Fatalf("progress revision %d, want >= %d", ev.Revision, rev)
			}
			return
		case <-tick.C:
		case <-deadline:
			t.Fatal("no progress event")
		}
	}
}

package cacher_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/berth-dev/berth/internal/storage"
	"github.com/berth-dev/berth/internal/storage/cacher"
)

const waitTimeout = 10 * time.Second

// etcdStore is one embedded etcd shared by the package's tests; each test
// uses its own key prefix.
var etcdStore storage.Store

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cacher-test")
	if err != nil {
		panic(err)
	}
	e, err := storage.StartEmbedded(context.Background(), storage.EmbedConfig{DataDir: filepath.Join(dir, "etcd"), AutoCompaction: -1})
	if err != nil {
		panic(err)
	}
	etcdStore = storage.NewEtcdStore(e.Client())
	code := m.Run()
	e.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

func testPrefix(t testing.TB) string {
	return fmt.Sprintf("/registry/%s-%d/", strings.ReplaceAll(t.Name(), "/", "_"), time.Now().UnixNano())
}

func decode(kv *storage.KeyValue) (kruntime.Object, error) {
	cm := &corev1.ConfigMap{}
	if err := json.Unmarshal(kv.Value, cm); err != nil {
		return nil, err
	}
	cm.ResourceVersion = strconv.FormatInt(kv.ModRevision, 10)
	return cm, nil
}

func newConfigMap() kruntime.Object { return &corev1.ConfigMap{} }

func encode(t testing.TB, name string, labels map[string]string, data string) []byte {
	t.Helper()
	b, err := json.Marshal(&corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Data:       map[string]string{"v": data},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixture is a running cacher on a fresh prefix.
type fixture struct {
	t      testing.TB
	prefix string
	store  storage.Store
	c      *cacher.Cacher
}

func start(t testing.TB, store storage.Store, prefix string, mutate func(*cacher.Config)) *fixture {
	t.Helper()
	if store == nil {
		store = etcdStore
	}
	if prefix == "" {
		prefix = testPrefix(t)
	}
	cfg := cacher.Config{Store: store, Prefix: prefix, Decode: decode, NewFunc: newConfigMap}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := cacher.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Start returned %v", err)
		}
	})
	wctx, wcancel := context.WithTimeout(ctx, waitTimeout)
	defer wcancel()
	if err := c.WaitReady(wctx); err != nil {
		t.Fatalf("WaitReady: %v", err)
	}
	return &fixture{t: t, prefix: prefix, store: store, c: c}
}

func (f *fixture) create(name string, labels map[string]string, data string) int64 {
	f.t.Helper()
	rev, err := f.store.Create(context.Background(), f.prefix+name, encode(f.t, name, labels, data))
	if err != nil {
		f.t.Fatalf("Create %s: %v", name, err)
	}
	return rev
}

func (f *fixture) update(name string, labels map[string]string, data string, expected int64) int64 {
	f.t.Helper()
	rev, _, err := f.store.OptimisticPut(context.Background(), f.prefix+name, encode(f.t, name, labels, data), expected)
	if err != nil {
		f.t.Fatalf("update %s: %v", name, err)
	}
	return rev
}

func (f *fixture) delete(name string, expected int64) int64 {
	f.t.Helper()
	rev, _, err := f.store.OptimisticDelete(context.Background(), f.prefix+name, expected)
	if err != nil {
		f.t.Fatalf("delete %s: %v", name, err)
	}
	return rev
}

func (f *fixture) watch(opts cacher.WatchOptions) cacher.Watcher {
	f.t.Helper()
	w, err := f.c.Watch(context.Background(), opts)
	if err != nil {
		f.t.Fatalf("Watch(%+v): %v", opts, err)
	}
	f.t.Cleanup(w.Stop)
	return w
}

// ev is a comparable summary of an Event.
type ev struct {
	Type watch.EventType
	Name string
	Data string
	RV   string
	Rev  int64
	Note string
}

func summarize(e cacher.Event) ev {
	out := ev{Type: e.Type, Rev: e.Revision}
	switch o := e.Object.(type) {
	case *corev1.ConfigMap:
		out.Name, out.Data, out.RV = o.Name, o.Data["v"], o.ResourceVersion
		out.Note = o.Annotations["k8s.io/initial-events-end"]
	case *metav1.Status:
		out.Name, out.RV = string(o.Reason), strconv.Itoa(int(o.Code))
	}
	return out
}

func rv(rev int64) string { return strconv.FormatInt(rev, 10) }

func next(t testing.TB, w cacher.Watcher) ev {
	t.Helper()
	select {
	case e, ok := <-w.ResultChan():
		if !ok {
			t.Fatal("watch closed")
		}
		return summarize(e)
	case <-time.After(waitTimeout):
		t.Fatal("no watch event")
	}
	return ev{}
}

func nextN(t testing.TB, w cacher.Watcher, n int) []ev {
	t.Helper()
	var out []ev
	for range n {
		out = append(out, next(t, w))
	}
	return out
}

func expectClosed(t testing.TB, w cacher.Watcher) {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		select {
		case e, ok := <-w.ResultChan():
			if !ok {
				return
			}
			if e.Type != watch.Bookmark {
				t.Fatalf("unexpected event before close: %+v", summarize(e))
			}
		case <-deadline:
			t.Fatal("watch channel not closed")
		}
	}
}

func names(objs []kruntime.Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.(*corev1.ConfigMap).Name)
	}
	return out
}

func TestListConsistent(t *testing.T) {
	f := start(t, nil, "", nil)
	f.create("a/x", nil, "1")
	f.create("b/y", map[string]string{"k": "v"}, "1")
	rev := f.create("a/z", nil, "1")

	res, err := f.c.List(t.Context(), cacher.ListOptions{})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if diff := cmp.Diff([]string{"a/x", "a/z", "b/y"}, names(res.Objects)); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	if res.Revision < rev {
		t.Errorf("List revision %d, want >= %d", res.Revision, rev)
	}

	res, err = f.c.List(t.Context(), cacher.ListOptions{KeyPrefix: f.prefix + "a/"})
	if err != nil || len(res.Objects) != 2 {
		t.Errorf("List under a/ = %v, %v; want 2 objects", res, err)
	}
	hasLabel := func(o kruntime.Object) bool { return o.(*corev1.ConfigMap).Labels["k"] == "v" }
	res, err = f.c.List(t.Context(), cacher.ListOptions{Predicate: hasLabel})
	if err != nil || len(res.Objects) != 1 {
		t.Errorf("List with predicate = %v, %v; want 1 object", res, err)
	}

	// A write elsewhere moves the store on; a consistent list must reflect
	// it (through watch progress), though no event reaches this prefix.
	other, err := etcdStore.Create(t.Context(), f.prefix[:len(f.prefix)-1]+"-other", []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	res, err = f.c.List(t.Context(), cacher.ListOptions{})
	if err != nil || res.Revision < other {
		t.Errorf("consistent List after an unrelated write = %v, %v; want revision >= %d", res, err, other)
	}
}

func TestListAndGetResourceVersions(t *testing.T) {
	f := start(t, nil, "", func(c *cacher.Config) { c.WaitTimeout = 200 * time.Millisecond })
	rev := f.create("a", nil, "1")
	res, err := f.c.List(t.Context(), cacher.ListOptions{ResourceVersion: rv(rev)})
	if err != nil || len(res.Objects) != 1 {
		t.Fatalf("List at RV %d = %v, %v", rev, res, err)
	}
	if _, err := f.c.List(t.Context(), cacher.ListOptions{ResourceVersion: "0"}); err != nil {
		t.Errorf("List RV=0: %v", err)
	}

	tests := []struct {
		name string
		opts cacher.ListOptions
		want error
	}{
		{"future", cacher.ListOptions{ResourceVersion: rv(rev + 1000)}, cacher.ErrTooLargeResourceVersion},
		{"exact", cacher.ListOptions{ResourceVersion: rv(rev), ResourceVersionMatch: metav1.ResourceVersionMatchExact}, cacher.ErrNotServable},
		{"invalid", cacher.ListOptions{ResourceVersion: "x"}, cacher.ErrInvalidResourceVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.c.List(t.Context(), tt.opts); !errors.Is(err, tt.want) {
				t.Errorf("List(%+v) error %v, want %v", tt.opts, err, tt.want)
			}
		})
	}

	obj, err := f.c.Get(t.Context(), f.prefix+"a", "")
	if err != nil || obj.(*corev1.ConfigMap).ResourceVersion != rv(rev) {
		t.Errorf("Get = %v, %v; want a at %d", obj, err, rev)
	}
	if _, err := f.c.Get(t.Context(), f.prefix+"missing", "0"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Get missing: %v, want ErrNotFound", err)
	}
}

func TestListWaitsForResourceVersion(t *testing.T) {
	f := start(t, nil, "", nil)
	rev := f.create("a", nil, "1")
	done := make(chan error, 1)
	go func() {
		res, err := f.c.List(context.Background(), cacher.ListOptions{ResourceVersion: rv(rev + 1)})
		if err == nil && len(res.Objects) != 2 {
			err = fmt.Errorf("got %d objects, want 2", len(res.Objects))
		}
		done <- err
	}()
	f.create("b", nil, "1")
	if err := <-done; err != nil {
		t.Fatalf("List at the next revision: %v", err)
	}
}

func TestWatchResumeFromResourceVersion(t *testing.T) {
	f := start(t, nil, "", nil)
	r1 := f.create("a", nil, "1")
	r2 := f.update("a", nil, "2", r1)
	r3 := f.create("b", nil, "1")
	r4 := f.delete("a", r2)

	w := f.watch(cacher.WatchOptions{ResourceVersion: rv(r1)})
	want := []ev{
		{Type: watch.Modified, Name: "a", Data: "2", RV: rv(r2), Rev: r2},
		{Type: watch.Added, Name: "b", Data: "1", RV: rv(r3), Rev: r3},
		{Type: watch.Deleted, Name: "a", Data: "2", RV: rv(r4), Rev: r4},
	}
	if diff := cmp.Diff(want, nextN(t, w, 3)); diff != "" {
		t.Errorf("replayed events (-want +got):\n%s", diff)
	}
	r5 := f.update("b", nil, "2", r3)
	if diff := cmp.Diff(ev{Type: watch.Modified, Name: "b", Data: "2", RV: rv(r5), Rev: r5}, next(t, w)); diff != "" {
		t.Errorf("live event (-want +got):\n%s", diff)
	}
}

func TestWatchTooOldResourceVersion(t *testing.T) {
	f := start(t, nil, "", func(c *cacher.Config) { c.HistorySize = 3 })
	first := f.create("a", nil, "0")
	rev := first
	for i := range 5 {
		rev = f.update("a", nil, strconv.Itoa(i+1), rev)
	}
	if err := waitRevision(f.c, rev); err != nil {
		t.Fatal(err)
	}
	_, err := f.c.Watch(t.Context(), cacher.WatchOptions{ResourceVersion: rv(first)})
	if !errors.Is(err, storage.ErrCompacted) || !strings.Contains(err.Error(), "too old resource version: "+rv(first)) {
		t.Fatalf("Watch from %d: %v, want a too-old ErrCompacted", first, err)
	}
	// The last three changes are still resumable.
	w := f.watch(cacher.WatchOptions{ResourceVersion: rv(rev - 3)})
	if got := nextN(t, w, 3); got[2].Rev != rev {
		t.Errorf("resumed events %+v, want the last at %d", got, rev)
	}
}

func waitRevision(c *cacher.Cacher, rev int64) error {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	_, err := c.List(ctx, cacher.ListOptions{ResourceVersion: rv(rev)})
	return err
}

func TestWatchInitialEvents(t *testing.T) {
	f := start(t, nil, "", nil)
	r1 := f.create("a", nil, "1")
	r2 := f.create("b", nil, "1")
	yes, no := true, false

	t.Run("legacy", func(t *testing.T) {
		for _, v := range []string{"", "0"} {
			w := f.watch(cacher.WatchOptions{ResourceVersion: v})
			got := nextN(t, w, 2)
			if got[0].Name != "a" || got[1].Name != "b" || got[0].Type != watch.Added || got[0].RV != rv(r1) {
				t.Errorf("RV %q initial events %+v", v, got)
			}
		}
	})
	t.Run("sendInitialEvents", func(t *testing.T) {
		w := f.watch(cacher.WatchOptions{SendInitialEvents: &yes, AllowBookmarks: true})
		got := nextN(t, w, 3)
		if got[0].Type != watch.Added || got[1].Type != watch.Added {
			t.Fatalf("initial events %+v", got)
		}
		end := got[2]
		if end.Type != watch.Bookmark || end.Note != "true" || end.Rev < r2 || end.RV != rv(end.Rev) {
			t.Errorf("initial-events-end bookmark %+v", end)
		}
	})
	t.Run("noInitialEvents", func(t *testing.T) {
		w := f.watch(cacher.WatchOptions{ResourceVersion: rv(r2), SendInitialEvents: &no})
		r3 := f.create("c", nil, "1")
		if diff := cmp.Diff(ev{Type: watch.Added, Name: "c", Data: "1", RV: rv(r3), Rev: r3}, next(t, w)); diff != "" {
			t.Errorf("first event (-want +got):\n%s", diff)
		}
	})
	t.Run("tooLarge", func(t *testing.T) {
		g := start(t, nil, "", func(c *cacher.Config) { c.WaitTimeout = 100 * time.Millisecond })
		if _, err := g.c.Watch(t.Context(), cacher.WatchOptions{ResourceVersion: rv(r2 + 1000)}); !errors.Is(err, cacher.ErrTooLargeResourceVersion) {
			t.Errorf("Watch from a future RV: %v, want ErrTooLargeResourceVersion", err)
		}
	})
}

func TestWatchPredicateTransitions(t *testing.T) {
	f := start(t, nil, "", nil)
	on := map[string]string{"app": "x"}
	selected := func(o kruntime.Object) bool { return o.(*corev1.ConfigMap).Labels["app"] == "x" }
	w := f.watch(cacher.WatchOptions{ResourceVersion: "0", Predicate: selected})

	r1 := f.create("a", nil, "1")
	r2 := f.update("a", on, "2", r1)
	r3 := f.update("a", on, "3", r2)
	r4 := f.update("a", nil, "4", r3)
	r5 := f.delete("a", r4)
	r6 := f.create("b", on, "1")
	_ = r5
	want := []ev{
		{Type: watch.Added, Name: "a", Data: "2", RV: rv(r2), Rev: r2},
		{Type: watch.Modified, Name: "a", Data: "3", RV: rv(r3), Rev: r3},
		{Type: watch.Deleted, Name: "a", Data: "4", RV: rv(r4), Rev: r4},
		{Type: watch.Added, Name: "b", Data: "1", RV: rv(r6), Rev: r6},
	}
	if diff := cmp.Diff(want, nextN(t, w, 4)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestBookmarks(t *testing.T) {
	f := start(t, nil, "", func(c *cacher.Config) { c.BookmarkInterval = 20 * time.Millisecond })
	rev := f.create("a", nil, "1")
	w := f.watch(cacher.WatchOptions{ResourceVersion: rv(rev), AllowBookmarks: true})
	plain := f.watch(cacher.WatchOptions{ResourceVersion: rv(rev)})

	got := next(t, w)
	if got.Type != watch.Bookmark || got.Rev < rev || got.RV != rv(got.Rev) || got.Name != "" {
		t.Errorf("bookmark %+v, want an empty object at revision >= %d", got, rev)
	}
	r2 := f.create("b", nil, "1")
	if got := next(t, plain); got.Type != watch.Added || got.Rev != r2 {
		t.Errorf("watcher without bookmarks got %+v first, want Added b", got)
	}
}

func TestStopAndCancelCloseWithoutLeaks(t *testing.T) {
	f := start(t, nil, "", nil)
	f.create("a", nil, "1")
	before := runtime.NumGoroutine()

	var ws []cacher.Watcher
	for range 10 {
		w, err := f.c.Watch(t.Context(), cacher.WatchOptions{ResourceVersion: "0"})
		if err != nil {
			t.Fatal(err)
		}
		ws = append(ws, w)
	}
	ctx, cancel := context.WithCancel(t.Context())
	wc, err := f.c.Watch(ctx, cacher.WatchOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		w.Stop()
		expectClosed(t, drainFirst(w))
	}
	cancel()
	expectClosed(t, drainFirst(wc))
	waitGoroutines(t, before)
}

// drainFirst skips the initial Added event.
func drainFirst(w cacher.Watcher) cacher.Watcher {
	select {
	case <-w.ResultChan():
	case <-time.After(time.Second):
	}
	return w
}

func waitGoroutines(t testing.TB, want int) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, want <= %d:\n%s", runtime.NumGoroutine(), want, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSlowWatcherIsClosed(t *testing.T) {
	f := start(t, nil, "", func(c *cacher.Config) { c.HistorySize = 150 })
	slow := f.watch(cacher.WatchOptions{ResourceVersion: "0"})
	fast := f.watch(cacher.WatchOptions{ResourceVersion: "0"})
	var wg sync.WaitGroup
	const writers, perWriter = 10, 30
	for i := range writers {
		wg.Go(func() {
			for j := range perWriter {
				f.create(fmt.Sprintf("w%d-%d", i, j), nil, "1")
			}
		})
	}
	got := 0
	for got < writers*perWriter {
		if e := next(t, fast); e.Type == watch.Added {
			got++
		}
	}
	wg.Wait()
	n := 0
	for range slow.ResultChan() {
		n++
	}
	if n >= writers*perWriter {
		t.Errorf("slow watcher received all %d events; want it closed early", n)
	}
}

// gatedStore lets a test break the cacher's watch and hold off its next one.
type gatedStore struct {
	storage.Store
	mu    sync.Mutex
	gate  chan struct{} // Watch waits until it is closed
	brk   chan struct{} // closing it fails the current watch
	opens int
}

func newGatedStore() *gatedStore {
	g := &gatedStore{Store: etcdStore, gate: make(chan struct{}), brk: make(chan struct{})}
	close(g.gate)
	return g
}

func (g *gatedStore) Watch(ctx context.Context, prefix string, from int64) <-chan storage.Event {
	g.mu.Lock()
	gate, brk := g.gate, g.brk
	g.opens++
	g.mu.Unlock()
	out := make(chan storage.Event)
	go func() {
		defer close(out)
		select {
		case <-gate:
		case <-ctx.Done():
			return
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		in := g.Store.Watch(ctx, prefix, from)
		for {
			select {
			case e, ok := <-in:
				if !ok {
					return
				}
				select {
				case out <- e:
				case <-ctx.Done():
					return
				}
			case <-brk:
				select {
				case out <- storage.Event{Err: errors.New("injected watch failure")}:
				case <-ctx.Done():
				}
				return
			}
		}
	}()
	return out
}

// breakWatch fails the current watch and holds the next one until the
// returned function is called.
func (g *gatedStore) breakWatch() (release func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	gate := make(chan struct{})
	close(g.brk)
	g.brk, g.gate = make(chan struct{}), gate
	return func() { close(gate) }
}

func TestWatchResumesAfterFailure(t *testing.T) {
	g := newGatedStore()
	f := start(t, g, "", nil)
	r1 := f.create("a", nil, "1")
	w := f.watch(cacher.WatchOptions{ResourceVersion: rv(r1)})
	release := g.breakWatch()
	r2 := f.update("a", nil, "2", r1)
	release()
	if diff := cmp.Diff(ev{Type: watch.Modified, Name: "a", Data: "2", RV: rv(r2), Rev: r2}, next(t, w)); diff != "" {
		t.Errorf("event after the store watch resumed (-want +got):\n%s", diff)
	}
}

func TestRelistAfterCompaction(t *testing.T) {
	g := newGatedStore()
	f := start(t, g, "", nil)
	ra := f.create("a", nil, "1")
	rb := f.create("b", nil, "1")
	w := f.watch(cacher.WatchOptions{ResourceVersion: rv(rb)})

	release := g.breakWatch()
	f.update("a", nil, "2", ra)
	f.delete("b", rb)
	rc := f.create("c", nil, "1")
	if err := etcdStore.Compact(t.Context(), rc); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	release()

	got := next(t, w)
	if got.Type != watch.Error || got.RV != "410" {
		t.Errorf("watcher across the re-list got %+v, want a 410 error", got)
	}
	expectClosed(t, w)

	res, err := f.c.List(t.Context(), cacher.ListOptions{})
	if err != nil {
		t.Fatalf("List after re-list: %v", err)
	}
	if diff := cmp.Diff([]string{"a", "c"}, names(res.Objects)); diff != "" {
		t.Errorf("List after re-list (-want +got):\n%s", diff)
	}
	if d := res.Objects[0].(*corev1.ConfigMap).Data["v"]; d != "2" {
		t.Errorf("a after re-list has v=%q, want 2", d)
	}
	// The cache keeps following the store.
	w2 := f.watch(cacher.WatchOptions{ResourceVersion: rv(res.Revision)})
	rd := f.create("d", nil, "1")
	if got := next(t, w2); got.Name != "d" || got.Rev != rd {
		t.Errorf("event after re-list %+v, want Added d at %d", got, rd)
	}
}

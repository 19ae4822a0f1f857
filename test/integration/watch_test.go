package integration

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/testutil"
)

// event is a watch event reduced to what the tests compare.
type event struct {
	Type watch.EventType
	Name string
	RV   string
}

// next reads one event or fails after the package deadline.
func next(t *testing.T, w watch.Interface) watch.Event {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			t.Fatalf("watch closed early")
		}
		return ev
	case <-time.After(waitTimeout):
		t.Fatalf("no watch event within %v", waitTimeout)
	}
	return watch.Event{}
}

func collect(t *testing.T, w watch.Interface, n int) []event {
	t.Helper()
	var out []event
	for range n {
		ev := next(t, w)
		m, ok := ev.Object.(metav1.Object)
		if !ok {
			t.Fatalf("event %s carries %T: %+v", ev.Type, ev.Object, ev.Object)
		}
		out = append(out, event{ev.Type, m.GetName(), m.GetResourceVersion()})
	}
	return out
}

func TestWatch(t *testing.T) {
	srv := testutil.StartServer(t)
	for name, c := range map[string]kubernetes.Interface{"json": srv.Client(t), "protobuf": srv.ProtobufClient(t)} {
		t.Run(name, func(t *testing.T) { testWatch(t, c) })
	}
}

func testWatch(t *testing.T, c kubernetes.Interface) {
	ctx := t.Context()
	ns := newNamespace(t, c)
	cms := c.CoreV1().ConfigMaps(ns)
	a, err := cms.Create(ctx, configMap("a", "k", "1"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("replay from resourceVersion", func(t *testing.T) {
		b, err := cms.Create(ctx, configMap("b"), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		a2 := a.DeepCopy()
		a2.Data["k"] = "2"
		if a2, err = cms.Update(ctx, a2, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := cms.Delete(ctx, "b", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: a.ResourceVersion})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		got := collect(t, w, 3)
		want := []event{{watch.Added, "b", b.ResourceVersion}, {watch.Modified, "a", a2.ResourceVersion}, {watch.Deleted, "b", got[2].RV}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		if rv(t, got[2].RV) <= rv(t, a2.ResourceVersion) {
			t.Errorf("DELETED resourceVersion %s is not after %s", got[2].RV, a2.ResourceVersion)
		}
		a = a2
	})

	t.Run("initial events end with a bookmark", func(t *testing.T) {
		w, err := cms.Watch(ctx, metav1.ListOptions{
			SendInitialEvents: ptr.To(true), ResourceVersionMatch: metav1.ResourceVersionMatchNotOlderThan, AllowWatchBookmarks: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		if diff := cmp.Diff([]event{{watch.Added, "a", a.ResourceVersion}}, collect(t, w, 1)); diff != "" {
			t.Errorf("initial events (-want +got):\n%s", diff)
		}
		ev := next(t, w)
		m, _ := ev.Object.(metav1.Object)
		if ev.Type != watch.Bookmark || m == nil || m.GetAnnotations()[metav1.InitialEventsAnnotationKey] != "true" {
			t.Fatalf("got %s %+v, want BOOKMARK annotated %s", ev.Type, ev.Object, metav1.InitialEventsAnnotationKey)
		}
		if _, ok := ev.Object.(*corev1.ConfigMap); !ok {
			t.Errorf("bookmark object is %T, want *v1.ConfigMap", ev.Object)
		}
		if rv(t, m.GetResourceVersion()) < rv(t, a.ResourceVersion) {
			t.Errorf("bookmark resourceVersion %s older than %s", m.GetResourceVersion(), a.ResourceVersion)
		}
		// Later changes follow.
		c2, err := cms.Create(ctx, configMap("after-initial"), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]event{{watch.Added, "after-initial", c2.ResourceVersion}}, collect(t, w, 1)); diff != "" {
			t.Errorf("later events (-want +got):\n%s", diff)
		}
	})

	t.Run("sendInitialEvents needs NotOlderThan", func(t *testing.T) {
		_, err := cms.Watch(ctx, metav1.ListOptions{SendInitialEvents: ptr.To(true), AllowWatchBookmarks: true})
		st := wantStatus(t, err, 422, metav1.StatusReasonInvalid)
		if st.Details == nil || len(st.Details.Causes) == 0 || st.Details.Causes[0].Field != "resourceVersionMatch" {
			t.Errorf("causes = %+v, want resourceVersionMatch", st.Details)
		}
	})

	t.Run("timeoutSeconds ends the watch with a bookmark first", func(t *testing.T) {
		start := time.Now()
		w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: a.ResourceVersion, TimeoutSeconds: ptr.To[int64](3), AllowWatchBookmarks: true})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		var types []watch.EventType
		deadline := time.After(waitTimeout)
		for done := false; !done; {
			select {
			case ev, ok := <-w.ResultChan():
				if !ok {
					done = true
					break
				}
				types = append(types, ev.Type)
			case <-deadline:
				t.Fatalf("watch with timeoutSeconds=3 still open after %v", waitTimeout)
			}
		}
		if d := time.Since(start); d < 2*time.Second {
			t.Errorf("watch ended after %v, before its timeout", d)
		}
		// Upstream sends a bookmark shortly before the deadline so the
		// client can resume from a fresh resourceVersion.
		if len(types) == 0 || types[len(types)-1] != watch.Bookmark {
			t.Errorf("events before timeout = %v, want a trailing BOOKMARK", types)
		}
	})

	t.Run("selector turns a change that stops matching into DELETED", func(t *testing.T) {
		labeled := configMap("labeled")
		labeled.Labels = map[string]string{"watch": "me"}
		labeled, err := cms.Create(ctx, labeled, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		w, err := cms.Watch(ctx, metav1.ListOptions{LabelSelector: "watch=me", ResourceVersion: labeled.ResourceVersion})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		labeled.Labels = map[string]string{"watch": "not-me"}
		if labeled, err = cms.Update(ctx, labeled, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		labeled.Labels["watch"] = "me"
		relabeled, err := cms.Update(ctx, labeled, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := []event{{watch.Deleted, "labeled", labeled.ResourceVersion}, {watch.Added, "labeled", relabeled.ResourceVersion}}
		if diff := cmp.Diff(want, collect(t, w, 2)); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})

	t.Run("field selector on pods", func(t *testing.T) {
		pods := c.CoreV1().Pods(ns)
		p, err := pods.Create(ctx, pod("fs").Obj(), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		w, err := pods.Watch(ctx, metav1.ListOptions{FieldSelector: "status.phase=Pending", ResourceVersion: p.ResourceVersion})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		p.Status.Phase = corev1.PodRunning
		if p, err = pods.UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]event{{watch.Deleted, "fs", p.ResourceVersion}}, collect(t, w, 1)); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	})
}

// TestWatchTooOldResourceVersion watches from a resourceVersion older than
// the server's watch cache (a restart, then compaction): the watch starts and
// reports 410 Expired as an ERROR event, so reflectors relist.
func TestWatchTooOldResourceVersion(t *testing.T) {
	srv := testutil.StartServer(t)
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	old, err := c.CoreV1().ConfigMaps(ns).Create(ctx, configMap("old"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CoreV1().ConfigMaps(ns).Create(ctx, configMap("newer"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	srv = testutil.StartServerIn(t, srv.DataDir)
	if _, err := srv.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]kubernetes.Interface{"json": srv.Client(t), "protobuf": srv.ProtobufClient(t)} {
		t.Run(name, func(t *testing.T) {
			w, err := c.CoreV1().ConfigMaps(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: old.ResourceVersion})
			if err != nil {
				t.Fatalf("watch should start and then report the error as an event: %v", err)
			}
			defer w.Stop()
			ev := next(t, w)
			st, ok := ev.Object.(*metav1.Status)
			if ev.Type != watch.Error || !ok {
				t.Fatalf("got %s %T, want ERROR with a Status", ev.Type, ev.Object)
			}
			if st.Code != 410 || st.Reason != metav1.StatusReasonExpired {
				t.Errorf("status = %d %s, want 410 Expired", st.Code, st.Reason)
			}
			if _, ok := <-w.ResultChan(); ok {
				t.Errorf("watch still open after the ERROR event")
			}
		})
	}
}

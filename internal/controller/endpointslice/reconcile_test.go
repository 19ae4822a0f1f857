package endpointslice

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/berth-dev/berth/internal/controller/endpoints"
)

// world is an API server holding one Service, its pods and slices; cache
// is what the informer shows (it lags when frozen).
type world struct {
	svc    *corev1.Service
	pods   []*corev1.Pod
	stored map[string]*discoveryv1.EndpointSlice
	cache  map[string]*discoveryv1.EndpointSlice
	frozen bool
	rv     int
	events []string
	writes []string
}

func newWorld(svc *corev1.Service, pods []*corev1.Pod) *world {
	return &world{svc: svc, pods: pods, stored: map[string]*discoveryv1.EndpointSlice{}, cache: map[string]*discoveryv1.EndpointSlice{}}
}

func (w *world) sync() {
	if !w.frozen {
		w.cache = map[string]*discoveryv1.EndpointSlice{}
		for k, v := range w.stored {
			w.cache[k] = v.DeepCopy()
		}
	}
}

func (w *world) deps() Deps {
	store := func(s *discoveryv1.EndpointSlice) *discoveryv1.EndpointSlice {
		w.rv++
		s = s.DeepCopy()
		s.ResourceVersion = strconv.Itoa(w.rv)
		w.stored[s.Name] = s
		w.sync()
		return s.DeepCopy()
	}
	return Deps{
		GetService: func(_, name string) (*corev1.Service, error) {
			if w.svc == nil {
				return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "services"}, name)
			}
			return w.svc, nil
		},
		GetNode: nodes,
		ListPods: func(_ string, sel labels.Selector) ([]*corev1.Pod, error) {
			var out []*corev1.Pod
			for _, p := range w.pods {
				if sel.Matches(labels.Set(p.Labels)) {
					out = append(out, p)
				}
			}
			return out, nil
		},
		ListSlices: func(string, string) ([]*discoveryv1.EndpointSlice, error) {
			var out []*discoveryv1.EndpointSlice
			for _, s := range w.cache {
				out = append(out, s.DeepCopy())
			}
			return out, nil
		},
		Create: func(_ context.Context, s *discoveryv1.EndpointSlice) (*discoveryv1.EndpointSlice, error) {
			w.writes = append(w.writes, "create")
			s = s.DeepCopy()
			s.Name = fmt.Sprintf("%s%d", s.GenerateName, len(w.writes))
			return store(s), nil
		},
		Update: func(_ context.Context, s *discoveryv1.EndpointSlice) (*discoveryv1.EndpointSlice, error) {
			w.writes = append(w.writes, "update "+s.Name)
			if cur, ok := w.stored[s.Name]; !ok || cur.ResourceVersion != s.ResourceVersion {
				return nil, apierrors.NewConflict(schema.GroupResource{Resource: "endpointslices"}, s.Name, errors.New("stale"))
			}
			return store(s), nil
		},
		Delete: func(_ context.Context, s *discoveryv1.EndpointSlice) error {
			w.writes = append(w.writes, "delete "+s.Name)
			delete(w.stored, s.Name)
			w.sync()
			return nil
		},
		Event:                func(_ runtime.Object, typ, reason, _ string) { w.events = append(w.events, typ+" "+reason) },
		Trigger:              endpoints.NewTriggerTracker(),
		Stale:                NewStaleTracker(),
		MaxEndpointsPerSlice: 100,
	}
}

func TestReconcileWritesAndConverges(t *testing.T) {
	w := newWorld(testService(), pods(150))
	d := w.deps()
	if err := reconcile(t.Context(), d, "ns/web"); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"create", "create"}, w.writes); d != "" {
		t.Errorf("writes (-want +got):\n%s", d)
	}
	for _, s := range w.stored {
		if s.Annotations[corev1.EndpointsLastChangeTriggerTime] == "" {
			t.Errorf("slice %s has no trigger time", s.Name)
		}
	}
	w.writes = nil
	if err := reconcile(t.Context(), d, "ns/web"); err != nil || len(w.writes) != 0 {
		t.Errorf("second sync: writes %v, err %v; want none", w.writes, err)
	}
}

// A cache that has not yet seen the controller's own writes must not be
// acted on: it would create the same endpoints again.
func TestReconcileWaitsForItsWrites(t *testing.T) {
	w := newWorld(testService(), pods(3))
	w.frozen = true
	d := w.deps()
	if err := reconcile(t.Context(), d, "ns/web"); err != nil {
		t.Fatal(err)
	}
	err := reconcile(t.Context(), d, "ns/web")
	if !errors.Is(err, errStaleCache) {
		t.Fatalf("sync on a stale cache: %v, want errStaleCache", err)
	}
	w.frozen = false
	w.sync()
	w.writes = nil
	if err := reconcile(t.Context(), d, "ns/web"); err != nil || len(w.writes) != 0 {
		t.Errorf("caught-up sync: writes %v, err %v; want none", w.writes, err)
	}
	if len(w.stored) != 1 {
		t.Errorf("%d slices stored, want 1", len(w.stored))
	}
}

func TestReconcileSkippedPodEvent(t *testing.T) {
	lost := testPod("lost", "10.0.9.9").Port("http", 8080).Node("gone").Obj()
	w := newWorld(testService(), []*corev1.Pod{pods(1)[0], lost})
	if err := reconcile(t.Context(), w.deps(), "ns/web"); err == nil {
		t.Fatal("want an error so the Service is retried")
	}
	if d := cmp.Diff([]string{"Warning FailedToUpdateEndpointSlices"}, w.events); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	if len(w.stored) != 1 {
		t.Errorf("%d slices, want the known pod's slice written anyway", len(w.stored))
	}
}

func TestReconcileLeavesAlone(t *testing.T) {
	noSel := testService()
	noSel.Spec.Selector = nil
	deleting := testService()
	now := metav1.NewTime(time.Unix(1, 0))
	deleting.DeletionTimestamp = &now
	for name, svc := range map[string]*corev1.Service{"no selector": noSel, "gone": nil, "being deleted": deleting} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(svc, pods(2))
			if err := reconcile(t.Context(), w.deps(), "ns/web"); err != nil {
				t.Fatal(err)
			}
			if len(w.writes) != 0 {
				t.Errorf("writes %v, want none", w.writes)
			}
		})
	}
}

func TestStaleTracker(t *testing.T) {
	slice := func(name, rv string) *discoveryv1.EndpointSlice {
		return &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Name: name, ResourceVersion: rv}}
	}
	for _, tc := range []struct {
		name   string
		cached []*discoveryv1.EndpointSlice
		stale  bool
	}{
		{"written slice missing", []*discoveryv1.EndpointSlice{slice("b", "3")}, true},
		{"written slice older", []*discoveryv1.EndpointSlice{slice("a", "9")}, true},
		{"deleted slice still there", []*discoveryv1.EndpointSlice{slice("a", "10"), slice("b", "3")}, true},
		{"caught up", []*discoveryv1.EndpointSlice{slice("a", "11")}, false},
	} {
		tr := NewStaleTracker()
		tr.Wrote("k", slice("a", "10"))
		tr.Removed("k", "b")
		if got := tr.Stale("k", tc.cached); got != tc.stale {
			t.Errorf("%s: stale = %v, want %v", tc.name, got, tc.stale)
		}
	}
	tr := NewStaleTracker()
	tr.Wrote("k", slice("a", "10"))
	if !tr.Stale("k", nil) || tr.Stale("k", []*discoveryv1.EndpointSlice{slice("a", "10")}) || tr.Stale("k", nil) {
		t.Error("once caught up, a write is no longer waited for")
	}
	tr.Wrote("k", slice("c", "20"))
	tr.ObservedDeletion("k", "c")
	if tr.Stale("k", nil) {
		t.Error("a slice seen deleted by the informer is no longer expected")
	}
}

package endpoints

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// world is the cluster state reconcile sees, and what it wrote.
type world struct {
	svc     *corev1.Service
	pods    []*corev1.Pod
	ep      *corev1.Endpoints
	writes  []string
	events  []string
	failing error
	rv      int
}

func (w *world) deps() Deps {
	notFound := func(r, n string) error { return apierrors.NewNotFound(schema.GroupResource{Resource: r}, n) }
	return Deps{
		GetService: func(_, name string) (*corev1.Service, error) {
			if w.svc == nil {
				return nil, notFound("services", name)
			}
			return w.svc, nil
		},
		GetEndpoints: func(_, name string) (*corev1.Endpoints, error) {
			if w.ep == nil {
				return nil, notFound("endpoints", name)
			}
			return w.ep, nil
		},
		ListPods: func(_ string, sel labels.Selector) ([]*corev1.Pod, error) {
			var out []*corev1.Pod
			for _, p := range w.pods {
				if sel.Matches(labels.Set(p.Labels)) {
					out = append(out, p)
				}
			}
			return out, nil
		},
		Create: func(_ context.Context, ep *corev1.Endpoints) (*corev1.Endpoints, error) {
			w.writes = append(w.writes, "create")
			if w.failing != nil {
				return nil, w.failing
			}
			w.rv++
			ep = ep.DeepCopy()
			ep.ResourceVersion = strconv.Itoa(w.rv)
			w.ep = ep
			return ep, nil
		},
		Update: func(_ context.Context, ep *corev1.Endpoints) (*corev1.Endpoints, error) {
			w.writes = append(w.writes, "update")
			if w.failing != nil {
				return nil, w.failing
			}
			w.rv++
			ep = ep.DeepCopy()
			ep.ResourceVersion = strconv.Itoa(w.rv)
			w.ep = ep
			return ep, nil
		},
		Delete: func(context.Context, string, string) error {
			w.writes = append(w.writes, "delete")
			w.ep = nil
			return nil
		},
		Event: func(_ runtime.Object, typ, reason, msg string) {
			w.events = append(w.events, typ+" "+reason)
		},
		Trigger: NewTriggerTracker(),
		written: newWritten(),
	}
}

func TestReconcileSubsets(t *testing.T) {
	headless := testService()
	headless.Spec.ClusterIP = corev1.ClusterIPNone
	publish := testService()
	publish.Spec.PublishNotReadyAddresses = true
	noPorts := testService()
	noPorts.Spec.ClusterIP, noPorts.Spec.Ports = corev1.ClusterIPNone, nil

	for _, tc := range []struct {
		name string
		svc  *corev1.Service
		pods []*corev1.Pod
		want []corev1.EndpointSubset
	}{{
		name: "named ports resolve per pod; pods without the name only get the numbered port",
		svc:  testService(),
		pods: []*corev1.Pod{
			testPod("a", "10.0.0.1").Port("http", 8080).Obj(),
			testPod("b", "10.0.0.2").Port("http", 8081).Obj(),
			testPod("c", "10.0.0.3").Obj(),
		},
		want: []corev1.EndpointSubset{
			{Addresses: []corev1.EndpointAddress{addr("a", "10.0.0.1")}, Ports: []corev1.EndpointPort{port("http", 8080)}},
			{Addresses: []corev1.EndpointAddress{addr("b", "10.0.0.2")}, Ports: []corev1.EndpointPort{port("http", 8081)}},
			{Addresses: []corev1.EndpointAddress{addr("a", "10.0.0.1"), addr("b", "10.0.0.2"), addr("c", "10.0.0.3")}, Ports: []corev1.EndpointPort{port("metrics", 9100)}},
		},
	}, {
		name: "unready pods are not-ready addresses; no IP, terminating, finished pods are left out",
		svc:  testService(),
		pods: []*corev1.Pod{
			testPod("a", "10.0.0.1").Port("http", 8080).Obj(),
			testPod("b", "10.0.0.2").Port("http", 8080).NotReady().Obj(),
			testPod("noip", "").Port("http", 8080).Obj(),
			testPod("gone", "10.0.0.4").Port("http", 8080).Terminating().Obj(),
			testPod("done", "10.0.0.5").Port("http", 8080).Phase(corev1.PodSucceeded).Obj(),
		},
		want: []corev1.EndpointSubset{{
			Addresses:         []corev1.EndpointAddress{addr("a", "10.0.0.1")},
			NotReadyAddresses: []corev1.EndpointAddress{addr("b", "10.0.0.2")},
			Ports:             []corev1.EndpointPort{port("http", 8080), port("metrics", 9100)},
		}},
	}, {
		name: "publishNotReadyAddresses lists every pod, terminating ones too, as ready",
		svc:  publish,
		pods: []*corev1.Pod{
			testPod("a", "10.0.0.1").Port("http", 8080).Obj(),
			testPod("b", "10.0.0.2").Port("http", 8080).NotReady().Obj(),
			testPod("gone", "10.0.0.4").Port("http", 8080).Terminating().Obj(),
		},
		want: []corev1.EndpointSubset{{
			Addresses: []corev1.EndpointAddress{addr("a", "10.0.0.1"), addr("b", "10.0.0.2"), addr("gone", "10.0.0.4")},
			Ports:     []corev1.EndpointPort{port("http", 8080), port("metrics", 9100)},
		}},
	}, {
		name: "headless Service without ports lists addresses only",
		svc:  noPorts,
		pods: []*corev1.Pod{testPod("a", "10.0.0.1").Obj(), testPod("b", "10.0.0.2").NotReady().Obj()},
		want: []corev1.EndpointSubset{{
			Addresses:         []corev1.EndpointAddress{addr("a", "10.0.0.1")},
			NotReadyAddresses: []corev1.EndpointAddress{addr("b", "10.0.0.2")},
		}},
	}, {
		name: "an IPv4 Service ignores pods with only IPv6 addresses",
		svc:  testService(),
		pods: []*corev1.Pod{testPod("v6", "fd00::1").Port("http", 8080).Obj(), testPod("a", "10.0.0.1").Port("http", 8080).Obj()},
		want: []corev1.EndpointSubset{{
			Addresses: []corev1.EndpointAddress{addr("a", "10.0.0.1")},
			Ports:     []corev1.EndpointPort{port("http", 8080), port("metrics", 9100)},
		}},
	}, {
		name: "no pods",
		svc:  headless,
		want: []corev1.EndpointSubset{},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			w := &world{svc: tc.svc, pods: tc.pods}
			if err := reconcile(t.Context(), w.deps(), "ns/web"); err != nil {
				t.Fatal(err)
			}
			if w.ep == nil {
				t.Fatal("no Endpoints written")
			}
			if d := cmp.Diff(tc.want, w.ep.Subsets); d != "" {
				t.Errorf("subsets (-want +got):\n%s", d)
			}
		})
	}
}

func TestReconcileMetadataAndWrites(t *testing.T) {
	t.Run("labels, headless label and trigger time", func(t *testing.T) {
		svc := testService()
		svc.Spec.ClusterIP = corev1.ClusterIPNone
		w := &world{svc: svc, pods: []*corev1.Pod{testPod("a", "10.0.0.1").Obj()}}
		if err := reconcile(t.Context(), w.deps(), "ns/web"); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"tier": "front", corev1.IsHeadlessService: "", LabelManagedBy: ManagedBy}
		if d := cmp.Diff(want, w.ep.Labels); d != "" {
			t.Errorf("labels (-want +got):\n%s", d)
		}
		// The earliest change seen: the Service's creation, an hour
		// before the pod turned ready.
		if got, want := w.ep.Annotations[corev1.EndpointsLastChangeTriggerTime], t0.Add(-time.Hour).Format(time.RFC3339Nano); got != want {
			t.Errorf("trigger time = %q, want %q", got, want)
		}
	})
	t.Run("nothing changed: no write", func(t *testing.T) {
		w := &world{svc: testService(), pods: []*corev1.Pod{testPod("a", "10.0.0.1").Obj()}}
		d := w.deps()
		for range 2 {
			if err := reconcile(t.Context(), d, "ns/web"); err != nil {
				t.Fatal(err)
			}
		}
		if d := cmp.Diff([]string{"create"}, w.writes); d != "" {
			t.Errorf("writes (-want +got):\n%s", d)
		}
	})
	t.Run("a cache behind the controller's own write: retry, no write, no event", func(t *testing.T) {
		w := &world{svc: testService(), pods: []*corev1.Pod{testPod("a", "10.0.0.1").Obj()}}
		d := w.deps()
		if err := reconcile(t.Context(), d, "ns/web"); err != nil {
			t.Fatal(err)
		}
		written := w.ep
		w.ep = nil // the informer has not seen the create yet
		if err := reconcile(t.Context(), d, "ns/web"); err == nil {
			t.Error("want an error so the Service is retried")
		}
		w.ep = written
		if err := reconcile(t.Context(), d, "ns/web"); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"create"}, w.writes); diff != "" || len(w.events) != 0 {
			t.Errorf("writes (-want +got):\n%s; events %v", diff, w.events)
		}
	})
	t.Run("Endpoints without the managed-by label get it", func(t *testing.T) {
		w := &world{svc: testService(), ep: &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns",
			ResourceVersion: "3", Labels: map[string]string{"tier": "front"}}}}
		if err := reconcile(t.Context(), w.deps(), "ns/web"); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]string{"update"}, w.writes); d != "" || w.ep.Labels[LabelManagedBy] != ManagedBy {
			t.Errorf("writes (-want +got):\n%s; labels %v", d, w.ep.Labels)
		}
	})
	t.Run("a changed Service label is written", func(t *testing.T) {
		w := &world{svc: testService()}
		d := w.deps()
		if err := reconcile(t.Context(), d, "ns/web"); err != nil {
			t.Fatal(err)
		}
		w.svc.Labels = map[string]string{"tier": "back"}
		if err := reconcile(t.Context(), d, "ns/web"); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"create", "update"}, w.writes); diff != "" || w.ep.Labels["tier"] != "back" {
			t.Errorf("writes (-want +got):\n%s; labels %v", diff, w.ep.Labels)
		}
	})
	t.Run("Service gone: Endpoints deleted", func(t *testing.T) {
		w := &world{ep: &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"}}}
		if err := reconcile(t.Context(), w.deps(), "ns/web"); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]string{"delete"}, w.writes); d != "" {
			t.Errorf("writes (-want +got):\n%s", d)
		}
	})
	t.Run("Service without selector or ExternalName: left alone", func(t *testing.T) {
		for _, mut := range []func(*corev1.Service){
			func(s *corev1.Service) { s.Spec.Selector = nil },
			func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeExternalName },
		} {
			svc := testService()
			mut(svc)
			w := &world{svc: svc, pods: []*corev1.Pod{testPod("a", "10.0.0.1").Obj()},
				ep: &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"}}}
			if err := reconcile(t.Context(), w.deps(), "ns/web"); err != nil {
				t.Fatal(err)
			}
			if len(w.writes) != 0 {
				t.Errorf("writes %v, want none", w.writes)
			}
		}
	})
	t.Run("failed create: event", func(t *testing.T) {
		w := &world{svc: testService(), failing: apierrors.NewInternalError(fmt.Errorf("boom"))}
		if err := reconcile(t.Context(), w.deps(), "ns/web"); err == nil {
			t.Fatal("want an error")
		}
		if d := cmp.Diff([]string{"Warning FailedToCreateEndpoint"}, w.events); d != "" {
			t.Errorf("events (-want +got):\n%s", d)
		}
	})
}

func TestReconcileOverCapacity(t *testing.T) {
	svc := testService()
	svc.Spec.Ports = svc.Spec.Ports[1:] // metrics only
	var pods []*corev1.Pod
	for i := range MaxAddresses + 5 {
		pods = append(pods, testPod(fmt.Sprintf("p%d", i), fmt.Sprintf("10.%d.%d.%d", i/65536, i/256%256, i%256)).Obj())
	}
	w := &world{svc: svc, pods: pods}
	d := w.deps()
	if err := reconcile(t.Context(), d, "ns/web"); err != nil {
		t.Fatal(err)
	}
	if n := len(w.ep.Subsets[0].Addresses); n != MaxAddresses {
		t.Errorf("%d addresses, want %d", n, MaxAddresses)
	}
	if got := w.ep.Annotations[corev1.EndpointsOverCapacity]; got != "truncated" {
		t.Errorf("over-capacity annotation = %q, want truncated", got)
	}
	// Back under capacity, the annotation goes.
	w.pods = pods[:10]
	if err := reconcile(t.Context(), d, "ns/web"); err != nil {
		t.Fatal(err)
	}
	if _, ok := w.ep.Annotations[corev1.EndpointsOverCapacity]; ok || len(w.ep.Subsets[0].Addresses) != 10 {
		t.Errorf("annotations %v, %d addresses; want no over-capacity annotation and 10", w.ep.Annotations, len(w.ep.Subsets[0].Addresses))
	}
}

func TestTruncate(t *testing.T) {
	ips := func(prefix string, n int) []corev1.EndpointAddress {
		out := make([]corev1.EndpointAddress, n)
		for i := range out {
			out[i] = corev1.EndpointAddress{IP: fmt.Sprintf("%s.%d.%d", prefix, i/256, i%256)}
		}
		return out
	}
	count := func(ep *corev1.Endpoints) (r []int, nr []int) {
		for _, s := range ep.Subsets {
			r, nr = append(r, len(s.Addresses)), append(nr, len(s.NotReadyAddresses))
		}
		return r, nr
	}
	for _, tc := range []struct {
		name                string
		subsets             []corev1.EndpointSubset
		cut                 bool
		wantReady, wantNotR []int
	}{{
		name:      "under capacity",
		subsets:   []corev1.EndpointSubset{{Addresses: ips("10.0", 600), NotReadyAddresses: ips("10.1", 400)}},
		wantReady: []int{600}, wantNotR: []int{400},
	}, {
		name: "not-ready addresses are cut first, in proportion",
		subsets: []corev1.EndpointSubset{
			{Addresses: ips("10.0", 500), NotReadyAddresses: ips("10.1", 300)},
			{Addresses: ips("10.2", 300), NotReadyAddresses: ips("10.3", 100)},
		},
		cut: true, wantReady: []int{500, 300}, wantNotR: []int{150, 50},
	}, {
		name: "too many ready: ready cut in proportion, not-ready dropped",
		subsets: []corev1.EndpointSubset{
			{Addresses: ips("10.0", 1500), NotReadyAddresses: ips("10.1", 10)},
			{Addresses: ips("10.2", 500)},
		},
		cut: true, wantReady: []int{750, 250}, wantNotR: []int{0, 0},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			ep := &corev1.Endpoints{Subsets: tc.subsets}
			if got := truncate(ep); got != tc.cut {
				t.Errorf("truncate = %v, want %v", got, tc.cut)
			}
			r, nr := count(ep)
			if d := cmp.Diff(tc.wantReady, r); d != "" {
				t.Errorf("ready per subset (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.wantNotR, nr); d != "" {
				t.Errorf("not ready per subset (-want +got):\n%s", d)
			}
		})
	}
}

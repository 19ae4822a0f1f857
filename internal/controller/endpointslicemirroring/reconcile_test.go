package endpointslicemirroring

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/berth-dev/berth/internal/controller/endpointslice"
)

// world is an API server with one selector-less Service, its Endpoints
// and the mirrored slices.
type world struct {
	svc    *corev1.Service
	ep     *corev1.Endpoints
	stored map[string]*discoveryv1.EndpointSlice
	rv     int
	writes []string
	events []string
}

func newWorld(ep *corev1.Endpoints) *world {
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "ext", Namespace: "ns"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "db", Port: 5432}}}}
	return &world{svc: svc, ep: ep, stored: map[string]*discoveryv1.EndpointSlice{}}
}

func (w *world) deps() Deps {
	notFound := func(r, n string) error { return apierrors.NewNotFound(schema.GroupResource{Resource: r}, n) }
	store := func(s *discoveryv1.EndpointSlice) *discoveryv1.EndpointSlice {
		w.rv++
		s = s.DeepCopy()
		s.ResourceVersion = strconv.Itoa(w.rv)
		w.stored[s.Name] = s
		return s.DeepCopy()
	}
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
		ListSlices: func(string, string) ([]*discoveryv1.EndpointSlice, error) {
			var out []*discoveryv1.EndpointSlice
			for _, s := range w.stored {
				out = append(out, s.DeepCopy())
			}
			return out, nil
		},
		Create: func(_ context.Context, s *discoveryv1.EndpointSlice) (*discoveryv1.EndpointSlice, error) {
			w.writes = append(w.writes, "create")
			s = s.DeepCopy()
			s.Name = fmt.Sprintf("%s%d", s.GenerateName, w.rv+1)
			return store(s), nil
		},
		Update: func(_ context.Context, s *discoveryv1.EndpointSlice) (*discoveryv1.EndpointSlice, error) {
			w.writes = append(w.writes, "update "+s.Name)
			return store(s), nil
		},
		Delete: func(_ context.Context, s *discoveryv1.EndpointSlice) error {
			w.writes = append(w.writes, "delete "+s.Name)
			delete(w.stored, s.Name)
			return nil
		},
		Event:                 func(_ runtime.Object, typ, reason, _ string) { w.events = append(w.events, typ+" "+reason) },
		Stale:                 endpointslice.NewStaleTracker(),
		MaxEndpointsPerSubset: 1000,
	}
}

// summary lists the stored slices as "type ports: ip(ready)...".
func (w *world) summary() []string {
	var out []string
	for _, s := range w.stored {
		var ports, eps []string
		for _, p := range s.Ports {
			ports = append(ports, fmt.Sprintf("%s:%d", *p.Name, *p.Port))
		}
		for _, e := range s.Endpoints {
			eps = append(eps, fmt.Sprintf("%s(%v)", e.Addresses[0], *e.Conditions.Ready))
		}
		slices.Sort(eps)
		out = append(out, fmt.Sprintf("%s %s: %s", s.AddressType, strings.Join(ports, ","), strings.Join(eps, " ")))
	}
	slices.Sort(out)
	return out
}

func userEndpoints(subsets ...corev1.EndpointSubset) *corev1.Endpoints {
	return &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: "ext", Namespace: "ns", UID: "ep-uid", Labels: map[string]string{"team": "data"},
			Annotations: map[string]string{"note": "x", corev1.EndpointsLastChangeTriggerTime: "t", corev1.LastAppliedConfigAnnotation: "{}"}},
		Subsets: subsets,
	}
}

func ips(list ...string) []corev1.EndpointAddress {
	var out []corev1.EndpointAddress
	for _, ip := range list {
		out = append(out, corev1.EndpointAddress{IP: ip})
	}
	return out
}

var db = []corev1.EndpointPort{{Name: "db", Port: 5432, Protocol: corev1.ProtocolTCP}}

func TestMirror(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ep     *corev1.Endpoints
		want   []string
		events []string
	}{{
		name: "ready and not-ready addresses",
		ep:   userEndpoints(corev1.EndpointSubset{Addresses: ips("192.0.2.1", "192.0.2.2"), NotReadyAddresses: ips("192.0.2.3"), Ports: db}),
		want: []string{"IPv4 db:5432: 192.0.2.1(true) 192.0.2.2(true) 192.0.2.3(false)"},
	}, {
		name: "families and port sets get their own slices",
		ep: userEndpoints(
			corev1.EndpointSubset{Addresses: ips("192.0.2.1", "2001:db8::1"), Ports: db},
			corev1.EndpointSubset{Addresses: ips("192.0.2.9"), Ports: []corev1.EndpointPort{{Name: "web", Port: 80, Protocol: corev1.ProtocolTCP}}},
		),
		want: []string{"IPv4 db:5432: 192.0.2.1(true)", "IPv4 web:80: 192.0.2.9(true)", "IPv6 db:5432: 2001:db8::1(true)"},
	}, {
		name:   "invalid IPs are skipped, with an event",
		ep:     userEndpoints(corev1.EndpointSubset{Addresses: ips("192.0.2.1", "not-an-ip"), Ports: db}),
		want:   []string{"IPv4 db:5432: 192.0.2.1(true)"},
		events: []string{"Warning InvalidIPAddress"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(tc.ep)
			if err := reconcile(t.Context(), w.deps(), "ns/ext"); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, w.summary()); d != "" {
				t.Errorf("slices (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.events, w.events); d != "" {
				t.Errorf("events (-want +got):\n%s", d)
			}
			for _, s := range w.stored {
				wantLabels := map[string]string{"team": "data", discoveryv1.LabelServiceName: "ext", discoveryv1.LabelManagedBy: ManagedBy}
				if d := cmp.Diff(wantLabels, s.Labels); d != "" {
					t.Errorf("labels (-want +got):\n%s", d)
				}
				if d := cmp.Diff(map[string]string{"note": "x"}, s.Annotations); d != "" {
					t.Errorf("annotations (-want +got):\n%s", d)
				}
				if len(s.OwnerReferences) != 1 || s.OwnerReferences[0].Kind != "Endpoints" || s.OwnerReferences[0].UID != "ep-uid" {
					t.Errorf("ownerReferences %+v, want the Endpoints", s.OwnerReferences)
				}
			}
		})
	}
}

func TestMirrorFollowsChanges(t *testing.T) {
	w := newWorld(userEndpoints(corev1.EndpointSubset{Addresses: ips("192.0.2.1", "192.0.2.2"), Ports: db}))
	d := w.deps()
	sync := func() {
		t.Helper()
		w.writes = nil
		if err := reconcile(t.Context(), d, "ns/ext"); err != nil {
			t.Fatal(err)
		}
	}
	sync()
	sync()
	if len(w.writes) != 0 {
		t.Errorf("unchanged Endpoints: writes %v, want none", w.writes)
	}
	name := w.summary()

	// An address goes: the same slice is rewritten.
	w.ep.Subsets[0].Addresses = ips("192.0.2.2")
	sync()
	if len(w.writes) != 1 || !strings.HasPrefix(w.writes[0], "update ext-") {
		t.Errorf("writes %v, want the slice updated", w.writes)
	}
	// The port changes: the old slice is reused for the new port set.
	w.ep.Subsets[0].Ports = []corev1.EndpointPort{{Name: "db", Port: 6432, Protocol: corev1.ProtocolTCP}}
	sync()
	if d := cmp.Diff([]string{"IPv4 db:6432: 192.0.2.2(true)"}, w.summary()); d != "" || len(w.writes) != 1 || !strings.HasPrefix(w.writes[0], "update") {
		t.Errorf("after port change (-want +got):\n%s\nwrites %v (was %v)", d, w.writes, name)
	}

	// skip-mirror, a selector, or the Endpoints or Service gone: slices go.
	for _, stop := range []func(){
		func() { w.ep.Labels[discoveryv1.LabelSkipMirror] = "true" },
		func() { w.svc.Spec.Selector = map[string]string{"app": "x"} },
		func() { w.ep = nil },
		func() { w.svc = nil },
	} {
		saveEp, saveSvc := w.ep.DeepCopy(), w.svc.DeepCopy()
		sync()
		if len(w.stored) != 1 {
			t.Fatalf("precondition: %d slices", len(w.stored))
		}
		stop()
		sync()
		if len(w.stored) != 0 {
			t.Errorf("slices %v left, want none", w.summary())
		}
		w.ep, w.svc = saveEp, saveSvc
	}
}

func TestMirrorCapsPerSubset(t *testing.T) {
	var addrs []string
	for i := range 12 {
		addrs = append(addrs, fmt.Sprintf("192.0.2.%d", i+1))
	}
	w := newWorld(userEndpoints(corev1.EndpointSubset{Addresses: ips(addrs[:8]...), NotReadyAddresses: ips(addrs[8:]...), Ports: db}))
	d := w.deps()
	d.MaxEndpointsPerSubset = 10
	if err := reconcile(t.Context(), d, "ns/ext"); err != nil {
		t.Fatal(err)
	}
	var ready, notReady int
	for _, s := range w.stored {
		for _, e := range s.Endpoints {
			if *e.Conditions.Ready {
				ready++
			} else {
				notReady++
			}
		}
	}
	if ready != 8 || notReady != 2 {
		t.Errorf("%d ready, %d not ready mirrored; want 8 and 2 (ready first, 10 at most)", ready, notReady)
	}
	if dd := cmp.Diff([]string{"Warning TooManyAddressesToMirror"}, w.events); dd != "" {
		t.Errorf("events (-want +got):\n%s", dd)
	}
}

func TestShouldMirror(t *testing.T) {
	ep := userEndpoints()
	if !shouldMirror(ep) {
		t.Error("a plain Endpoints object is mirrored")
	}
	ep.Labels[discoveryv1.LabelSkipMirror] = "true"
	if shouldMirror(ep) {
		t.Error("skip-mirror is honoured")
	}
	le := userEndpoints()
	le.Annotations["control-plane.alpha.kubernetes.io/leader"] = "{}"
	if shouldMirror(le) {
		t.Error("leader-election records are not mirrored")
	}
}

package integration

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/internal/testutil"
)

const (
	sliceControllerManaged = "endpointslice-controller.k8s.io"
	sliceMirrorManaged     = "endpointslicemirroring-controller.k8s.io"
)

// endpointSliceNode creates node-1 in zone-a.
func endpointSliceNode(t *testing.T, c kubernetes.Interface) {
	t.Helper()
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-1", Labels: map[string]string{corev1.LabelTopologyZone: "zone-a"}}}
	if _, err := c.CoreV1().Nodes().Create(t.Context(), n, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// endpointSliceList lists the slices of service svc managed by managedBy.
func endpointSliceList(ctx context.Context, c kubernetes.Interface, ns, svc, managedBy string) ([]discoveryv1.EndpointSlice, error) {
	l, err := c.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{
		LabelSelector: discoveryv1.LabelServiceName + "=" + svc + "," + discoveryv1.LabelManagedBy + "=" + managedBy})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(l.Items, func(a, b discoveryv1.EndpointSlice) int { return len(b.Endpoints) - len(a.Endpoints) })
	return l.Items, nil
}

// endpointSliceSummary describes every endpoint of slices, one sorted
// line each: target (or address), the slice's ports and the conditions.
func endpointSliceSummary(ss []discoveryv1.EndpointSlice) []string {
	var out []string
	for _, s := range ss {
		var ports []string
		for _, p := range s.Ports {
			ports = append(ports, fmt.Sprintf("%s:%d", *p.Name, *p.Port))
		}
		slices.Sort(ports)
		for _, e := range s.Endpoints {
			who := strings.Join(e.Addresses, ",")
			if e.TargetRef != nil {
				who = e.TargetRef.Name
			}
			line := fmt.Sprintf("%s [%s] ready=%v", who, strings.Join(ports, " "), deref(e.Conditions.Ready))
			if e.Conditions.Serving != nil {
				line += fmt.Sprintf(" serving=%v terminating=%v", *e.Conditions.Serving, deref(e.Conditions.Terminating))
			}
			if e.Zone != nil {
				line += " zone=" + *e.Zone
			}
			out = append(out, line)
		}
	}
	slices.Sort(out)
	return out
}

func deref(b *bool) bool { return b != nil && *b }

// endpointSliceWait polls the slices of svc until check returns "" and
// returns them.
func endpointSliceWait(t *testing.T, c kubernetes.Interface, ns, svc, managedBy string, check func([]discoveryv1.EndpointSlice) string) []discoveryv1.EndpointSlice {
	t.Helper()
	var last string
	var got []discoveryv1.EndpointSlice
	err := wait.PollUntilContextTimeout(t.Context(), 20*time.Millisecond, waitTimeout, true, func(ctx context.Context) (bool, error) {
		ss, err := endpointSliceList(ctx, c, ns, svc, managedBy)
		if err != nil {
			return false, err
		}
		got, last = ss, check(ss)
		return last == "", nil
	})
	if err != nil {
		t.Fatalf("waiting: %v; %s", err, last)
	}
	return got
}

// endpointSliceWant checks the endpoint summary and the number of slices.
func endpointSliceWant(n int, want ...string) func([]discoveryv1.EndpointSlice) string {
	return func(ss []discoveryv1.EndpointSlice) string {
		if d := cmp.Diff(want, endpointSliceSummary(ss)); d != "" {
			return "endpoints (-want +got):\n" + d
		}
		if len(ss) != n {
			return fmt.Sprintf("%d slices, want %d", len(ss), n)
		}
		return ""
	}
}

func endpointSliceNames(ss []discoveryv1.EndpointSlice) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Name)
	}
	slices.Sort(out)
	return out
}

// The EndpointSlice controller groups pods by the ports they resolve,
// reports readiness, serving and terminating as upstream, adds the node's
// zone, updates slices in place when pods change, and follows the
// selector.
func TestEndpointSliceControllerFollowsPods(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"endpointslice"}})
	c := srv.ProtobufClient(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	endpointSliceNode(t, c)
	svc, err := c.CoreV1().Services(ns).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: map[string]string{"tier": "front"}},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": "web"},
			Ports: []corev1.ServicePort{
				{Name: "http", Port: 80, TargetPort: intstr.FromString("http")},
				{Name: "metrics", Port: 9090, TargetPort: intstr.FromInt32(9100)},
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	endpointsPod(t, c, ns, "a", "web", "10.1.0.1", true, "http", 8080)
	b := endpointsPod(t, c, ns, "b", "web", "10.1.0.2", true, "http", 8081)
	endpointsPod(t, c, ns, "c", "web", "10.1.0.3", true)
	endpointsPod(t, c, ns, "other", "db", "10.1.0.9", true, "http", 8080)

	got := endpointSliceWait(t, c, ns, "web", sliceControllerManaged, endpointSliceWant(3,
		"a [http:8080 metrics:9100] ready=true serving=true terminating=false zone=zone-a",
		"b [http:8081 metrics:9100] ready=true serving=true terminating=false zone=zone-a",
		"c [metrics:9100] ready=true serving=true terminating=false zone=zone-a",
	))
	for _, s := range got {
		if s.AddressType != discoveryv1.AddressTypeIPv4 || s.Labels["tier"] != "front" || !strings.HasPrefix(s.Name, "web-") {
			t.Errorf("slice %s: addressType %s, labels %v; want IPv4, the Service's labels, a web- name", s.Name, s.AddressType, s.Labels)
		}
		if len(s.OwnerReferences) != 1 || s.OwnerReferences[0].UID != svc.UID || !deref(s.OwnerReferences[0].Controller) {
			t.Errorf("slice %s: ownerReferences %+v, want the Service as controller", s.Name, s.OwnerReferences)
		}
		if s.Annotations[corev1.EndpointsLastChangeTriggerTime] == "" {
			t.Errorf("slice %s: no %s annotation", s.Name, corev1.EndpointsLastChangeTriggerTime)
		}
		if e := s.Endpoints[0]; e.NodeName == nil || *e.NodeName != "node-1" || e.TargetRef == nil || e.TargetRef.Kind != "Pod" {
			t.Errorf("slice %s: endpoint %+v, want node-1 and a Pod target", s.Name, e)
		}
	}
	names := endpointSliceNames(got)

	// b turns unready, a is deleted (terminating on its node): both stay
	// listed, in the same slices.
	endpointsSetReady(t, c, b, false)
	if err := c.CoreV1().Pods(ns).Delete(ctx, "a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	got = endpointSliceWait(t, c, ns, "web", sliceControllerManaged, endpointSliceWant(3,
		"a [http:8080 metrics:9100] ready=false serving=true terminating=true zone=zone-a",
		"b [http:8081 metrics:9100] ready=false serving=false terminating=false zone=zone-a",
		"c [metrics:9100] ready=true serving=true terminating=false zone=zone-a",
	))
	if d := cmp.Diff(names, endpointSliceNames(got)); d != "" {
		t.Errorf("slices were replaced rather than updated (-before +after):\n%s", d)
	}

	// The selector now picks the db pod: it takes over the slice with its
	// ports, the others go.
	cur, err := c.CoreV1().Services(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cur.Spec.Selector = map[string]string{"app": "db"}
	if _, err := c.CoreV1().Services(ns).Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	got = endpointSliceWait(t, c, ns, "web", sliceControllerManaged, endpointSliceWant(1,
		"other [http:8080 metrics:9100] ready=true serving=true terminating=false zone=zone-a",
	))
	if !slices.Contains(names, got[0].Name) {
		t.Errorf("slice %s is new; want one of %v reused", got[0].Name, names)
	}

	// With no pods left a placeholder without ports or endpoints stays.
	cur, err = c.CoreV1().Services(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cur.Spec.Selector = map[string]string{"app": "none"}
	if _, err := c.CoreV1().Services(ns).Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	endpointSliceWait(t, c, ns, "web", sliceControllerManaged, func(ss []discoveryv1.EndpointSlice) string {
		if len(ss) != 1 || len(ss[0].Endpoints) != 0 || len(ss[0].Ports) != 0 {
			return fmt.Sprintf("slices %v, want one empty placeholder", endpointSliceSummary(ss))
		}
		return ""
	})
}

// More than 100 pods split into two slices; a Service publishing
// not-ready addresses marks unready pods ready (but not serving), in
// place.
func TestEndpointSliceControllerSplitsAbove100(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"endpointslice"}})
	c := srv.ProtobufClient(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	endpointSliceNode(t, c)
	if _, err := c.CoreV1().Services(ns).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "big"},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": "big"}, PublishNotReadyAddresses: true,
			Ports: []corev1.ServicePort{{Name: "http", Port: 80}},
		},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	const n = 110
	pods := make([]*corev1.Pod, n)
	var wg sync.WaitGroup
	for w := range 10 {
		wg.Go(func() {
			for i := w; i < n; i += 10 {
				pods[i] = endpointsPod(t, c, ns, fmt.Sprintf("p%03d", i), "big", fmt.Sprintf("10.3.%d.%d", i/200, i%200+1), true)
			}
		})
	}
	wg.Wait()
	// Pods arrive one by one, so how they spread depends on timing (as
	// upstream, slices are filled but never rebalanced): two slices of at
	// most 100 hold them all.
	split := func(ss []discoveryv1.EndpointSlice) string {
		total := 0
		for _, s := range ss {
			if len(s.Endpoints) > 100 {
				return fmt.Sprintf("slice %s has %d endpoints", s.Name, len(s.Endpoints))
			}
			total += len(s.Endpoints)
		}
		if len(ss) != 2 || total != n {
			return fmt.Sprintf("%d endpoints in %d slices, want %d in 2", total, len(ss), n)
		}
		return ""
	}
	got := endpointSliceWait(t, c, ns, "big", sliceControllerManaged, split)
	names := endpointSliceNames(got)

	endpointsSetReady(t, c, pods[7], false)
	got = endpointSliceWait(t, c, ns, "big", sliceControllerManaged, func(ss []discoveryv1.EndpointSlice) string {
		for _, s := range ss {
			for _, e := range s.Endpoints {
				if e.TargetRef.Name == "p007" {
					if !deref(e.Conditions.Ready) || deref(e.Conditions.Serving) {
						return fmt.Sprintf("p007 conditions %+v, want ready and not serving", e.Conditions)
					}
					return ""
				}
			}
		}
		return "p007 not listed"
	})
	if msg := split(got); msg != "" {
		t.Error(msg)
	}
	if d := cmp.Diff(names, endpointSliceNames(got)); d != "" {
		t.Errorf("slices replaced (-before +after):\n%s", d)
	}
}

// With the three controllers running: a selector-less Service's manual
// Endpoints are mirrored into slices that follow them and go away when
// mirroring is switched off; Endpoints written by the Endpoints
// controller are not mirrored; the API server's kubernetes Endpoints and
// slice are left as the server wrote them.
func TestEndpointSliceMirroring(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"endpoint", "endpointslice", "endpointslicemirroring"}})
	c := srv.ProtobufClient(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	endpointSliceNode(t, c)
	if _, err := c.CoreV1().Services(ns).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "ext"},
		Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "db", Port: 5432}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ep, err := c.CoreV1().Endpoints(ns).Create(ctx, &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: "ext", Labels: map[string]string{"team": "data"}, Annotations: map[string]string{"note": "manual"}},
		Subsets: []corev1.EndpointSubset{{
			Addresses:         []corev1.EndpointAddress{{IP: "192.0.2.1"}, {IP: "192.0.2.2"}},
			NotReadyAddresses: []corev1.EndpointAddress{{IP: "192.0.2.3"}},
			Ports:             []corev1.EndpointPort{{Name: "db", Port: 5432, Protocol: corev1.ProtocolTCP}},
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := endpointSliceWait(t, c, ns, "ext", sliceMirrorManaged, endpointSliceWant(1,
		"192.0.2.1 [db:5432] ready=true", "192.0.2.2 [db:5432] ready=true", "192.0.2.3 [db:5432] ready=false"))
	s := got[0]
	if s.Labels["team"] != "data" || s.Annotations["note"] != "manual" {
		t.Errorf("slice labels %v annotations %v, want the Endpoints' own", s.Labels, s.Annotations)
	}
	if len(s.OwnerReferences) != 1 || s.OwnerReferences[0].Kind != "Endpoints" || s.OwnerReferences[0].UID != ep.UID {
		t.Errorf("ownerReferences %+v, want the Endpoints", s.OwnerReferences)
	}

	ep.Subsets[0].Addresses = ep.Subsets[0].Addresses[:1]
	if ep, err = c.CoreV1().Endpoints(ns).Update(ctx, ep, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	got = endpointSliceWait(t, c, ns, "ext", sliceMirrorManaged, endpointSliceWant(1,
		"192.0.2.1 [db:5432] ready=true", "192.0.2.3 [db:5432] ready=false"))
	if got[0].Name != s.Name {
		t.Errorf("mirrored slice replaced: %s, then %s", s.Name, got[0].Name)
	}

	ep.Labels[discoveryv1.LabelSkipMirror] = "true"
	if _, err = c.CoreV1().Endpoints(ns).Update(ctx, ep, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	endpointSliceWait(t, c, ns, "ext", sliceMirrorManaged, endpointSliceWant(0))

	// A Service with a selector: Endpoints and slices from their own
	// controllers, no mirrored copy.
	if _, err := c.CoreV1().Services(ns).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec:       corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Name: "http", Port: 80}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	endpointsPod(t, c, ns, "w", "web", "10.4.0.1", true)
	endpointsWait(t, c, ns, "web", endpointsWantIPs("http:80 -> 10.4.0.1 |"))
	endpointSliceWait(t, c, ns, "web", sliceControllerManaged, endpointSliceWant(1,
		"w [http:80] ready=true serving=true terminating=false zone=zone-a"))
	if ss, err := endpointSliceList(ctx, c, ns, "web", sliceMirrorManaged); err != nil || len(ss) != 0 {
		t.Errorf("mirrored slices of a Service with a selector: %v, %v", endpointSliceSummary(ss), err)
	}

	all, err := c.DiscoveryV1().EndpointSlices("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Items) != 1 || all.Items[0].Name != "kubernetes" || all.Items[0].Labels[discoveryv1.LabelManagedBy] != "" {
		t.Errorf("default namespace slices = %v, want only the API server's kubernetes slice", endpointSliceNames(all.Items))
	}
}

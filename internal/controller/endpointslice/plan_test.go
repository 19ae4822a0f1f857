package endpointslice

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/utils/ptr"
)

func TestPodEndpointConditions(t *testing.T) {
	publish := testService()
	publish.Spec.PublishNotReadyAddresses = true
	for _, tc := range []struct {
		name string
		svc  *corev1.Service
		pod  *corev1.Pod
		want discoveryv1.EndpointConditions
	}{
		{"ready", testService(), testPod("a", "10.0.0.1").Obj(), conds(true, true, false)},
		{"not ready", testService(), testPod("a", "10.0.0.1").NotReady().Obj(), conds(false, false, false)},
		{"terminating, still ready", testService(), testPod("a", "10.0.0.1").Terminating().Obj(), conds(false, true, true)},
		{"terminating, not ready", testService(), testPod("a", "10.0.0.1").NotReady().Terminating().Obj(), conds(false, false, true)},
		{"publishNotReadyAddresses", publish, testPod("a", "10.0.0.1").NotReady().Terminating().Obj(), conds(true, false, true)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, _ := nodes("n1")
			got := podEndpoint(tc.pod, n, tc.svc, discoveryv1.AddressTypeIPv4)
			if d := cmp.Diff(tc.want, got.Conditions); d != "" {
				t.Errorf("conditions (-want +got):\n%s", d)
			}
			if got.Zone == nil || *got.Zone != "zone-a" || got.NodeName == nil || *got.NodeName != "n1" {
				t.Errorf("zone %v node %v, want zone-a n1", got.Zone, got.NodeName)
			}
		})
	}
}

func conds(ready, serving, terminating bool) discoveryv1.EndpointConditions {
	return discoveryv1.EndpointConditions{Ready: &ready, Serving: &serving, Terminating: &terminating}
}

func TestPodEndpointHostname(t *testing.T) {
	svc := testService()
	p := testPod("a", "10.0.0.1").Obj()
	p.Spec.Hostname = "a"
	if got := podEndpoint(p, nil, svc, discoveryv1.AddressTypeIPv4).Hostname; got != nil {
		t.Errorf("hostname %q without subdomain, want none", *got)
	}
	p.Spec.Subdomain = "web"
	if got := podEndpoint(p, nil, svc, discoveryv1.AddressTypeIPv4).Hostname; got == nil || *got != "a" {
		t.Errorf("hostname %v, want a", got)
	}
}

func TestPlan(t *testing.T) {
	svc := testService()
	all := pods(250)
	other := testService()
	other.UID = "old-uid"
	v6 := existingSlice(svc, "web-v6", nil)
	v6.AddressType = discoveryv1.AddressTypeIPv6

	for _, tc := range []struct {
		name     string
		svc      *corev1.Service
		pods     []*corev1.Pod
		existing []*discoveryv1.EndpointSlice
		want     []string
	}{{
		name: "new Service: full slices of 100",
		pods: all,
		want: []string{"create new: 100 endpoints", "create new: 100 endpoints", "create new: 50 endpoints"},
	}, {
		name: "pods resolving different ports go to different slices",
		pods: []*corev1.Pod{
			testPod("a", "10.0.0.1").Port("http", 8080).Obj(),
			testPod("b", "10.0.0.2").Port("http", 8081).Obj(),
			testPod("c", "10.0.0.3").Port("http", 8080).Obj(),
			testPod("none", "10.0.0.4").Obj(),
		},
		want: []string{"create new: none", "create new: a,c", "create new: b"},
	}, {
		name:     "nothing changed: no writes",
		pods:     all[:3],
		existing: []*discoveryv1.EndpointSlice{existingSlice(svc, "web-1", all[:3])},
	}, {
		name:     "a pod gone and one new: the slice is updated in place",
		pods:     []*corev1.Pod{all[0], all[2], all[3]},
		existing: []*discoveryv1.EndpointSlice{existingSlice(svc, "web-1", all[:3])},
		want:     []string{"update web-1: p0,p2,p3"},
	}, {
		name:     "a pod turned unready: its slice is updated",
		pods:     []*corev1.Pod{all[0], testPod("p1", "10.0.0.2").Port("http", 8080).NotReady().Obj()},
		existing: []*discoveryv1.EndpointSlice{existingSlice(svc, "web-1", all[:2])},
		want:     []string{"update web-1: p0,p1"},
	}, {
		name: "changed slices are filled before new ones, fullest first",
		pods: slices.Concat(all[1:60], all[61:150], all[200:216]),
		existing: []*discoveryv1.EndpointSlice{
			existingSlice(svc, "web-a", all[:60]),
			existingSlice(svc, "web-b", all[60:150]),
		},
		// web-b lost p60 (89 left) and is filled to 100 first; web-a lost
		// p0 (59 left) takes the 5 left of the 16 new ones.
		want: []string{"update web-a: 64 endpoints", "update web-b: 100 endpoints"},
	}, {
		name: "new endpoints go into the unchanged slice they fit best",
		pods: slices.Concat(all[:195], all[200:203]),
		existing: []*discoveryv1.EndpointSlice{
			existingSlice(svc, "web-a", all[:100]),
			existingSlice(svc, "web-b", all[100:195]),
		},
		want: []string{"update web-b: 98 endpoints"},
	}, {
		name: "too many for any unchanged slice: a new one",
		pods: slices.Concat(all[:190], all[200:220]),
		existing: []*discoveryv1.EndpointSlice{
			existingSlice(svc, "web-a", all[:100]),
			existingSlice(svc, "web-b", all[100:190]),
		},
		want: []string{"create new: 20 endpoints"},
	}, {
		name:     "a slice left empty is reused for a new one rather than deleted",
		pods:     []*corev1.Pod{testPod("n", "10.9.0.1").Port("http", 9999).Obj()},
		existing: []*discoveryv1.EndpointSlice{existingSlice(svc, "web-1", all[:2])},
		want:     []string{"update web-1: n"},
	}, {
		name:     "no pods: slices give way to a placeholder (reusing one)",
		existing: []*discoveryv1.EndpointSlice{existingSlice(svc, "web-1", all[:2]), existingSlice(svc, "web-2", all[2:4])},
		want:     []string{"update web-1: ", "delete web-2"},
	}, {
		name:     "no pods and a placeholder: no writes",
		existing: []*discoveryv1.EndpointSlice{existingSlice(svc, "web-p", nil)},
	}, {
		name:     "slices of another Service incarnation and another family are deleted",
		pods:     all[:1],
		existing: []*discoveryv1.EndpointSlice{existingSlice(other, "web-old", all[:1]), v6},
		want:     []string{"create new: p0", "delete web-v6", "delete web-old"},
	}, {
		name: "pods on unknown nodes are left out",
		pods: []*corev1.Pod{all[0], testPod("lost", "10.0.9.9").Port("http", 8080).Node("gone").Obj()},
		want: []string{"create new: p0"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			s := svc
			if tc.svc != nil {
				s = tc.svc
			}
			ch, _, err := planner{svc: s, pods: tc.pods, node: nodes, max: 100}.plan(tc.existing)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, describe(ch)); d != "" {
				t.Errorf("changes (-want +got):\n%s", d)
			}
			for _, c := range slices.Concat(ch.create, ch.update) {
				if len(c.Endpoints) > 100 {
					t.Errorf("slice %s has %d endpoints", c.Name, len(c.Endpoints))
				}
			}
		})
	}
}

func TestPlanMissingNode(t *testing.T) {
	lost := testPod("lost", "10.0.9.9").Port("http", 8080).Node("gone").Obj()
	_, skipped, err := planner{svc: testService(), pods: []*corev1.Pod{lost}, node: nodes, max: 100}.plan(nil)
	if err != nil || len(skipped) != 1 {
		t.Errorf("skipped %v, err %v; want one skipped pod", skipped, err)
	}
	publish := testService()
	publish.Spec.PublishNotReadyAddresses = true
	ch, skipped, err := planner{svc: publish, pods: []*corev1.Pod{lost}, node: nodes, max: 100}.plan(nil)
	if err != nil || len(skipped) != 0 || len(ch.create) != 1 || len(ch.create[0].Endpoints) != 1 || ch.create[0].Endpoints[0].Zone != nil {
		t.Errorf("publishNotReadyAddresses: %v, skipped %v, err %v; want the pod listed without zone", describe(ch), skipped, err)
	}
}

func TestPlanLabelsAndFamilies(t *testing.T) {
	svc := testService()
	s := existingSlice(svc, "web-1", pods(1))
	svc2 := svc.DeepCopy()
	svc2.Labels = map[string]string{"tier": "back", discoveryv1.LabelManagedBy: "someone"}
	ch, _, _ := planner{svc: svc2, pods: pods(1), node: nodes, max: 100}.plan([]*discoveryv1.EndpointSlice{s})
	if len(ch.update) != 1 {
		t.Fatalf("changes %v, want the slice's labels updated", describe(ch))
	}
	want := map[string]string{"tier": "back", discoveryv1.LabelServiceName: "web", discoveryv1.LabelManagedBy: ManagedBy}
	if d := cmp.Diff(want, ch.update[0].Labels); d != "" {
		t.Errorf("labels (-want +got):\n%s", d)
	}

	headless := testService()
	headless.Spec.ClusterIP, headless.Spec.IPFamilies = corev1.ClusterIPNone, nil
	dual := testPod("d", "10.0.0.1").Port("http", 8080).Obj()
	dual.Status.PodIPs = append(dual.Status.PodIPs, corev1.PodIP{IP: "fd00::1"})
	ch, _, _ = planner{svc: headless, pods: []*corev1.Pod{dual}, node: nodes, max: 100}.plan(nil)
	var got []string
	for _, c := range ch.create {
		got = append(got, string(c.AddressType)+" "+c.Endpoints[0].Addresses[0])
		if _, ok := c.Labels["service.kubernetes.io/headless"]; !ok {
			t.Errorf("slice labels %v, want the headless label", c.Labels)
		}
		if c.OwnerReferences[0].Kind != "Service" || !ptr.Deref(c.OwnerReferences[0].Controller, false) || c.GenerateName != "web-" {
			t.Errorf("slice meta %+v, want a Service controller reference and generateName web-", c.ObjectMeta)
		}
	}
	if d := cmp.Diff([]string{"IPv4 10.0.0.1", "IPv6 fd00::1"}, got); d != "" {
		t.Errorf("headless Service without families gets both (-want +got):\n%s", d)
	}
}

func TestSameEndpoint(t *testing.T) {
	base := podEndpoint(testPod("a", "10.0.0.1").Obj(), n1, testService(), discoveryv1.AddressTypeIPv4)
	for _, tc := range []struct {
		name string
		mut  func(*discoveryv1.Endpoint)
		same bool
	}{
		{"identical", func(*discoveryv1.Endpoint) {}, true},
		{"target resourceVersion differs", func(e *discoveryv1.Endpoint) { e.TargetRef.ResourceVersion = "9" }, true},
		{"serving differs", func(e *discoveryv1.Endpoint) { e.Conditions.Serving = ptr.To(false) }, false},
		{"zone gone", func(e *discoveryv1.Endpoint) { e.Zone = nil }, false},
		{"another pod", func(e *discoveryv1.Endpoint) { e.TargetRef.UID = "other" }, false},
		{"hints added by someone", func(e *discoveryv1.Endpoint) { e.Hints = &discoveryv1.EndpointHints{} }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := *base.DeepCopy()
			tc.mut(&b)
			if got := sameEndpoint(base, b); got != tc.same {
				t.Errorf("sameEndpoint = %v, want %v", got, tc.same)
			}
		})
	}
}

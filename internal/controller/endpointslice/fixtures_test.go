package endpointslice

import (
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

type podBuilder struct{ p *corev1.Pod }

// testPod is a ready pod labelled app=web on node n1 with ip.
func testPod(name, ip string) *podBuilder {
	return &podBuilder{p: &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID("uid-" + name), Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "c"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}},
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
	}}
}

func (b *podBuilder) NotReady() *podBuilder {
	b.p.Status.Conditions[0].Status = corev1.ConditionFalse
	return b
}

func (b *podBuilder) Terminating() *podBuilder {
	now := metav1.Now()
	b.p.DeletionTimestamp = &now
	return b
}

func (b *podBuilder) Port(name string, n int32) *podBuilder {
	b.p.Spec.Containers[0].Ports = append(b.p.Spec.Containers[0].Ports, corev1.ContainerPort{Name: name, ContainerPort: n, Protocol: corev1.ProtocolTCP})
	return b
}

func (b *podBuilder) Node(n string) *podBuilder { b.p.Spec.NodeName = n; return b }

func (b *podBuilder) Obj() *corev1.Pod { return b.p }

// pods returns n ready pods p0.. with IPs 10.0.x.y and port http 8080.
func pods(n int) []*corev1.Pod {
	out := make([]*corev1.Pod, n)
	for i := range out {
		out[i] = testPod(fmt.Sprintf("p%d", i), fmt.Sprintf("10.0.%d.%d", i/250, i%250+1)).Port("http", 8080).Obj()
	}
	return out
}

// testService selects app=web; its http port targets the named port.
func testService() *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "svc-uid", Labels: map[string]string{"tier": "front"},
			CreationTimestamp: metav1.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		Spec: corev1.ServiceSpec{
			ClusterIP:  "10.96.0.10",
			IPFamilies: []corev1.IPFamily{corev1.IPv4Protocol},
			Selector:   map[string]string{"app": "web"},
			Ports:      []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("http")}},
		},
	}
}

var n1 = &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{corev1.LabelTopologyZone: "zone-a"}}}

// nodes knows n1 in zone-a (one shared object, as an informer cache).
func nodes(name string) (*corev1.Node, error) {
	if name == "n1" {
		return n1, nil
	}
	return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "nodes"}, name)
}

// existingSlice is a stored slice of svc named name holding the endpoints
// of pods (as the planner would write them).
func existingSlice(svc *corev1.Service, name string, ps []*corev1.Pod) *discoveryv1.EndpointSlice {
	var ports []discoveryv1.EndpointPort
	if len(ps) > 0 {
		ports = endpointPorts(svc, ps[0])
	}
	s := newSlice(svc, ports, discoveryv1.AddressTypeIPv4)
	s.Name, s.GenerateName, s.ResourceVersion = name, "", "5"
	for _, p := range ps {
		n, _ := nodes(p.Spec.NodeName)
		s.Endpoints = append(s.Endpoints, podEndpoint(p, n, svc, discoveryv1.AddressTypeIPv4))
	}
	return s
}

// describe summarises changes as "create|update|delete name: pod,pod".
func describe(ch changes) []string {
	var out []string
	line := func(verb string, s *discoveryv1.EndpointSlice) string {
		name := s.Name
		if name == "" {
			name = "new"
		}
		var who []string
		for _, e := range s.Endpoints {
			who = append(who, e.TargetRef.Name)
		}
		slices.Sort(who)
		if len(who) > 5 {
			return fmt.Sprintf("%s %s: %d endpoints", verb, name, len(who))
		}
		return fmt.Sprintf("%s %s: %s", verb, name, strings.Join(who, ","))
	}
	for _, s := range ch.create {
		out = append(out, line("create", s))
	}
	for _, s := range ch.update {
		out = append(out, line("update", s))
	}
	for _, s := range ch.delete {
		out = append(out, fmt.Sprintf("delete %s", s.Name))
	}
	return out
}

package endpoints

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// t0 is when test pods turned ready or unready.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// podBuilder builds test pods: running on node n1 with an IP and a Ready
// condition, labelled app=web.
type podBuilder struct{ p *corev1.Pod }

func testPod(name, ip string) *podBuilder {
	b := &podBuilder{p: &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID("uid-" + name), Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "c"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip, PodIPs: []corev1.PodIP{{IP: ip}},
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(t0)}}},
	}}
	if ip == "" {
		b.p.Status.PodIPs = nil
	}
	return b
}

func (b *podBuilder) NotReady() *podBuilder {
	b.p.Status.Conditions[0].Status = corev1.ConditionFalse
	return b
}

func (b *podBuilder) Port(name string, n int32) *podBuilder {
	b.p.Spec.Containers[0].Ports = append(b.p.Spec.Containers[0].Ports, corev1.ContainerPort{Name: name, ContainerPort: n, Protocol: corev1.ProtocolTCP})
	return b
}

func (b *podBuilder) Terminating() *podBuilder {
	now := metav1.NewTime(t0)
	b.p.DeletionTimestamp = &now
	return b
}

func (b *podBuilder) Phase(p corev1.PodPhase) *podBuilder { b.p.Status.Phase = p; return b }

func (b *podBuilder) Obj() *corev1.Pod { return b.p }

// testService selects app=web with a named http port and a numbered one.
func testService() *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "svc-uid", Labels: map[string]string{"tier": "front"},
			CreationTimestamp: metav1.NewTime(t0.Add(-time.Hour))},
		Spec: corev1.ServiceSpec{
			ClusterIP: "10.96.0.10",
			Selector:  map[string]string{"app": "web"},
			Ports: []corev1.ServicePort{
				{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("http")},
				{Name: "metrics", Port: 9090, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(9100)},
			},
		},
	}
}

// addr is the address of the test pod name with ip.
func addr(name, ip string) corev1.EndpointAddress {
	n := "n1"
	return corev1.EndpointAddress{IP: ip, NodeName: &n, TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: "ns", Name: name, UID: types.UID("uid-" + name)}}
}

func port(name string, n int32) corev1.EndpointPort {
	return corev1.EndpointPort{Name: name, Port: n, Protocol: corev1.ProtocolTCP}
}

package endpoints

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func TestFindPort(t *testing.T) {
	p := testPod("a", "10.0.0.1").Port("http", 8080).Obj()
	p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, corev1.ContainerPort{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP})
	p.Spec.InitContainers = []corev1.Container{
		{Name: "init", Ports: []corev1.ContainerPort{{Name: "once", ContainerPort: 7000, Protocol: corev1.ProtocolTCP}}},
		{Name: "sidecar", RestartPolicy: ptr.To(corev1.ContainerRestartPolicyAlways),
			Ports: []corev1.ContainerPort{{Name: "proxy", ContainerPort: 15001, Protocol: corev1.ProtocolTCP}}},
	}
	for _, tc := range []struct {
		name   string
		target intstr.IntOrString
		proto  corev1.Protocol
		want   int32
		ok     bool
	}{
		{"number", intstr.FromInt32(9100), corev1.ProtocolTCP, 9100, true},
		{"name", intstr.FromString("http"), corev1.ProtocolTCP, 8080, true},
		{"name with the wrong protocol", intstr.FromString("http"), corev1.ProtocolUDP, 0, false},
		{"UDP name", intstr.FromString("dns"), corev1.ProtocolUDP, 53, true},
		{"sidecar init container", intstr.FromString("proxy"), corev1.ProtocolTCP, 15001, true},
		{"plain init container", intstr.FromString("once"), corev1.ProtocolTCP, 0, false},
		{"missing name", intstr.FromString("grpc"), corev1.ProtocolTCP, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FindPort(p, &corev1.ServicePort{Port: 80, Protocol: tc.proto, TargetPort: tc.target})
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("FindPort = %d, %v; want %d (found %v)", got, err, tc.want, tc.ok)
			}
		})
	}
}

func TestTriggerTracker(t *testing.T) {
	svc := testService() // created at t0-1h
	a := testPod("a", "10.0.0.1").Obj()
	b := testPod("b", "10.0.0.2").Obj()
	tr := NewTriggerTracker()

	if got, want := tr.Compute("ns/web", svc, []*corev1.Pod{a, b}), t0.Add(-time.Hour); !got.Equal(want) {
		t.Errorf("first sync = %v, want the Service's creation %v", got, want)
	}
	if got := tr.Compute("ns/web", svc, []*corev1.Pod{a, b}); !got.IsZero() {
		t.Errorf("nothing changed = %v, want zero", got)
	}
	b = b.DeepCopy()
	b.Status.Conditions[0].LastTransitionTime = metav1.NewTime(t0.Add(2 * time.Minute))
	c := testPod("c", "10.0.0.3").Obj()
	c.Status.Conditions[0].LastTransitionTime = metav1.NewTime(t0.Add(time.Minute))
	if got, want := tr.Compute("ns/web", svc, []*corev1.Pod{a, b, c}), t0.Add(time.Minute); !got.Equal(want) {
		t.Errorf("b changed, c new = %v, want the earliest of them %v", got, want)
	}
	tr.Forget("ns/web")
	if got := tr.Compute("ns/web", svc, nil); got.IsZero() {
		t.Error("after Forget the Service counts as new again")
	}
}

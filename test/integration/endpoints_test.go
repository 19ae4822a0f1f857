package integration

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/internal/testutil"
)

// endpointsPod creates a pod labelled app=app on node-1 whose containers
// expose the named ports (name, number pairs), then plays its kubelet:
// it sets its IP and phase Running, Ready as asked.
func endpointsPod(t *testing.T, c kubernetes.Interface, ns, name, app, ip string, ready bool, ports ...any) *corev1.Pod {
	t.Helper()
	p := pod(name).Node("node-1").Labels("app", app).Obj()
	for i := 0; i+1 < len(ports); i += 2 {
		p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports,
			corev1.ContainerPort{Name: ports[i].(string), ContainerPort: int32(ports[i+1].(int))})
	}
	created, err := c.CoreV1().Pods(ns).Create(t.Context(), p, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod %s: %v", name, err)
	}
	created.Status.PodIP = ip
	created.Status.PodIPs = []corev1.PodIP{{IP: ip}}
	created.Status.Phase = corev1.PodRunning
	return endpointsSetReady(t, c, created, ready)
}

// endpointsSetReady sets pod's Ready condition, as a kubelet would.
func endpointsSetReady(t *testing.T, c kubernetes.Interface, p *corev1.Pod, ready bool) *corev1.Pod {
	t.Helper()
	st := corev1.ConditionFalse
	if ready {
		st = corev1.ConditionTrue
	}
	p = p.DeepCopy()
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: st, LastTransitionTime: metav1.Now()}}
	got, err := c.CoreV1().Pods(p.Namespace).UpdateStatus(t.Context(), p, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update status of pod %s: %v", p.Name, err)
	}
	return got
}

// endpointsWait polls the Endpoints ns/name until check returns "" (it
// returns what is still wrong), and fails with the last complaint.
func endpointsWait(t *testing.T, c kubernetes.Interface, ns, name string, check func(*corev1.Endpoints) string) *corev1.Endpoints {
	t.Helper()
	var last string
	var got *corev1.Endpoints
	err := wait.PollUntilContextTimeout(t.Context(), 20*time.Millisecond, waitTimeout, true, func(ctx context.Context) (bool, error) {
		ep, err := c.CoreV1().Endpoints(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			last = "not found"
			ep = nil
		} else if err != nil {
			return false, err
		}
		last = check(ep)
		got = ep
		return last == "", nil
	})
	if err != nil {
		t.Fatalf("waiting: %v; %s", err, last)
	}
	return got
}

// endpointsIPs summarises subsets as "ready|notready" IP lists per port
// list, e.g. "http:8080 -> 10.0.0.1 | 10.0.0.2".
func endpointsIPs(ep *corev1.Endpoints) []string {
	if ep == nil {
		return nil
	}
	var out []string
	for _, s := range ep.Subsets {
		line := ""
		for _, p := range s.Ports {
			line += fmt.Sprintf("%s:%d ", p.Name, p.Port)
		}
		line += "->"
		for _, a := range s.Addresses {
			line += " " + a.IP
		}
		line += " |"
		for _, a := range s.NotReadyAddresses {
			line += " " + a.IP
		}
		out = append(out, line)
	}
	return out
}

func endpointsWantIPs(want ...string) func(*corev1.Endpoints) string {
	return func(ep *corev1.Endpoints) string {
		if ep == nil {
			return "endpoints not found"
		}
		if d := cmp.Diff(want, endpointsIPs(ep)); d != "" {
			return "subsets (-want +got):\n" + d
		}
		return ""
	}
}

// The Endpoints controller lists selected pods by readiness, resolves
// named target ports per pod, leaves out pods without the port, pods
// without an IP and terminating pods, follows readiness and selector
// changes, and deletes the Endpoints with the Service.
func TestEndpointsControllerFollowsPods(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"endpoint"}})
	c := srv.ProtobufClient(t)
	ctx := t.Context()
	ns := newNamespace(t, c)

	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: map[string]string{"tier": "front"}},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": "web"},
			Ports: []corev1.ServicePort{
				{Name: "http", Port: 80, TargetPort: intstr.FromString("http")},
				{Name: "metrics", Port: 9090, TargetPort: intstr.FromInt32(9100)},
			},
		},
	}
	if _, err := c.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	a := endpointsPod(t, c, ns, "a", "web", "10.1.0.1", true, "http", 8080)
	b := endpointsPod(t, c, ns, "b", "web", "10.1.0.2", true, "http", 8081)
	endpointsPod(t, c, ns, "c", "web", "10.1.0.3", true) // no port named http
	endpointsPod(t, c, ns, "other", "db", "10.1.0.9", true, "http", 8080)
	// A selected pod that has no IP yet is not listed.
	if _, err := c.CoreV1().Pods(ns).Create(ctx, pod("pending").Labels("app", "web").Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	got := endpointsWait(t, c, ns, "web", endpointsWantIPs(
		"http:8080 -> 10.1.0.1 |",
		"http:8081 -> 10.1.0.2 |",
		"metrics:9100 -> 10.1.0.1 10.1.0.2 10.1.0.3 |",
	))
	if got.Labels["tier"] != "front" || got.Labels["endpoints.kubernetes.io/managed-by"] != "endpoint-controller" {
		t.Errorf("labels = %v, want the Service's tier=front and managed-by endpoint-controller", got.Labels)
	}
	if _, ok := got.Labels[corev1.IsHeadlessService]; ok {
		t.Errorf("labels = %v: a Service with a cluster IP is not headless", got.Labels)
	}
	if got.Annotations[corev1.EndpointsLastChangeTriggerTime] == "" {
		t.Errorf("annotations = %v, want %s", got.Annotations, corev1.EndpointsLastChangeTriggerTime)
	}
	addr := got.Subsets[0].Addresses[0]
	if addr.TargetRef == nil || addr.TargetRef.Kind != "Pod" || addr.TargetRef.Name != "a" || addr.TargetRef.UID != a.UID ||
		addr.NodeName == nil || *addr.NodeName != "node-1" {
		t.Errorf("address = %+v, want pod a on node-1", addr)
	}

	// b turns unready: it moves to notReadyAddresses on both its ports.
	endpointsSetReady(t, c, b, false)
	endpointsWait(t, c, ns, "web", endpointsWantIPs(
		"http:8080 -> 10.1.0.1 |",
		"http:8081 -> | 10.1.0.2",
		"metrics:9100 -> 10.1.0.1 10.1.0.3 | 10.1.0.2",
	))

	// a is deleted; bound to a node it stays, terminating, and is dropped.
	if err := c.CoreV1().Pods(ns).Delete(ctx, "a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	endpointsWait(t, c, ns, "web", endpointsWantIPs(
		"http:8081 -> | 10.1.0.2",
		"metrics:9100 -> 10.1.0.3 | 10.1.0.2",
	))

	// The selector now picks the db pod only.
	cur, err := c.CoreV1().Services(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cur.Spec.Selector = map[string]string{"app": "db"}
	if _, err := c.CoreV1().Services(ns).Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	endpointsWait(t, c, ns, "web", endpointsWantIPs(
		"http:8080 metrics:9100 -> 10.1.0.9 |",
	))

	if err := c.CoreV1().Services(ns).Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	endpointsWait(t, c, ns, "web", func(ep *corev1.Endpoints) string {
		if ep != nil {
			return "endpoints still there after the Service was deleted"
		}
		return ""
	})
}

// A headless Service publishing not-ready addresses lists every pod as an
// address, carries the headless label, and publishes pods' hostnames when
// they name it as their subdomain.
func TestEndpointsControllerPublishNotReadyHeadless(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"endpoint"}})
	c := srv.ProtobufClient(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "db"},
		Spec: corev1.ServiceSpec{
			ClusterIP: corev1.ClusterIPNone, PublishNotReadyAddresses: true,
			Selector: map[string]string{"app": "db"},
			Ports:    []corev1.ServicePort{{Name: "sql", Port: 5432}},
		},
	}
	if _, err := c.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p := pod("db-0").Node("node-1").Labels("app", "db").Obj()
	p.Spec.Hostname, p.Spec.Subdomain = "db-0", "db"
	created, err := c.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created.Status.PodIP, created.Status.PodIPs, created.Status.Phase = "10.2.0.1", []corev1.PodIP{{IP: "10.2.0.1"}}, corev1.PodRunning
	endpointsSetReady(t, c, created, false)
	endpointsPod(t, c, ns, "db-1", "db", "10.2.0.2", false)

	got := endpointsWait(t, c, ns, "db", endpointsWantIPs("sql:5432 -> 10.2.0.1 10.2.0.2 |"))
	if _, ok := got.Labels[corev1.IsHeadlessService]; !ok {
		t.Errorf("labels = %v, want %s", got.Labels, corev1.IsHeadlessService)
	}
	if h := got.Subsets[0].Addresses[0].Hostname; h != "db-0" {
		t.Errorf("hostname of db-0 = %q, want db-0", h)
	}
	if h := got.Subsets[0].Addresses[1].Hostname; h != "" {
		t.Errorf("hostname of db-1 = %q, want none (no subdomain)", h)
	}
}

// The controller leaves selector-less Services' Endpoints alone, the API
// server's kubernetes Endpoints included.
func TestEndpointsControllerLeavesSelectorlessServices(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"endpoint"}})
	c := srv.ProtobufClient(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	if _, err := c.CoreV1().Services(ns).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "ext"},
		Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	manual := &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: "ext"},
		Subsets:    []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "192.0.2.1"}}, Ports: []corev1.EndpointPort{{Port: 80}}}},
	}
	if _, err := c.CoreV1().Endpoints(ns).Create(ctx, manual, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A Service with a selector in the same namespace proves the
	// controller is working when we look.
	if _, err := c.CoreV1().Services(ns).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "sel"},
		Spec:       corev1.ServiceSpec{Selector: map[string]string{"app": "x"}, Ports: []corev1.ServicePort{{Port: 80}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	endpointsWait(t, c, ns, "sel", endpointsWantIPs())
	endpointsWait(t, c, ns, "ext", endpointsWantIPs(":80 -> 192.0.2.1 |"))
	k, err := c.CoreV1().Endpoints("default").Get(ctx, "kubernetes", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(k.Subsets) != 1 || len(k.Subsets[0].Addresses) != 1 {
		t.Errorf("kubernetes endpoints = %+v, want the API server's address", k.Subsets)
	}
}

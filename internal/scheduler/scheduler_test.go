package scheduler

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"

	st "github.com/berth-dev/berth/internal/scheduler/testing"
)

// TestBindFailureRequeues checks that a failed binding drops the
// assumption and that the pod is tried again and bound.
func TestBindFailureRequeues(t *testing.T) {
	node := st.Node("n1").Capacity("cpu", "4", "memory", "4Gi", "pods", "10").Obj()
	pod := st.Pod("p").Req("cpu", "1").Obj()
	client := fake.NewClientset(node, pod)

	var mu sync.Mutex
	var binds []string
	client.PrependReactor("create", "pods", func(a clienttesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "binding" {
			return false, nil, nil
		}
		b := a.(clienttesting.CreateAction).GetObject().(*corev1.Binding)
		mu.Lock()
		defer mu.Unlock()
		binds = append(binds, b.Target.Name)
		if len(binds) == 1 {
			return true, nil, errors.New("injected bind failure")
		}
		return true, b, nil
	})

	rec := record.NewFakeRecorder(16)
	s, err := New(Config{Client: client, Informers: informers.NewSharedInformerFactory(client, 0), Recorder: rec})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Start(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	var events []string
	deadline := time.After(10 * time.Second)
	for !slicesHasPrefix(events, "Normal Scheduled") {
		select {
		case e := <-rec.Events:
			events = append(events, e)
		case <-deadline:
			t.Fatalf("no Scheduled event; events %q", events)
		}
	}
	if !slicesHasPrefix(events, "Warning FailedScheduling") {
		t.Errorf("no FailedScheduling event for the failed binding; events %q", events)
	}
	mu.Lock()
	if len(binds) != 2 || binds[1] != "n1" {
		t.Errorf("bindings %q, want two to n1", binds)
	}
	mu.Unlock()
	if !s.cache.IsAssumed(pod.UID) {
		// The fake binding does not set spec.nodeName, so the informer
		// never confirms; the second assumption must still stand.
		t.Error("pod not assumed after the successful binding")
	}
	got, err := client.CoreV1().Pods("default").Get(t.Context(), "p", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c := podScheduled(got); c == nil || c.Reason != corev1.PodReasonSchedulerError {
		t.Errorf("PodScheduled condition %+v, want reason %s", c, corev1.PodReasonSchedulerError)
	}
}

func slicesHasPrefix(events []string, prefix string) bool {
	for _, e := range events {
		if strings.HasPrefix(e, prefix) {
			return true
		}
	}
	return false
}

func podScheduled(p *corev1.Pod) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.PodScheduled {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// TestNoNodes checks upstream's wording when the cluster has no nodes.
func TestNoNodes(t *testing.T) {
	pod := st.Pod("p").Req("cpu", "1").Obj()
	client := fake.NewClientset(pod)
	rec := record.NewFakeRecorder(16)
	s, err := New(Config{Client: client, Informers: informers.NewSharedInformerFactory(client, 0), Recorder: rec})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Start(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	select {
	case e := <-rec.Events:
		if want := "Warning FailedScheduling no nodes available to schedule pods"; e != want {
			t.Errorf("event %q, want %q", e, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no FailedScheduling event")
	}
}

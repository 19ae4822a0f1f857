package integration

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/berth-dev/berth/internal/controller/podgc"
	"github.com/berth-dev/berth/internal/hollow"
	"github.com/berth-dev/berth/internal/testutil"
)

// Deleting a node makes its pods orphans: after the quarantine they are
// marked Failed with a DisruptionTarget condition and force-deleted,
// including one stuck terminating. Pods of live nodes stay.
func TestPodGCRemovesPodsOfDeletedNode(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{}})
	c := srv.Client(t)
	ctx := t.Context()
	h := hollowStart(t, c, hollow.Config{Count: 2, LeaseInterval: 100 * time.Millisecond})
	nodelifecycleRun(t, c, nodelifecycleControllers{gc: &podgc.Config{Period: 100 * time.Millisecond, Quarantine: 300 * time.Millisecond}})

	ns := newNamespace(t, c)
	for _, p := range []*corev1.Pod{pod("orphan").Node("hollow-1").Obj(), pod("stuck").Node("hollow-1").Obj(), pod("kept").Node("hollow-0").Obj()} {
		if _, err := c.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	poll(t, "pods running", func(ctx context.Context) (bool, error) {
		list, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{FieldSelector: "status.phase=Running"})
		return err == nil && len(list.Items) == 3, err
	})
	// The node's kubelet dies, then the node is deleted: nothing confirms
	// the graceful deletion of "stuck".
	if err := h.Stop("hollow-1"); err != nil {
		t.Fatal(err)
	}
	if err := c.CoreV1().Pods(ns).Delete(ctx, "stuck", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	w, err := c.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=orphan"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if err := c.CoreV1().Nodes().Delete(ctx, "hollow-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "pods of the deleted node gone", func(ctx context.Context) (bool, error) {
		for _, name := range []string{"orphan", "stuck"} {
			if _, err := c.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				return false, nil
			}
		}
		return true, nil
	})
	// The orphan was marked before it went.
	marked := false
	for !marked {
		select {
		case ev := <-w.ResultChan():
			p, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			cond := nodelifecycleCondition(p, corev1.DisruptionTarget)
			if ev.Type == watch.Deleted && !marked {
				t.Fatalf("orphan deleted without being marked; last status %+v", p.Status)
			}
			marked = p.Status.Phase == corev1.PodFailed && cond != nil && cond.Reason == "DeletionByPodGC" && cond.Message == "PodGC: node no longer exists"
		case <-time.After(waitTimeout):
			t.Fatal("no watch event marking the orphan")
		}
	}
	if p, err := c.CoreV1().Pods(ns).Get(ctx, "kept", metav1.GetOptions{}); err != nil || p.DeletionTimestamp != nil {
		t.Fatalf("pod of a live node: %v, %v", p, err)
	}
}

// Finished pods beyond the threshold are deleted, oldest first.
func TestPodGCTerminatedThreshold(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{}})
	c := srv.Client(t)
	ctx := t.Context()
	// A node without a kubelet: nothing else writes these pods' status.
	if _, err := c.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "plain"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ns := newNamespace(t, c)
	for _, name := range []string{"done-1", "done-2", "done-3", "running"} {
		p, err := c.CoreV1().Pods(ns).Create(ctx, pod(name).Node("plain").Obj(), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p.Status.Phase = corev1.PodSucceeded
		if name == "running" {
			p.Status.Phase = corev1.PodRunning
		}
		if _, err := c.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	nodelifecycleRun(t, c, nodelifecycleControllers{gc: &podgc.Config{Period: 100 * time.Millisecond, TerminatedPodThreshold: 1}})
	poll(t, "two oldest finished pods collected", func(ctx context.Context) (bool, error) {
		list, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		var names []string
		for _, p := range list.Items {
			names = append(names, p.Name)
		}
		return len(names) == 2 && names[0] == "done-3" && names[1] == "running", nil
	})
}

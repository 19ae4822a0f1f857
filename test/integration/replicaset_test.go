package integration

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/testutil"
)

func rsReplicaSet(name string, replicas int32) *appsv1.ReplicaSet {
	labels := map[string]string{"app": name}
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
			},
		},
	}
}

// rsOwnedPods lists the live pods of ns controlled by uid.
func rsOwnedPods(ctx context.Context, c kubernetes.Interface, ns string, uid types.UID) ([]corev1.Pod, error) {
	list, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	var out []corev1.Pod
	for _, p := range list.Items {
		if ref := metav1.GetControllerOf(&p); ref != nil && ref.UID == uid && p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// rsSetReady plays the kubelet for one pod: Running, and Ready or not.
func rsSetReady(ctx context.Context, c kubernetes.Interface, p *corev1.Pod, ready bool) error {
	st := corev1.ConditionFalse
	if ready {
		st = corev1.ConditionTrue
	}
	p = p.DeepCopy()
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: st, LastTransitionTime: metav1.Now()}}
	_, err := c.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{})
	return err
}

// rsWaitStatus polls the ReplicaSet until ok accepts it.
func rsWaitStatus(t *testing.T, c kubernetes.Interface, ns, name, what string, ok func(*appsv1.ReplicaSet) bool) *appsv1.ReplicaSet {
	t.Helper()
	var last *appsv1.ReplicaSet
	poll(t, what, func(ctx context.Context) (bool, error) {
		rs, err := c.AppsV1().ReplicaSets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = rs
		return ok(rs), nil
	})
	return last
}

// A ReplicaSet adopts a matching orphan, creates the rest under
// generateName "<rs>-", releases a pod relabelled away and replaces it,
// follows spec.replicas up and down, and reports its status.
func TestReplicaSetCreatesAdoptsReleasesScales(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"replicaset"}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	if _, err := c.CoreV1().Pods(ns).Create(ctx, pod("orphan").Labels("app", "web").Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rs, err := c.AppsV1().ReplicaSets(ns).Create(ctx, rsReplicaSet("web", 3), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var pods []corev1.Pod
	poll(t, "3 pods owned", func(ctx context.Context) (bool, error) {
		pods, err = rsOwnedPods(ctx, c, ns, rs.UID)
		return len(pods) == 3, err
	})
	names := []string{}
	for _, p := range pods {
		names = append(names, p.Name)
		if p.Name != "orphan" && !strings.HasPrefix(p.Name, "web-") {
			t.Errorf("pod %s is not named after its ReplicaSet", p.Name)
		}
		ref := metav1.GetControllerOf(&p)
		if ref.Kind != "ReplicaSet" || ref.APIVersion != "apps/v1" || ref.Name != "web" || !ptr.Deref(ref.BlockOwnerDeletion, false) {
			t.Errorf("pod %s controllerRef = %+v", p.Name, ref)
		}
	}
	if !slices.Contains(names, "orphan") {
		t.Fatalf("orphan not adopted: %v", names)
	}
	rsWaitStatus(t, c, ns, "web", "status 3 replicas", func(rs *appsv1.ReplicaSet) bool {
		return rs.Status.Replicas == 3 && rs.Status.FullyLabeledReplicas == 3 && rs.Status.ObservedGeneration == rs.Generation &&
			rs.Status.ReadyReplicas == 0 && ptr.Deref(rs.Status.TerminatingReplicas, -1) == 0
	})

	// Relabel one pod away: it is released (not deleted) and replaced.
	victim := pods[0].Name
	if _, err := c.CoreV1().Pods(ns).Patch(ctx, victim, types.MergePatchType, []byte(`{"metadata":{"labels":{"app":"other"}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "release and replacement", func(ctx context.Context) (bool, error) {
		p, err := c.CoreV1().Pods(ns).Get(ctx, victim, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		owned, err := rsOwnedPods(ctx, c, ns, rs.UID)
		return metav1.GetControllerOf(p) == nil && len(owned) == 3 && !slices.ContainsFunc(owned, func(o corev1.Pod) bool { return o.Name == victim }), err
	})

	for _, n := range []int32{5, 1} {
		if _, err := c.AppsV1().ReplicaSets(ns).Patch(ctx, "web", types.MergePatchType, fmt.Appendf(nil, `{"spec":{"replicas":%d}}`, n), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		poll(t, fmt.Sprintf("%d pods", n), func(ctx context.Context) (bool, error) {
			owned, err := rsOwnedPods(ctx, c, ns, rs.UID)
			return len(owned) == int(n), err
		})
		rsWaitStatus(t, c, ns, "web", fmt.Sprintf("status %d", n), func(rs *appsv1.ReplicaSet) bool {
			return rs.Status.Replicas == n && rs.Status.ObservedGeneration == rs.Generation
		})
	}
	owned, _ := rsOwnedPods(ctx, c, ns, rs.UID)
	if err := rsSetReady(ctx, c, &owned[0], true); err != nil {
		t.Fatal(err)
	}
	rsWaitStatus(t, c, ns, "web", "ready and available", func(rs *appsv1.ReplicaSet) bool {
		return rs.Status.ReadyReplicas == 1 && rs.Status.AvailableReplicas == 1
	})
	poll(t, "events", func(ctx context.Context) (bool, error) {
		evs, err := c.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		var created, deleted bool
		for _, e := range evs.Items {
			if e.Source.Component != "replicaset-controller" || e.InvolvedObject.Kind != "ReplicaSet" {
				continue
			}
			created = created || (e.Reason == "SuccessfulCreate" && strings.HasPrefix(e.Message, "Created pod: web-"))
			deleted = deleted || (e.Reason == "SuccessfulDelete" && strings.HasPrefix(e.Message, "Deleted pod: "))
		}
		return created && deleted, nil
	})

	// The work went through the "replicaset" queue, whose series the
	// server's /metrics carries under upstream's names.
	raw, err := c.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	adds := -1.0
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, `workqueue_adds_total{name="replicaset"} `); ok {
			adds, _ = strconv.ParseFloat(v, 64)
		}
	}
	if adds <= 0 {
		t.Errorf(`workqueue_adds_total{name="replicaset"} = %v, want > 0`, adds)
	}
}

// However fast pods are deleted and however many syncs run, a ReplicaSet
// never has more pods created than it needs: every pod ADDED in the
// namespace is accounted for by the replicas wanted plus the ones deleted.
func TestReplicaSetNoOverCreation(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"replicaset"}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	w, err := c.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	var mu sync.Mutex
	added := map[string]bool{}
	go func() {
		for ev := range w.ResultChan() {
			if p, ok := ev.Object.(*corev1.Pod); ok && ev.Type == watch.Added {
				mu.Lock()
				added[p.Name] = true
				mu.Unlock()
			}
		}
	}()
	rs, err := c.AppsV1().ReplicaSets(ns).Create(ctx, rsReplicaSet("burst", 40), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rsWaitStatus(t, c, ns, "burst", "40 replicas", func(rs *appsv1.ReplicaSet) bool { return rs.Status.Replicas == 40 })
	// Churn: delete pods while status updates keep the controller busy.
	owned, err := rsOwnedPods(ctx, c, ns, rs.UID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range owned[:10] {
		if err := c.CoreV1().Pods(ns).Delete(ctx, p.Name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range owned[10:20] {
		if err := rsSetReady(ctx, c, &p, true); err != nil {
			t.Fatal(err)
		}
	}
	rsWaitStatus(t, c, ns, "burst", "back to 40 with 10 ready", func(rs *appsv1.ReplicaSet) bool {
		return rs.Status.Replicas == 40 && rs.Status.ReadyReplicas == 10
	})
	poll(t, "watch caught up", func(ctx context.Context) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		return len(added) >= 50, nil
	})
	// Give any stray create a chance to show, then count.
	if err := rsQuiet(ctx, 500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(added) != 50 {
		t.Fatalf("%d pods were created, want exactly 40 + 10 replacements", len(added))
	}
	list, _ := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if len(list.Items) != 40 {
		t.Fatalf("%d pods exist, want 40", len(list.Items))
	}
}

// rsQuiet blocks for d unless ctx ends (a deliberate quiet period, not a
// wait for a condition).
func rsQuiet(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// A ready pod counts as available only minReadySeconds after it became
// ready, and the ReplicaSet notices on its own, with no further event.
func TestReplicaSetMinReadySeconds(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"replicaset"}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	in := rsReplicaSet("slow", 2)
	in.Spec.MinReadySeconds = 2
	rs, err := c.AppsV1().ReplicaSets(ns).Create(ctx, in, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var owned []corev1.Pod
	poll(t, "2 pods", func(ctx context.Context) (bool, error) {
		owned, err = rsOwnedPods(ctx, c, ns, rs.UID)
		return len(owned) == 2, err
	})
	readyAt := time.Now()
	for _, p := range owned {
		if err := rsSetReady(ctx, c, &p, true); err != nil {
			t.Fatal(err)
		}
	}
	got := rsWaitStatus(t, c, ns, "slow", "2 ready", func(rs *appsv1.ReplicaSet) bool { return rs.Status.ReadyReplicas == 2 })
	if got.Status.AvailableReplicas != 0 && time.Since(readyAt) < time.Second {
		t.Fatalf("available %d right after becoming ready, want 0 before minReadySeconds", got.Status.AvailableReplicas)
	}
	rsWaitStatus(t, c, ns, "slow", "2 available", func(rs *appsv1.ReplicaSet) bool { return rs.Status.AvailableReplicas == 2 })
	if since := time.Since(readyAt); since < time.Second {
		t.Fatalf("available after %v, before minReadySeconds (2s, LastTransitionTime has second precision)", since)
	}
}

// Pods the API refuses to create give FailedCreate events and a
// ReplicaFailure condition, which goes once creation works again.
func TestReplicaSetFailedCreate(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"replicaset"}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	class := "rs-" + ns
	in := rsReplicaSet("doomed", 2)
	in.Spec.Template.Spec.PriorityClassName = class
	if _, err := c.AppsV1().ReplicaSets(ns).Create(ctx, in, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rsWaitStatus(t, c, ns, "doomed", "ReplicaFailure", func(rs *appsv1.ReplicaSet) bool {
		for _, cond := range rs.Status.Conditions {
			if cond.Type == appsv1.ReplicaSetReplicaFailure && cond.Status == corev1.ConditionTrue && cond.Reason == "FailedCreate" &&
				strings.Contains(cond.Message, "PriorityClass") {
				return true
			}
		}
		return false
	})
	poll(t, "FailedCreate event", func(ctx context.Context) (bool, error) {
		evs, err := c.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, e := range evs.Items {
			if e.Reason == "FailedCreate" && e.Type == corev1.EventTypeWarning && strings.HasPrefix(e.Message, "Error creating: ") {
				return true, nil
			}
		}
		return false, nil
	})
	if _, err := c.SchedulingV1().PriorityClasses().Create(ctx, &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: class}, Value: 10}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.SchedulingV1().PriorityClasses().Delete(context.Background(), class, metav1.DeleteOptions{})
	})
	// The controller retries with backoff; the condition goes once the
	// pods exist.
	err := rsWaitLong(ctx, func(ctx context.Context) (bool, error) {
		rs, err := c.AppsV1().ReplicaSets(ns).Get(ctx, "doomed", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return rs.Status.Replicas == 2 && len(rs.Status.Conditions) == 0, nil
	})
	if err != nil {
		t.Fatalf("ReplicaSet never recovered: %v", err)
	}
}

// A ReplicationController runs the same logic: pods controlled by the
// ReplicationController, its status, and events from
// "replication-controller".
func TestReplicaSetReplicationController(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"replicationcontroller"}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	labels := map[string]string{"app": "legacy"}
	rc, err := c.CoreV1().ReplicationControllers(ns).Create(ctx, &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Name: "legacy"},
		Spec: corev1.ReplicationControllerSpec{Replicas: ptr.To(int32(2)), Selector: labels,
			Template: &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var owned []corev1.Pod
	poll(t, "2 pods", func(ctx context.Context) (bool, error) {
		owned, err = rsOwnedPods(ctx, c, ns, rc.UID)
		return len(owned) == 2, err
	})
	for _, p := range owned {
		ref := metav1.GetControllerOf(&p)
		if ref.Kind != "ReplicationController" || ref.APIVersion != "v1" || !strings.HasPrefix(p.Name, "legacy-") {
			t.Errorf("pod %s controllerRef %+v", p.Name, ref)
		}
	}
	if err := rsSetReady(ctx, c, &owned[0], true); err != nil {
		t.Fatal(err)
	}
	poll(t, "RC status", func(ctx context.Context) (bool, error) {
		rc, err := c.CoreV1().ReplicationControllers(ns).Get(ctx, "legacy", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		st := rc.Status
		return st.Replicas == 2 && st.FullyLabeledReplicas == 2 && st.ReadyReplicas == 1 && st.AvailableReplicas == 1 && st.ObservedGeneration == rc.Generation, nil
	})
	poll(t, "events", func(ctx context.Context) (bool, error) {
		evs, err := c.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, e := range evs.Items {
			if e.Source.Component == "replication-controller" && e.Reason == "SuccessfulCreate" && e.InvolvedObject.Kind == "ReplicationController" {
				return true, nil
			}
		}
		return false, nil
	})
}

// rsWaitLong polls for up to 30s (controller backoff can exceed the
// package's default wait).
func rsWaitLong(ctx context.Context, cond func(ctx context.Context) (bool, error)) error {
	return wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, cond)
}

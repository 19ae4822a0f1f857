package deployment

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

var start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// world is the API as the deployment controller sees it, with a
// simulated ReplicaSet controller: settle brings every ReplicaSet's
// status.replicas to its spec, and available pods follow ready.
type world struct {
	d      *appsv1.Deployment
	rss    map[string]*appsv1.ReplicaSet
	ready  map[string]int32 // available pods per ReplicaSet
	pods   map[types.UID][]*corev1.Pod
	events []string
	clock  *clocktesting.FakeClock
	n      int
}

func newWorld(d *appsv1.Deployment) *world {
	return &world{d: d, rss: map[string]*appsv1.ReplicaSet{}, ready: map[string]int32{}, clock: clocktesting.NewFakeClock(start)}
}

func (w *world) deps() Deps {
	notFound := func(n string) error { return apierrors.NewNotFound(schema.GroupResource{Resource: "replicasets"}, n) }
	return Deps{
		Get: func(string, string) (*appsv1.Deployment, error) { return w.d.DeepCopy(), nil },
		ReplicaSets: func(context.Context, *appsv1.Deployment) ([]*appsv1.ReplicaSet, error) {
			var out []*appsv1.ReplicaSet
			for _, rs := range w.rss {
				out = append(out, rs.DeepCopy())
			}
			return out, nil
		},
		Pods: func(*appsv1.Deployment, []*appsv1.ReplicaSet) (map[types.UID][]*corev1.Pod, error) {
			return w.pods, nil
		},
		GetReplicaSet: func(_, name string) (*appsv1.ReplicaSet, error) {
			if rs, ok := w.rss[name]; ok {
				return rs.DeepCopy(), nil
			}
			return nil, notFound(name)
		},
		CreateReplicaSet: func(_ context.Context, rs *appsv1.ReplicaSet) (*appsv1.ReplicaSet, error) {
			if _, ok := w.rss[rs.Name]; ok {
				return nil, apierrors.NewAlreadyExists(schema.GroupResource{Resource: "replicasets"}, rs.Name)
			}
			rs = rs.DeepCopy()
			w.n++
			rs.UID = types.UID(fmt.Sprint("rs-", w.n))
			rs.CreationTimestamp = metav1.NewTime(start.Add(time.Duration(w.n) * time.Second))
			rs.Generation = 1
			w.rss[rs.Name] = rs
			return rs.DeepCopy(), nil
		},
		UpdateReplicaSet: func(_ context.Context, rs *appsv1.ReplicaSet) (*appsv1.ReplicaSet, error) {
			old, ok := w.rss[rs.Name]
			if !ok {
				return nil, notFound(rs.Name)
			}
			rs = rs.DeepCopy()
			rs.Status = old.Status
			rs.Generation = old.Generation
			if *rs.Spec.Replicas != *old.Spec.Replicas {
				rs.Generation++
			}
			w.rss[rs.Name] = rs
			return rs.DeepCopy(), nil
		},
		DeleteReplicaSet: func(_ context.Context, _, name string) error {
			delete(w.rss, name)
			return nil
		},
		UpdateStatus: func(_ context.Context, d *appsv1.Deployment) (*appsv1.Deployment, error) {
			// As upstream's status endpoint: status and annotations.
			w.d.Status = *d.Status.DeepCopy()
			w.d.Annotations = d.Annotations
			return w.d.DeepCopy(), nil
		},
		Event: func(_ *appsv1.Deployment, _, reason, msg string) { w.events = append(w.events, reason+": "+msg) },
		Now:   w.clock.Now,
	}
}

func (w *world) sync(t *testing.T) time.Duration {
	t.Helper()
	res, err := reconcile(t.Context(), w.deps(), "ns/"+w.d.Name)
	if err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	return res.RequeueAfter
}

// settle plays the ReplicaSet controller: pods follow spec.replicas; of
// them, ready[rs] are available (scale-down removes unavailable pods
// first, as the deletion ranking does).
func (w *world) settle() {
	for name, rs := range w.rss {
		n := *rs.Spec.Replicas
		w.ready[name] = min(w.ready[name], n)
		rs.Status = appsv1.ReplicaSetStatus{Replicas: n, FullyLabeledReplicas: n, ReadyReplicas: w.ready[name],
			AvailableReplicas: w.ready[name], ObservedGeneration: rs.Generation, TerminatingReplicas: ptr.To(int32(0))}
	}
}

// makeReady marks up to n more pods of the new ReplicaSet available.
func (w *world) makeReady(n int32) {
	rs := w.newRS()
	w.ready[rs.Name] = min(w.ready[rs.Name]+n, *rs.Spec.Replicas)
	w.settle()
}

func (w *world) newRS() *appsv1.ReplicaSet {
	for _, rs := range w.rss {
		if equalIgnoreHash(&rs.Spec.Template, &w.d.Spec.Template) {
			return rs
		}
	}
	return nil
}

// rollout starts d and brings it to completion with all pods ready.
func (w *world) complete(t *testing.T) {
	t.Helper()
	for range 20 {
		w.sync(t)
		w.settle()
		for name, rs := range w.rss {
			w.ready[name] = *rs.Spec.Replicas
		}
		w.settle()
		if complete(w.d, &w.d.Status) && len(active(slices.Collect(mapValues(w.rss)))) == 1 {
			w.sync(t)
			return
		}
	}
	t.Fatalf("rollout did not complete: %+v", w.d.Status)
}

func mapValues(m map[string]*appsv1.ReplicaSet) func(func(*appsv1.ReplicaSet) bool) {
	return func(yield func(*appsv1.ReplicaSet) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

func (w *world) sizes() (specSum, available int32) {
	for _, rs := range w.rss {
		specSum += *rs.Spec.Replicas
		available += rs.Status.AvailableReplicas
	}
	return
}

// A rolling update of 10 replicas with maxSurge 3 and maxUnavailable 2
// takes upstream's steps, and at no point do the ReplicaSets exceed 13
// replicas or available pods drop below 8, whatever the pace of
// readiness.
func TestRollingUpdateSteps(t *testing.T) {
	d := testDeployment("web", 10)
	d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxSurge: ptr.To(intstr.FromInt32(3)), MaxUnavailable: ptr.To(intstr.FromInt32(2))}
	w := newWorld(d)
	w.complete(t)
	oldName := w.newRS().Name
	if len(w.rss) != 1 || !strings.HasPrefix(oldName, "web-") || w.d.Annotations[RevisionAnnotation] != "1" {
		t.Fatalf("first rollout: %v, annotations %v", w.rss, w.d.Annotations)
	}
	w.d.Spec.Template.Spec.Containers[0].Image = "i:2"
	w.d.Generation++
	w.sync(t)
	newRS := w.newRS()
	// Created at the surge ceiling, then old scaled down by the
	// unavailable budget in the same sync.
	if *newRS.Spec.Replicas != 3 || *w.rss[oldName].Spec.Replicas != 8 {
		t.Fatalf("first step: new %d, old %d; want 3 and 8", *newRS.Spec.Replicas, *w.rss[oldName].Spec.Replicas)
	}
	want := []string{
		fmt.Sprintf("ScalingReplicaSet: Scaled up replica set %s from 0 to 3", newRS.Name),
		fmt.Sprintf("ScalingReplicaSet: Scaled down replica set %s from 10 to 8", oldName),
	}
	if !slices.Equal(w.events[len(w.events)-2:], want) {
		t.Errorf("events %q, want %q", w.events[len(w.events)-2:], want)
	}
	if c := getCondition(w.d.Status, appsv1.DeploymentProgressing); c == nil || c.Reason != ReasonRSUpdated && c.Reason != ReasonNewRSCreated {
		t.Errorf("progressing condition %+v", c)
	}
	w.settle()
	for step := 0; step < 40 && !complete(w.d, &w.d.Status); step++ {
		w.sync(t)
		w.settle()
		if sum, avail := w.sizes(); sum > 13 || avail < 8 {
			t.Fatalf("step %d: replicas %d (max 13), available %d (min 8)", step, sum, avail)
		}
		if step%2 == 1 {
			w.makeReady(1)
		}
	}
	w.sync(t)
	if !complete(w.d, &w.d.Status) || *w.rss[oldName].Spec.Replicas != 0 || w.d.Annotations[RevisionAnnotation] != "2" {
		t.Fatalf("not complete: %+v, old %d", w.d.Status, *w.rss[oldName].Spec.Replicas)
	}
	if c := getCondition(w.d.Status, appsv1.DeploymentProgressing); c.Reason != ReasonNewRSAvailable || c.Message != fmt.Sprintf("ReplicaSet %q has successfully progressed.", newRS.Name) {
		t.Errorf("progressing %+v", c)
	}
}

// Scaling mid-rollout spreads the change over the ReplicaSets in
// proportion to their sizes; leftovers go to the largest.
func TestProportionalScaling(t *testing.T) {
	d := testDeployment("web", 10)
	d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxSurge: ptr.To(intstr.FromInt32(3)), MaxUnavailable: ptr.To(intstr.FromInt32(2))}
	w := newWorld(d)
	w.complete(t)
	oldName := w.newRS().Name
	w.d.Spec.Template.Spec.Containers[0].Image = "i:2"
	w.d.Generation++
	w.sync(t)
	w.settle()
	w.sync(t) // new grows to 5 (surge), old stays 8
	w.settle()
	newName := w.newRS().Name
	if *w.rss[newName].Spec.Replicas != 5 || *w.rss[oldName].Spec.Replicas != 8 {
		t.Fatalf("before scaling: new %d old %d", *w.rss[newName].Spec.Replicas, *w.rss[oldName].Spec.Replicas)
	}
	// 10 → 20: max 13 → 23 (surge 3). Old 8/13 of 23 = 14.15 → 14; new
	// 5/13 of 23 = 8.85 → 9. Total 23.
	w.d.Spec.Replicas = ptr.To(int32(20))
	w.d.Generation++
	w.sync(t)
	if o, n := *w.rss[oldName].Spec.Replicas, *w.rss[newName].Spec.Replicas; o != 14 || n != 9 {
		t.Fatalf("after scaling to 20: old %d new %d; want 14 and 9", o, n)
	}
	for _, rs := range w.rss {
		if rs.Annotations[DesiredReplicasAnnotation] != "20" || rs.Annotations[MaxReplicasAnnotation] != "23" {
			t.Errorf("%s annotations %v", rs.Name, rs.Annotations)
		}
	}
	// 20 → 5: max 8 (surge 3). Old 14/23 of 8 = 4.9 → 5; new 9/23 of 8
	// = 3.1 → 3.
	w.settle()
	w.d.Spec.Replicas = ptr.To(int32(5))
	w.d.Generation++
	w.sync(t)
	if o, n := *w.rss[oldName].Spec.Replicas, *w.rss[newName].Spec.Replicas; o+n != 8 || o != 5 || n != 3 {
		t.Fatalf("after scaling to 5: old %d new %d; want 5 and 3", o, n)
	}
}

// Recreate scales old ReplicaSets to zero and waits for their pods to be
// gone before creating the new one.
func TestRecreateWaitsForOldPods(t *testing.T) {
	d := testDeployment("db", 3)
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	w := newWorld(d)
	w.complete(t)
	old := w.newRS()
	w.d.Spec.Template.Spec.Containers[0].Image = "i:2"
	w.d.Generation++
	w.sync(t)
	if *w.rss[old.Name].Spec.Replicas != 0 || len(w.rss) != 1 {
		t.Fatalf("old not scaled to 0 first: %d replica sets", len(w.rss))
	}
	w.settle()
	// A pod of the old ReplicaSet is still terminating.
	ts := metav1.NewTime(start)
	w.pods = map[types.UID][]*corev1.Pod{old.UID: {{ObjectMeta: metav1.ObjectMeta{Name: "p", DeletionTimestamp: &ts}, Status: corev1.PodStatus{Phase: corev1.PodRunning}}}}
	w.sync(t)
	if len(w.rss) != 1 {
		t.Fatal("new replica set created while an old pod runs")
	}
	w.pods[old.UID][0].Status.Phase = corev1.PodSucceeded
	w.sync(t)
	if rs := w.newRS(); rs == nil || *rs.Spec.Replicas != 3 {
		t.Fatalf("new replica set %+v", rs)
	}
}

// A paused Deployment scales but does not roll out, and records pause
// and resume in its Progressing condition.
func TestPausedScalesOnly(t *testing.T) {
	w := newWorld(testDeployment("web", 2))
	w.complete(t)
	old := w.newRS().Name
	w.d.Spec.Paused = true
	w.d.Spec.Template.Spec.Containers[0].Image = "i:2"
	w.d.Spec.Replicas = ptr.To(int32(4))
	w.d.Generation++
	w.sync(t)
	if len(w.rss) != 1 || *w.rss[old].Spec.Replicas != 4 {
		t.Fatalf("paused: %d replica sets, old size %d", len(w.rss), *w.rss[old].Spec.Replicas)
	}
	c := getCondition(w.d.Status, appsv1.DeploymentProgressing)
	if c.Reason != ReasonPaused || c.Status != corev1.ConditionUnknown || w.d.Status.ObservedGeneration != w.d.Generation {
		t.Fatalf("paused status %+v", w.d.Status)
	}
	w.d.Spec.Paused = false
	w.d.Generation++
	w.sync(t)
	if w.newRS() == nil {
		t.Fatal("resumed deployment did not roll out")
	}
	if c := getCondition(w.d.Status, appsv1.DeploymentProgressing); c.Reason == ReasonPaused {
		t.Fatalf("condition still paused: %+v", c)
	}
}

// A rollout with no progress times out after progressDeadlineSeconds,
// and the controller asks to be woken then.
func TestProgressDeadline(t *testing.T) {
	d := testDeployment("web", 2)
	d.Spec.ProgressDeadlineSeconds = ptr.To(int32(60))
	w := newWorld(d)
	w.sync(t)
	w.settle()
	w.sync(t) // progress: ReplicaSetUpdated
	// Nothing changes now: the status write is skipped and the
	// controller asks to look again at the deadline.
	after := w.sync(t)
	if after < 60*time.Second || after > 62*time.Second {
		t.Fatalf("requeue after %v, want the deadline (60s) plus a second", after)
	}
	w.clock.Step(30 * time.Second)
	w.sync(t)
	if c := getCondition(w.d.Status, appsv1.DeploymentProgressing); c.Reason == ReasonTimedOut {
		t.Fatal("timed out before the deadline")
	}
	w.clock.Step(31 * time.Second)
	w.sync(t)
	c := getCondition(w.d.Status, appsv1.DeploymentProgressing)
	if c.Reason != ReasonTimedOut || c.Status != corev1.ConditionFalse || !strings.HasSuffix(c.Message, "has timed out progressing.") {
		t.Fatalf("condition %+v", c)
	}
	if a := getCondition(w.d.Status, appsv1.DeploymentAvailable); a.Reason != ReasonMinUnavailable {
		t.Errorf("available %+v", a)
	}
	// Progress replaces the timeout; here the rollout completes.
	w.makeReady(2)
	w.sync(t)
	if c := getCondition(w.d.Status, appsv1.DeploymentProgressing); c.Reason != ReasonNewRSAvailable {
		t.Fatalf("after completion: %+v", c)
	}
}

// Old ReplicaSets beyond revisionHistoryLimit are deleted once the
// rollout completes, oldest revision first.
func TestHistoryCleanup(t *testing.T) {
	d := testDeployment("web", 1)
	d.Spec.RevisionHistoryLimit = ptr.To(int32(1))
	w := newWorld(d)
	w.complete(t)
	first := w.newRS().Name
	for _, img := range []string{"i:2", "i:3"} {
		w.d.Spec.Template.Spec.Containers[0].Image = img
		w.d.Generation++
		w.complete(t)
	}
	if len(w.rss) != 2 {
		t.Fatalf("%d replica sets kept, want the new one and 1 old", len(w.rss))
	}
	if _, ok := w.rss[first]; ok {
		t.Fatal("the oldest revision was kept")
	}
	if w.d.Annotations[RevisionAnnotation] != "3" {
		t.Errorf("revision %q", w.d.Annotations[RevisionAnnotation])
	}
}

// A ReplicaSet of another template holding the name is a hash
// collision: collisionCount goes up and the next name differs.
func TestHashCollision(t *testing.T) {
	w := newWorld(testDeployment("web", 1))
	hash := ComputeHash(&w.d.Spec.Template, nil)
	squatter := testRS("web-"+hash, 0)
	squatter.Spec.Template.Spec.Containers = []corev1.Container{{Name: "other", Image: "x"}}
	w.rss[squatter.Name] = squatter
	if _, err := reconcile(t.Context(), w.deps(), "ns/web"); !apierrors.IsAlreadyExists(err) {
		t.Fatalf("err %v, want AlreadyExists", err)
	}
	if ptr.Deref(w.d.Status.CollisionCount, 0) != 1 {
		t.Fatalf("collisionCount %v", w.d.Status.CollisionCount)
	}
	w.sync(t)
	if rs := w.newRS(); rs == nil || rs.Name != "web-"+ComputeHash(&w.d.Spec.Template, ptr.To(int32(1))) {
		t.Fatalf("new replica set %+v", rs)
	}
}

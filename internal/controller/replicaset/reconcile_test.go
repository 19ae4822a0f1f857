package replicaset

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/controller/expectations"
)

// world is what reconcile observes and changes. Created pods reach the
// cache only when the test says (a slow watch).
type world struct {
	mu       sync.Mutex
	rs       *appsv1.ReplicaSet
	pods     []*corev1.Pod
	created  []*corev1.Pod
	deleted  []string
	events   []string
	failFrom int // creations after this many succeed fail (0: never)
	attempts int
	clock    *clocktesting.FakeClock
	exp      *expectations.Expectations
}

func newWorld(replicas int32) *world {
	clk := clocktesting.NewFakeClock(now)
	lbl := map[string]string{"app": "web"}
	return &world{
		clock: clk, exp: expectations.New(clk),
		rs: &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "rs-uid", Generation: 1},
			Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To(replicas), Selector: &metav1.LabelSelector{MatchLabels: lbl},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: lbl}}},
		},
	}
}

func (w *world) deps() Deps {
	return Deps{
		Kind: appsv1.SchemeGroupVersion.WithKind("ReplicaSet"),
		Get: func(string, string) (*appsv1.ReplicaSet, error) {
			if w.rs == nil {
				return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "replicasets"}, "web")
			}
			return w.rs.DeepCopy(), nil
		},
		Pods:    func(string) ([]*corev1.Pod, error) { return w.pods, nil },
		Related: func(*appsv1.ReplicaSet) ([]*corev1.Pod, error) { return w.pods, nil },
		Claim: func(_ context.Context, rs *appsv1.ReplicaSet, sel labels.Selector, pods []*corev1.Pod) ([]*corev1.Pod, error) {
			var out []*corev1.Pod
			for _, p := range pods {
				if ref := metav1.GetControllerOf(p); ref != nil && ref.UID == rs.UID && sel.Matches(labels.Set(p.Labels)) {
					out = append(out, p)
				}
			}
			return out, nil
		},
		CreatePod: func(_ context.Context, p *corev1.Pod) (*corev1.Pod, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.attempts++
			if w.failFrom > 0 && w.attempts > w.failFrom {
				return nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", errors.New("exceeded quota"))
			}
			p = p.DeepCopy()
			p.Name = fmt.Sprintf("%s%d", p.GenerateName, len(w.created))
			p.UID = types.UID(p.Name)
			w.created = append(w.created, p)
			return p, nil
		},
		DeletePod: func(_ context.Context, _, name string) error {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.deleted = append(w.deleted, name)
			return nil
		},
		UpdateStatus: func(_ context.Context, rs *appsv1.ReplicaSet) (*appsv1.ReplicaSet, error) {
			w.rs = rs.DeepCopy()
			return rs, nil
		},
		Event: func(_ *appsv1.ReplicaSet, _, reason, msg string) {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.events = append(w.events, reason+": "+msg)
		},
		Expectations:     w.exp,
		Now:              w.clock.Now,
		CountTerminating: true,
	}
}

// observe delivers the created pods to the cache, as the informer would.
func (w *world) observe() {
	for _, p := range w.created {
		w.pods = append(w.pods, p)
		w.exp.CreationObserved("ns/web")
	}
	w.created = nil
}

func TestReconcileCreatesOnceUntilObserved(t *testing.T) {
	w := newWorld(3)
	d := w.deps()
	if _, err := reconcile(t.Context(), d, "ns/web"); err != nil {
		t.Fatal(err)
	}
	if len(w.created) != 3 || w.created[0].GenerateName != "web-" || metav1.GetControllerOf(w.created[0]).Kind != "ReplicaSet" {
		t.Fatalf("created %d pods (%+v), want 3 named web-…", len(w.created), w.created)
	}
	// The watch is slow: a second sync must not create again.
	if _, err := reconcile(t.Context(), d, "ns/web"); err != nil {
		t.Fatal(err)
	}
	if w.attempts != 3 {
		t.Fatalf("%d creations before the first were observed, want 3", w.attempts)
	}
	w.observe()
	if _, err := reconcile(t.Context(), d, "ns/web"); err != nil {
		t.Fatal(err)
	}
	if w.attempts != 3 || w.rs.Status.Replicas != 3 || w.rs.Status.FullyLabeledReplicas != 3 || w.rs.Status.ObservedGeneration != 1 {
		t.Fatalf("attempts %d, status %+v", w.attempts, w.rs.Status)
	}
	// Expectations are trusted only for a while: a lost watch event does
	// not block the ReplicaSet forever.
	w.created, w.pods = nil, w.pods[:2]
	w.exp.ExpectCreations("ns/web", 1)
	if _, err := reconcile(t.Context(), d, "ns/web"); err != nil || w.attempts != 3 {
		t.Fatalf("created with an unexpired expectation: attempts %d, %v", w.attempts, err)
	}
	w.clock.Step(expectations.TTL + time.Second)
	if _, err := reconcile(t.Context(), d, "ns/web"); err != nil || w.attempts != 4 {
		t.Fatalf("did not act after expectations expired: attempts %d, %v", w.attempts, err)
	}
}

func TestReconcileSlowStartAndFailure(t *testing.T) {
	for _, tc := range []struct {
		want, failFrom, attempts int
	}{
		{want: 10, failFrom: 0, attempts: 10}, // batches 1,2,4,3
		{want: 10, failFrom: 1, attempts: 3},  // 1 ok, then a batch of 2 fails: stop
		{want: 10, failFrom: 3, attempts: 7},  // 1, 2 ok, the batch of 4 fails
		{want: 600, failFrom: 0, attempts: BurstReplicas},
	} {
		t.Run(fmt.Sprintf("%d/%d", tc.want, tc.failFrom), func(t *testing.T) {
			w := newWorld(int32(tc.want))
			w.failFrom = tc.failFrom
			_, err := reconcile(t.Context(), w.deps(), "ns/web")
			if w.attempts != tc.attempts {
				t.Errorf("%d create attempts, want %d", w.attempts, tc.attempts)
			}
			if (err != nil) != (tc.failFrom > 0) {
				t.Errorf("error %v", err)
			}
			w.observe()
			// Failed and skipped creations are not waited for.
			if !w.exp.Satisfied("ns/web") {
				t.Errorf("expectations still pending after every create was answered")
			}
			cond := condition(w.rs.Status, appsv1.ReplicaSetReplicaFailure)
			if tc.failFrom > 0 {
				if cond == nil || cond.Reason != "FailedCreate" || cond.Status != corev1.ConditionTrue {
					t.Fatalf("ReplicaFailure condition %+v", cond)
				}
				w.failFrom = 0
				if _, err := reconcile(t.Context(), w.deps(), "ns/web"); err != nil {
					t.Fatal(err)
				}
				if condition(w.rs.Status, appsv1.ReplicaSetReplicaFailure) != nil {
					t.Errorf("ReplicaFailure kept after creations succeeded")
				}
			} else if cond != nil {
				t.Errorf("unexpected condition %+v", cond)
			}
		})
	}
}

func TestReconcileDeletesLeastEstablished(t *testing.T) {
	w := newWorld(2)
	own := func(b *podB) *corev1.Pod { return b.owner("rs-uid").labels(map[string]string{"app": "web"}).obj() }
	w.pods = []*corev1.Pod{
		own(newPod("ready").node("n").phase(corev1.PodRunning).readyFor(time.Hour)),
		own(newPod("pending").node("n").phase(corev1.PodPending)),
		own(newPod("ready2").node("n").phase(corev1.PodRunning).readyFor(2 * time.Hour)),
		own(newPod("unassigned")),
		own(newPod("gone").deleting()),
	}
	if _, err := reconcile(t.Context(), w.deps(), "ns/web"); err != nil {
		t.Fatal(err)
	}
	if len(w.deleted) != 2 || !slices.Contains(w.deleted, "pending") || !slices.Contains(w.deleted, "unassigned") {
		t.Fatalf("deleted %v, want pending and unassigned", w.deleted)
	}
	if w.exp.Satisfied("ns/web") {
		t.Fatalf("deletions not expected")
	}
	if got := ptr.Deref(w.rs.Status.TerminatingReplicas, -1); got != 1 {
		t.Errorf("terminatingReplicas %d, want 1", got)
	}
	// Until the deletions are seen, nothing more is deleted.
	w.deleted = nil
	if _, err := reconcile(t.Context(), w.deps(), "ns/web"); err != nil || len(w.deleted) != 0 {
		t.Fatalf("deleted again before observing: %v %v", w.deleted, err)
	}
	w.exp.DeletionObserved("ns/web", "pending")
	w.exp.DeletionObserved("ns/web", "unassigned")
	if !w.exp.Satisfied("ns/web") {
		t.Fatal("expectations not satisfied after both deletions were seen")
	}
}

func TestReconcileAvailability(t *testing.T) {
	w := newWorld(3)
	w.rs.Spec.MinReadySeconds = 10
	own := func(b *podB) *corev1.Pod { return b.owner("rs-uid").labels(map[string]string{"app": "web"}).obj() }
	w.pods = []*corev1.Pod{
		own(newPod("a").node("n").phase(corev1.PodRunning).readyFor(time.Minute)),
		own(newPod("b").node("n").phase(corev1.PodRunning).readyFor(4 * time.Second)),
		own(newPod("c").node("n").phase(corev1.PodRunning)).DeepCopy(),
	}
	w.pods[2].Labels = map[string]string{"app": "web", "extra": "x"}
	res, err := reconcile(t.Context(), w.deps(), "ns/web")
	if err != nil {
		t.Fatal(err)
	}
	st := w.rs.Status
	if st.Replicas != 3 || st.ReadyReplicas != 2 || st.AvailableReplicas != 1 || st.FullyLabeledReplicas != 3 {
		t.Fatalf("status %+v", st)
	}
	// b becomes available 10s after it became ready: 6s from now.
	if res.RequeueAfter < 6*time.Second || res.RequeueAfter > 7*time.Second {
		t.Fatalf("requeue after %v, want just over 6s", res.RequeueAfter)
	}
	w.clock.Step(res.RequeueAfter)
	res, err = reconcile(t.Context(), w.deps(), "ns/web")
	if err != nil || w.rs.Status.AvailableReplicas != 2 || res.RequeueAfter != 0 {
		t.Fatalf("after the wait: available %d, requeue %v, %v", w.rs.Status.AvailableReplicas, res.RequeueAfter, err)
	}
}

func TestReconcileGoneForgetsExpectations(t *testing.T) {
	w := newWorld(1)
	w.exp.ExpectCreations("ns/web", 5)
	w.rs = nil
	if _, err := reconcile(t.Context(), w.deps(), "ns/web"); err != nil {
		t.Fatal(err)
	}
	if !w.exp.Satisfied("ns/web") {
		t.Fatal("expectations of a deleted ReplicaSet kept")
	}
}

func TestReplicationControllerConversion(t *testing.T) {
	rc := &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Name: "rc", Namespace: "ns", UID: "u", ResourceVersion: "7"},
		Spec: corev1.ReplicationControllerSpec{Replicas: ptr.To(int32(2)), MinReadySeconds: 3, Selector: map[string]string{"a": "b"},
			Template: &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"a": "b"}}}},
		Status: corev1.ReplicationControllerStatus{Replicas: 1, ReadyReplicas: 1, ObservedGeneration: 4,
			Conditions: []corev1.ReplicationControllerCondition{{Type: corev1.ReplicationControllerReplicaFailure, Status: corev1.ConditionTrue, Reason: "FailedCreate"}}},
	}
	rs := fromRC(rc)
	if rs.Spec.Selector.MatchLabels["a"] != "b" || *rs.Spec.Replicas != 2 || rs.Spec.MinReadySeconds != 3 || rs.Status.Conditions[0].Type != appsv1.ReplicaSetReplicaFailure {
		t.Fatalf("fromRC = %+v", rs)
	}
	back := toRC(rs)
	back.TypeMeta = metav1.TypeMeta{}
	if back.Spec.Selector["a"] != "b" || back.ResourceVersion != "7" || back.Status.ObservedGeneration != 4 || back.Status.Conditions[0].Reason != "FailedCreate" {
		t.Fatalf("toRC = %+v", back)
	}
}

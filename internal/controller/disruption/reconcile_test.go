package disruption

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// pdbWorld is the observed state reconcile works on.
type pdbWorld struct {
	pdb      *policyv1.PodDisruptionBudget
	pods     []*corev1.Pod
	scales   map[types.UID]int32 // controllers that exist
	scaleErr error
	events   []string
	writes   int
	clock    *clocktesting.FakeClock
}

func (w *pdbWorld) deps() Deps {
	return Deps{
		GetPDB: func(_, name string) (*policyv1.PodDisruptionBudget, error) {
			if w.pdb == nil {
				return nil, apierrors.NewNotFound(schema.GroupResource{Group: "policy", Resource: "poddisruptionbudgets"}, name)
			}
			return w.pdb.DeepCopy(), nil
		},
		ListPods: func(_ string, sel labels.Selector) ([]*corev1.Pod, error) {
			var out []*corev1.Pod
			for _, p := range w.pods {
				if sel.Matches(labels.Set(p.Labels)) {
					out = append(out, p)
				}
			}
			return out, nil
		},
		Scale: func(_ context.Context, ref *metav1.OwnerReference, _ string) (*scale, error) {
			if w.scaleErr != nil {
				return nil, w.scaleErr
			}
			if n, ok := w.scales[ref.UID]; ok {
				return &scale{ref.UID, n}, nil
			}
			return nil, nil
		},
		UpdateStatus: func(_ context.Context, pdb *policyv1.PodDisruptionBudget) error {
			w.writes++
			w.pdb = pdb.DeepCopy()
			return nil
		},
		Event: func(obj runtime.Object, eventType, reason, _ string) {
			w.events = append(w.events, fmt.Sprintf("%s %s %s", eventType, reason, obj.(metav1.Object).GetName()))
		},
		Now: w.clock.Now,
	}
}

func budget(minAvailable, maxUnavailable *intstr.IntOrString) *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "pdb", Namespace: "ns", Generation: 3},
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: minAvailable, MaxUnavailable: maxUnavailable,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
	}
}

func pct(s string) *intstr.IntOrString { v := intstr.FromString(s); return &v }
func num(n int) *intstr.IntOrString    { v := intstr.FromInt32(int32(n)); return &v }

// pods returns n pods of app "web" owned by controller uid ("" for
// none), the first ready of them Ready.
func pods(prefix string, n, ready int, uid types.UID) []*corev1.Pod {
	var out []*corev1.Pod
	for i := range n {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s%d", prefix, i), Namespace: "ns", Labels: map[string]string{"app": "web"}}}
		if uid != "" {
			p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs", UID: uid, Controller: ptr.To(true)}}
		}
		st := corev1.ConditionFalse
		if i < ready {
			st = corev1.ConditionTrue
		}
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: st}}
		out = append(out, p)
	}
	return out
}

type counts struct{ Expected, Desired, Healthy, Allowed int32 }

func TestReconcileBudgetCounts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		pdb    *policyv1.PodDisruptionBudget
		pods   []*corev1.Pod
		scales map[types.UID]int32
		want   counts
		events []string
	}{
		{"integer minAvailable counts selected pods", budget(num(2), nil), pods("p", 3, 3, ""), nil,
			counts{Expected: 3, Desired: 2, Healthy: 3, Allowed: 1}, nil},
		{"integer minAvailable, one pod not ready", budget(num(2), nil), pods("p", 3, 2, ""), nil,
			counts{Expected: 3, Desired: 2, Healthy: 2, Allowed: 0}, nil},
		{"minAvailable percent rounds up", budget(pct("50%"), nil), pods("p", 3, 3, "rs"), map[types.UID]int32{"rs": 3},
			counts{Expected: 3, Desired: 2, Healthy: 3, Allowed: 1}, nil},
		{"minAvailable percent is of the controller's scale, not the pods", budget(pct("50%"), nil), pods("p", 2, 2, "rs"), map[types.UID]int32{"rs": 5},
			counts{Expected: 5, Desired: 3, Healthy: 2, Allowed: 0}, nil},
		{"maxUnavailable percent rounds up", budget(nil, pct("34%")), pods("p", 3, 3, "rs"), map[types.UID]int32{"rs": 3},
			counts{Expected: 3, Desired: 1, Healthy: 3, Allowed: 2}, nil},
		{"maxUnavailable integer", budget(nil, num(1)), pods("p", 4, 4, "rs"), map[types.UID]int32{"rs": 4},
			counts{Expected: 4, Desired: 3, Healthy: 4, Allowed: 1}, nil},
		{"maxUnavailable above scale desires none", budget(nil, num(10)), pods("p", 2, 2, "rs"), map[types.UID]int32{"rs": 2},
			counts{Expected: 2, Desired: 0, Healthy: 2, Allowed: 2}, nil},
		{"controllers' scales add up", budget(nil, pct("10%")), append(pods("a", 2, 2, "rs1"), pods("b", 2, 2, "rs2")...),
			map[types.UID]int32{"rs1": 2, "rs2": 3}, counts{Expected: 5, Desired: 4, Healthy: 4, Allowed: 0}, nil},
		{"unmanaged pods are reported and left out", budget(pct("50%"), nil), append(pods("a", 2, 2, "rs"), pods("u", 1, 1, "")...),
			map[types.UID]int32{"rs": 2}, counts{Expected: 2, Desired: 1, Healthy: 3, Allowed: 2}, []string{"Warning UnmanagedPods pdb"}},
		{"no pods: nothing expected, nothing allowed", budget(nil, num(1)), nil, nil,
			counts{}, []string{"Normal NoPods pdb"}},
		{"no pods with minAvailable 0 still allows nothing", budget(num(0), nil), nil, nil,
			counts{}, []string{"Normal NoPods pdb"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &pdbWorld{pdb: tc.pdb, pods: tc.pods, scales: tc.scales, clock: clocktesting.NewFakeClock(t0)}
			if _, err := reconcile(t.Context(), w.deps(), "ns/pdb"); err != nil {
				t.Fatal(err)
			}
			s := w.pdb.Status
			got := counts{Expected: s.ExpectedPods, Desired: s.DesiredHealthy, Healthy: s.CurrentHealthy, Allowed: s.DisruptionsAllowed}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.events, w.events); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if s.ObservedGeneration != 3 {
				t.Errorf("observedGeneration = %d, want 3", s.ObservedGeneration)
			}
			c := apimeta.FindStatusCondition(s.Conditions, policyv1.DisruptionAllowedCondition)
			wantStatus, wantReason := metav1.ConditionFalse, policyv1.InsufficientPodsReason
			if tc.want.Allowed > 0 {
				wantStatus, wantReason = metav1.ConditionTrue, policyv1.SufficientPodsReason
			}
			if c == nil || c.Status != wantStatus || c.Reason != wantReason || c.ObservedGeneration != 3 || !c.LastTransitionTime.Time.Equal(t0) {
				t.Errorf("condition = %+v, want %s %s", c, wantStatus, wantReason)
			}
		})
	}
}

func TestReconcileBudgetWritesOnlyChanges(t *testing.T) {
	w := &pdbWorld{pdb: budget(num(1), nil), pods: pods("p", 2, 2, ""), clock: clocktesting.NewFakeClock(t0)}
	for range 2 {
		if _, err := reconcile(t.Context(), w.deps(), "ns/pdb"); err != nil {
			t.Fatal(err)
		}
	}
	if w.writes != 1 {
		t.Fatalf("writes = %d, want 1", w.writes)
	}
	w.pdb.Generation++ // a spec change must be observed even if the numbers stay
	if _, err := reconcile(t.Context(), w.deps(), "ns/pdb"); err != nil {
		t.Fatal(err)
	}
	if w.writes != 2 || w.pdb.Status.ObservedGeneration != 4 {
		t.Fatalf("writes = %d, observedGeneration = %d", w.writes, w.pdb.Status.ObservedGeneration)
	}
}

// When the expected count cannot be computed the budget fails safe: no
// disruptions allowed, condition SyncFailed, and a retry.
func TestReconcileBudgetFailsSafe(t *testing.T) {
	for _, tc := range []struct {
		name     string
		scales   map[types.UID]int32
		scaleErr error
	}{
		{"controller not found", nil, nil},
		{"scale unreadable", nil, errors.New("widgets.example.com does not implement the scale subresource")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pdb := budget(pct("50%"), nil)
			pdb.Status = policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 2, CurrentHealthy: 3, ObservedGeneration: 3}
			w := &pdbWorld{pdb: pdb, pods: pods("p", 3, 3, "rs"), scales: tc.scales, scaleErr: tc.scaleErr, clock: clocktesting.NewFakeClock(t0)}
			if _, err := reconcile(t.Context(), w.deps(), "ns/pdb"); err == nil {
				t.Fatal("want an error for a retry")
			}
			if w.pdb.Status.DisruptionsAllowed != 0 {
				t.Errorf("disruptionsAllowed = %d, want 0", w.pdb.Status.DisruptionsAllowed)
			}
			c := apimeta.FindStatusCondition(w.pdb.Status.Conditions, policyv1.DisruptionAllowedCondition)
			if c == nil || c.Status != metav1.ConditionFalse || c.Reason != policyv1.SyncFailedReason || c.Message == "" {
				t.Errorf("condition = %+v, want False SyncFailed with the error", c)
			}
			if diff := cmp.Diff([]string{"Warning CalculateExpectedPodCountFailed pdb"}, w.events); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

// Evictions recorded by the API server keep their pod out of
// currentHealthy until the pod is seen deleting or DeletionTimeout passes.
func TestReconcileBudgetDisruptedPods(t *testing.T) {
	clk := clocktesting.NewFakeClock(t0)
	ps := pods("p", 4, 4, "")
	deleting := metav1.NewTime(t0)
	ps[3].DeletionTimestamp = &deleting
	pdb := budget(num(1), nil)
	pdb.Status.DisruptedPods = map[string]metav1.Time{
		"p0":   metav1.NewTime(t0.Add(-30 * time.Second)), // pending: kept, not healthy
		"p1":   metav1.NewTime(t0.Add(-3 * time.Minute)),  // expired: dropped, healthy again
		"p3":   metav1.NewTime(t0.Add(-10 * time.Second)), // deleting: dropped
		"gone": metav1.NewTime(t0.Add(-10 * time.Second)), // no such pod: dropped
	}
	w := &pdbWorld{pdb: pdb, pods: ps, clock: clk}
	res, err := reconcile(t.Context(), w.deps(), "ns/pdb")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]metav1.Time{"p0": metav1.NewTime(t0.Add(-30 * time.Second))}, w.pdb.Status.DisruptedPods); diff != "" {
		t.Errorf("disruptedPods (-want +got):\n%s", diff)
	}
	if w.pdb.Status.CurrentHealthy != 2 || w.pdb.Status.DisruptionsAllowed != 1 {
		t.Errorf("currentHealthy = %d, allowed = %d; want 2 (p1, p2), 1", w.pdb.Status.CurrentHealthy, w.pdb.Status.DisruptionsAllowed)
	}
	if res.RequeueAfter != 90*time.Second {
		t.Errorf("requeue after %v, want 90s (when p0's entry expires)", res.RequeueAfter)
	}
	if diff := cmp.Diff([]string{"Warning NotDeleted p1"}, w.events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	clk.Step(91 * time.Second)
	if _, err := reconcile(t.Context(), w.deps(), "ns/pdb"); err != nil {
		t.Fatal(err)
	}
	if len(w.pdb.Status.DisruptedPods) != 0 || w.pdb.Status.CurrentHealthy != 3 {
		t.Errorf("after expiry: disruptedPods = %v, currentHealthy = %d", w.pdb.Status.DisruptedPods, w.pdb.Status.CurrentHealthy)
	}
}

func TestReconcileBudgetSelectors(t *testing.T) {
	for _, tc := range []struct {
		name string
		sel  *metav1.LabelSelector
		want int32
	}{
		{"nil selects nothing", nil, 0},
		{"empty selects everything", &metav1.LabelSelector{}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pdb := budget(num(0), nil)
			pdb.Spec.Selector = tc.sel
			w := &pdbWorld{pdb: pdb, pods: pods("p", 3, 3, ""), clock: clocktesting.NewFakeClock(t0)}
			if _, err := reconcile(t.Context(), w.deps(), "ns/pdb"); err != nil {
				t.Fatal(err)
			}
			if w.pdb.Status.ExpectedPods != tc.want {
				t.Errorf("expectedPods = %d, want %d", w.pdb.Status.ExpectedPods, tc.want)
			}
		})
	}
}

func TestReconcileStale(t *testing.T) {
	cond := func(status corev1.ConditionStatus, reason string, age time.Duration) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"}, Status: corev1.PodStatus{Conditions: []corev1.PodCondition{
			{Type: corev1.DisruptionTarget, Status: status, Reason: reason, LastTransitionTime: metav1.NewTime(t0.Add(-age))}}}}
	}
	deleting := cond(corev1.ConditionTrue, "EvictionByEvictionAPI", time.Hour)
	deleting.DeletionTimestamp = &metav1.Time{Time: t0}
	for _, tc := range []struct {
		name      string
		pod       *corev1.Pod
		wantReset bool
		wantAfter time.Duration
	}{
		{"old condition is reset", cond(corev1.ConditionTrue, "EvictionByEvictionAPI", 3*time.Minute), true, 0},
		{"young condition waits", cond(corev1.ConditionTrue, "PreemptionByScheduler", 30*time.Second), false, 90 * time.Second},
		{"kubelet's condition is kept", cond(corev1.ConditionTrue, corev1.PodReasonTerminationByKubelet, time.Hour), false, 0},
		{"False condition is left", cond(corev1.ConditionFalse, "", time.Hour), false, 0},
		{"deleting pod is left", deleting, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var written *corev1.Pod
			d := StaleDeps{
				GetPod:          func(string, string) (*corev1.Pod, error) { return tc.pod.DeepCopy(), nil },
				UpdatePodStatus: func(_ context.Context, p *corev1.Pod) error { written = p; return nil },
				Now:             func() time.Time { return t0 },
			}
			res, err := reconcileStale(t.Context(), d, "ns/p")
			if err != nil {
				t.Fatal(err)
			}
			if (written != nil) != tc.wantReset || res.RequeueAfter != tc.wantAfter {
				t.Fatalf("written = %v, requeue %v; want reset %v, requeue %v", written != nil, res.RequeueAfter, tc.wantReset, tc.wantAfter)
			}
			if written != nil {
				c := written.Status.Conditions[0]
				if c.Status != corev1.ConditionFalse || !c.LastTransitionTime.Time.Equal(t0) {
					t.Errorf("condition = %+v, want False at t0", c)
				}
			}
		})
	}
}

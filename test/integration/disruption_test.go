package integration

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/testutil"
)

// disruptionSetReady plays the kubelet: the pod runs, Ready or not.
func disruptionSetReady(t *testing.T, c kubernetes.Interface, ns, name string, ready bool) {
	t.Helper()
	p, err := c.CoreV1().Pods(ns).Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st := corev1.ConditionFalse
	if ready {
		st = corev1.ConditionTrue
	}
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: st}}
	if _, err := c.CoreV1().Pods(ns).UpdateStatus(t.Context(), p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// disruptionWant is the part of a budget's status a test waits for.
type disruptionWant struct {
	expected, desired, healthy, allowed int32
	reason                              string
}

func disruptionWait(t *testing.T, c kubernetes.Interface, ns, name string, want disruptionWant) *policyv1.PodDisruptionBudget {
	t.Helper()
	var pdb *policyv1.PodDisruptionBudget
	ok := false
	poll(t, fmt.Sprintf("budget %s at %+v", name, want), func(ctx context.Context) (bool, error) {
		var err error
		pdb, err = c.PolicyV1().PodDisruptionBudgets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		s := pdb.Status
		cond := apimeta.FindStatusCondition(s.Conditions, policyv1.DisruptionAllowedCondition)
		ok = s.ExpectedPods == want.expected && s.DesiredHealthy == want.desired && s.CurrentHealthy == want.healthy &&
			s.DisruptionsAllowed == want.allowed && s.ObservedGeneration == pdb.Generation && cond != nil && cond.Reason == want.reason &&
			len(s.DisruptedPods) == 0
		return ok, nil
	})
	if !ok {
		t.Fatalf("budget %s: status %+v, want %+v", name, pdb.Status, want)
	}
	return pdb
}

func disruptionEvict(c kubernetes.Interface, ctx context.Context, ns, name string) error {
	return c.PolicyV1().Evictions(ns).Evict(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}})
}

// A budget over pods of a ReplicaSet takes its percentage of the
// ReplicaSet's scale; disruptionsAllowed follows the pods' readiness, and
// the eviction subresource refuses with 429 at 0 and evicts above it.
func TestDisruptionBudgetFollowsReadinessAndGuardsEviction(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"disruption"}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	labels := map[string]string{"app": "web"}
	rs, err := c.AppsV1().ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](3), Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		p := pod(fmt.Sprintf("web-%d", i)).Node("node-1").Labels("app", "web").Obj()
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID,
			Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}}
		if _, err := c.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		disruptionSetReady(t, c, ns, p.Name, true)
	}
	minAvailable := intstr.FromString("60%") // of 3: 1.8, rounded up to 2
	if _, err := c.PolicyV1().PodDisruptionBudgets(ns).Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: &minAvailable, Selector: &metav1.LabelSelector{MatchLabels: labels}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	disruptionWait(t, c, ns, "web", disruptionWant{expected: 3, desired: 2, healthy: 3, allowed: 1, reason: policyv1.SufficientPodsReason})

	disruptionSetReady(t, c, ns, "web-0", false)
	disruptionWait(t, c, ns, "web", disruptionWant{expected: 3, desired: 2, healthy: 2, allowed: 0, reason: policyv1.InsufficientPodsReason})
	wantStatus(t, disruptionEvict(c, ctx, ns, "web-1"), http.StatusTooManyRequests, metav1.StatusReasonTooManyRequests)

	disruptionSetReady(t, c, ns, "web-0", true)
	disruptionWait(t, c, ns, "web", disruptionWant{expected: 3, desired: 2, healthy: 3, allowed: 1, reason: policyv1.SufficientPodsReason})
	if err := disruptionEvict(c, ctx, ns, "web-1"); err != nil {
		t.Fatalf("evict with a disruption allowed: %v", err)
	}
	// The evicted pod (bound to a node, so deleted gracefully) no longer
	// counts; the API server's record of the eviction is dropped once the
	// pod is seen deleting.
	p, err := c.CoreV1().Pods(ns).Get(ctx, "web-1", metav1.GetOptions{})
	if err != nil || p.DeletionTimestamp == nil {
		t.Fatalf("evicted pod: %v, deletionTimestamp %v", err, p.GetDeletionTimestamp())
	}
	disruptionWait(t, c, ns, "web", disruptionWant{expected: 3, desired: 2, healthy: 2, allowed: 0, reason: policyv1.InsufficientPodsReason})
	wantStatus(t, disruptionEvict(c, ctx, ns, "web-2"), http.StatusTooManyRequests, metav1.StatusReasonTooManyRequests)

	// Scaling the ReplicaSet down lowers the expectation at once.
	rs, err = c.AppsV1().ReplicaSets(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rs.Spec.Replicas = ptr.To[int32](2) // 60% of 2: 1.2, rounded up to 2
	if _, err := c.AppsV1().ReplicaSets(ns).Update(ctx, rs, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	disruptionWait(t, c, ns, "web", disruptionWant{expected: 2, desired: 2, healthy: 2, allowed: 0, reason: policyv1.InsufficientPodsReason})
}

// A budget whose pods have no known controller cannot compute a
// percentage: it fails safe and says why.
func TestDisruptionBudgetWithoutControllerFailsSafe(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"disruption"}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	p := pod("orphan").Node("node-1").Labels("app", "orphan").Obj()
	p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "gone", UID: "0000-gone", Controller: ptr.To(true)}}
	if _, err := c.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	disruptionSetReady(t, c, ns, "orphan", true)
	maxUnavailable := intstr.FromString("50%")
	if _, err := c.PolicyV1().PodDisruptionBudgets(ns).Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "orphan"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MaxUnavailable: &maxUnavailable, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "orphan"}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "SyncFailed condition", func(ctx context.Context) (bool, error) {
		pdb, err := c.PolicyV1().PodDisruptionBudgets(ns).Get(ctx, "orphan", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		cond := apimeta.FindStatusCondition(pdb.Status.Conditions, policyv1.DisruptionAllowedCondition)
		return cond != nil && cond.Status == metav1.ConditionFalse && cond.Reason == policyv1.SyncFailedReason, nil
	})
	poll(t, "CalculateExpectedPodCountFailed event", func(ctx context.Context) (bool, error) {
		evs, err := c.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, e := range evs.Items {
			if e.Reason == "CalculateExpectedPodCountFailed" && e.InvolvedObject.Name == "orphan" && e.Source.Component == "controllermanager" {
				return true, nil
			}
		}
		return false, nil
	})
	// The budget was never computed for its generation: evictions wait.
	wantStatus(t, disruptionEvict(c, ctx, ns, "orphan"), http.StatusTooManyRequests, metav1.StatusReasonTooManyRequests)
}

// Pods whose controller is no kind the controller has a lister for (here a
// Deployment owning pods directly) are measured through the scale
// subresource.
func TestDisruptionBudgetUsesScaleSubresource(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"disruption"}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	d, err := c.AppsV1().Deployments(ns).Create(ctx, deployment("api", 4), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		p := pod(fmt.Sprintf("api-%d", i)).Node("node-1").Labels("app", "api").Obj()
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID, Controller: ptr.To(true)}}
		if _, err := c.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		disruptionSetReady(t, c, ns, p.Name, true)
	}
	maxUnavailable := intstr.FromString("50%")
	if _, err := c.PolicyV1().PodDisruptionBudgets(ns).Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "api"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MaxUnavailable: &maxUnavailable, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "api"}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	disruptionWait(t, c, ns, "api", disruptionWant{expected: 4, desired: 2, healthy: 2, allowed: 0, reason: policyv1.InsufficientPodsReason})
}

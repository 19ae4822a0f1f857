package disruption

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/tools/cache"

	"github.com/berth-dev/berth/internal/controller/worker"
	"github.com/berth-dev/berth/internal/podcondition"
)

// DeletionTimeout is how long an eviction recorded in
// status.disruptedPods keeps its pod out of currentHealthy while the
// controller waits to see the pod deleting; after it the eviction is
// assumed not to have happened.
const DeletionTimeout = 2 * time.Minute

// scale is a pod's controller and the number of pods it wants.
type scale struct {
	UID      types.UID
	Replicas int32
}

// Deps are what reconcile needs, as small functions so tests need no
// fakes of whole clients.
type Deps struct {
	GetPDB   func(namespace, name string) (*policyv1.PodDisruptionBudget, error)
	ListPods func(namespace string, sel labels.Selector) ([]*corev1.Pod, error)
	// Scale returns the controller ref names and its desired replicas; nil
	// when ref names no controller berth knows the scale of or the
	// controller is gone; an error when the scale cannot be known.
	Scale func(ctx context.Context, ref *metav1.OwnerReference, namespace string) (*scale, error)
	// UpdateStatus writes pdb's status.
	UpdateStatus func(ctx context.Context, pdb *policyv1.PodDisruptionBudget) error
	// Event records an event on obj.
	Event func(obj runtime.Object, eventType, reason, message string)
	Now   func() time.Time
}

// reconcile brings the status of the budget at key up to date. When it
// cannot, it sets disruptionsAllowed to 0 (fail safe: the eviction
// subresource then refuses) and reports the error for a retry.
func reconcile(ctx context.Context, d Deps, key string) (worker.Result, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return worker.Result{}, nil
	}
	pdb, err := d.GetPDB(ns, name)
	if apierrors.IsNotFound(err) {
		return worker.Result{}, nil
	}
	if err != nil {
		return worker.Result{}, err
	}
	recheck, err := sync(ctx, d, pdb)
	if apierrors.IsConflict(err) {
		return worker.Result{}, err
	}
	if err != nil {
		return worker.Result{}, errors.Join(err, failSafe(ctx, d, pdb, err))
	}
	if recheck > 0 {
		return worker.Result{RequeueAfter: recheck}, nil
	}
	return worker.Result{}, nil
}

// sync computes and writes the status; recheck is when an entry of
// disruptedPods expires, so the budget must be looked at again.
func sync(ctx context.Context, d Deps, pdb *policyv1.PodDisruptionBudget) (recheck time.Duration, err error) {
	pods, err := podsFor(d, pdb)
	if err != nil {
		d.Event(pdb, corev1.EventTypeWarning, "NoPods", fmt.Sprintf("Failed to get pods: %v", err))
		return 0, err
	}
	if len(pods) == 0 {
		d.Event(pdb, corev1.EventTypeNormal, "NoPods", "No matching pods found")
	}
	expected, desired, unmanaged, err := expectedPods(ctx, d, pdb, pods)
	if err != nil {
		d.Event(pdb, corev1.EventTypeWarning, "CalculateExpectedPodCountFailed", fmt.Sprintf("Failed to calculate the number of expected pods: %v", err))
		return 0, err
	}
	if len(unmanaged) > 0 {
		d.Event(pdb, corev1.EventTypeWarning, "UnmanagedPods", fmt.Sprintf("Pods selected by this PodDisruptionBudget (selector: %v) were found "+
			"to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. "+
			"To account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value.", pdb.Spec.Selector))
	}
	now := d.Now()
	disrupted, next := disruptedPods(d, pdb, pods, now)
	healthy := countHealthy(pods, disrupted, now)
	if err := writeStatus(ctx, d, pdb, healthy, desired, expected, disrupted, now); err != nil {
		return 0, err
	}
	if !next.IsZero() {
		return next.Sub(now), nil
	}
	return 0, nil
}

// podsFor lists the pods the budget's selector selects in its namespace.
// As upstream, a nil selector selects nothing and an empty one
// everything.
func podsFor(d Deps, pdb *policyv1.PodDisruptionBudget) ([]*corev1.Pod, error) {
	sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
	if err != nil {
		return nil, err
	}
	return d.ListPods(pdb.Namespace, sel)
}

// expectedPods returns how many pods the budget covers (expected) and how
// many must be healthy (desired). An integer minAvailable needs no
// controllers: expected is the number of selected pods. A percentage, or
// maxUnavailable, is taken of the sum of the pods' controllers' scales;
// pods without a controller are returned as unmanaged and not counted.
func expectedPods(ctx context.Context, d Deps, pdb *policyv1.PodDisruptionBudget, pods []*corev1.Pod) (expected, desired int32, unmanaged []string, err error) {
	switch {
	case pdb.Spec.MaxUnavailable != nil:
		expected, unmanaged, err = expectedScale(ctx, d, pods)
		if err != nil {
			return 0, 0, nil, err
		}
		maxUnavailable, err := intstr.GetScaledValueFromIntOrPercent(pdb.Spec.MaxUnavailable, int(expected), true)
		if err != nil {
			return 0, 0, nil, err
		}
		return expected, max(expected-int32(maxUnavailable), 0), unmanaged, nil
	case pdb.Spec.MinAvailable != nil && pdb.Spec.MinAvailable.Type == intstr.Int:
		return int32(len(pods)), pdb.Spec.MinAvailable.IntVal, nil, nil
	case pdb.Spec.MinAvailable != nil:
		expected, unmanaged, err = expectedScale(ctx, d, pods)
		if err != nil {
			return 0, 0, nil, err
		}
		minAvailable, err := intstr.GetScaledValueFromIntOrPercent(pdb.Spec.MinAvailable, int(expected), true)
		if err != nil {
			return 0, 0, nil, err
		}
		return expected, int32(minAvailable), unmanaged, nil
	}
	return 0, 0, nil, nil
}

// expectedScale sums the scales of the distinct controllers of pods.
func expectedScale(ctx context.Context, d Deps, pods []*corev1.Pod) (int32, []string, error) {
	scales := map[types.UID]int32{}
	var unmanaged []string
	for _, pod := range pods {
		ref := metav1.GetControllerOf(pod)
		if ref == nil {
			unmanaged = append(unmanaged, pod.Name)
			continue
		}
		if _, ok := scales[ref.UID]; ok {
			continue
		}
		s, err := d.Scale(ctx, ref, pod.Namespace)
		if err != nil {
			return 0, nil, err
		}
		if s == nil {
			return 0, nil, fmt.Errorf("found no controllers for pod %q", pod.Name)
		}
		scales[s.UID] = s.Replicas
	}
	var sum int32
	for _, n := range scales {
		sum += n
	}
	return sum, unmanaged, nil
}

// disruptedPods keeps the entries of status.disruptedPods still pending:
// the pod exists, is not yet deleting, and the eviction is younger than
// DeletionTimeout. next is when the first kept entry expires.
func disruptedPods(d Deps, pdb *policyv1.PodDisruptionBudget, pods []*corev1.Pod, now time.Time) (map[string]metav1.Time, time.Time) {
	out := map[string]metav1.Time{}
	var next time.Time
	if pdb.Status.DisruptedPods == nil {
		return out, next
	}
	for _, pod := range pods {
		if pod.DeletionTimestamp != nil {
			continue
		}
		at, ok := pdb.Status.DisruptedPods[pod.Name]
		if !ok {
			continue
		}
		expires := at.Add(DeletionTimeout)
		if expires.Before(now) {
			d.Event(pod, corev1.EventTypeWarning, "NotDeleted",
				fmt.Sprintf("Pod was expected by PDB %s/%s to be deleted but it wasn't", pdb.Namespace, pdb.Name))
			continue
		}
		if next.IsZero() || expires.Before(next) {
			next = expires
		}
		out[pod.Name] = at
	}
	return out, next
}

// countHealthy counts the Ready pods that are neither deleting nor
// recently evicted.
func countHealthy(pods []*corev1.Pod, disrupted map[string]metav1.Time, now time.Time) int32 {
	var n int32
	for _, pod := range pods {
		if pod.DeletionTimestamp != nil {
			continue
		}
		if at, ok := disrupted[pod.Name]; ok && at.Add(DeletionTimeout).After(now) {
			continue
		}
		if podcondition.Ready(pod) {
			n++
		}
	}
	return n
}

// writeStatus writes the computed status if anything differs.
// disruptionsAllowed stays 0 while no pods are expected, so a budget whose
// pods have just appeared is safe before it is recomputed.
func writeStatus(ctx context.Context, d Deps, pdb *policyv1.PodDisruptionBudget, healthy, desired, expected int32, disrupted map[string]metav1.Time, now time.Time) error {
	allowed := healthy - desired
	if expected <= 0 || allowed < 0 {
		allowed = 0
	}
	s := pdb.Status
	if s.CurrentHealthy == healthy && s.DesiredHealthy == desired && s.ExpectedPods == expected &&
		s.DisruptionsAllowed == allowed && sameTimes(s.DisruptedPods, disrupted) &&
		s.ObservedGeneration == pdb.Generation && conditionUpToDate(pdb) {
		return nil
	}
	updated := pdb.DeepCopy()
	updated.Status = policyv1.PodDisruptionBudgetStatus{
		CurrentHealthy:     healthy,
		DesiredHealthy:     desired,
		ExpectedPods:       expected,
		DisruptionsAllowed: allowed,
		DisruptedPods:      disrupted,
		ObservedGeneration: pdb.Generation,
		Conditions:         updated.Status.Conditions,
	}
	status, reason := metav1.ConditionFalse, policyv1.InsufficientPodsReason
	if allowed > 0 {
		status, reason = metav1.ConditionTrue, policyv1.SufficientPodsReason
	}
	setCondition(updated, status, reason, "", now)
	return d.UpdateStatus(ctx, updated)
}

// failSafe records that the status could not be computed: no disruptions
// allowed, and the DisruptionAllowed condition False with reason
// SyncFailed and the error.
func failSafe(ctx context.Context, d Deps, pdb *policyv1.PodDisruptionBudget, cause error) error {
	updated := pdb.DeepCopy()
	updated.Status.DisruptionsAllowed = 0
	setCondition(updated, metav1.ConditionFalse, policyv1.SyncFailedReason, cause.Error(), d.Now())
	if err := d.UpdateStatus(ctx, updated); err != nil {
		return fmt.Errorf("update status of poddisruptionbudget %s/%s: %w", pdb.Namespace, pdb.Name, err)
	}
	return nil
}

func setCondition(pdb *policyv1.PodDisruptionBudget, status metav1.ConditionStatus, reason, message string, now time.Time) {
	if pdb.Status.Conditions == nil {
		pdb.Status.Conditions = []metav1.Condition{}
	}
	apimeta.SetStatusCondition(&pdb.Status.Conditions, metav1.Condition{
		Type: policyv1.DisruptionAllowedCondition, Status: status, Reason: reason, Message: message,
		ObservedGeneration: pdb.Status.ObservedGeneration, LastTransitionTime: metav1.NewTime(now.Truncate(time.Second)),
	})
}

// conditionUpToDate reports whether the DisruptionAllowed condition
// matches disruptionsAllowed for the current generation.
func conditionUpToDate(pdb *policyv1.PodDisruptionBudget) bool {
	c := apimeta.FindStatusCondition(pdb.Status.Conditions, policyv1.DisruptionAllowedCondition)
	if c == nil || pdb.Status.ObservedGeneration != pdb.Generation {
		return false
	}
	if pdb.Status.DisruptionsAllowed > 0 {
		return c.Status == metav1.ConditionTrue && c.Reason == policyv1.SufficientPodsReason
	}
	return c.Status == metav1.ConditionFalse && c.Reason == policyv1.InsufficientPodsReason
}

func sameTimes(a, b map[string]metav1.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !v.Equal(&w) {
			return false
		}
	}
	return true
}

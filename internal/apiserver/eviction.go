package apiserver

import (
	"context"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"

	"github.com/berth-dev/berth/internal/podcondition"
	"github.com/berth-dev/berth/internal/registry"
)

// evictions decides whether a pod may be evicted, charging the matching
// PodDisruptionBudget as upstream's eviction subresource does.
type evictions struct {
	pods, pdbs *registry.Store
	clock      clock.Clock
}

const evictionDenied = "Cannot evict pod as it would violate the pod's disruption budget."

// maxDisruptedPods caps the evictions a budget may have in flight before
// its controller confirms them.
const maxDisruptedPods = 2000

// Allow decides whether the pod may be deleted now, charging the matching
// budget unless dry. It returns the pod as read (so the caller can make
// the delete conditional on it) and whether the delete must be
// conditional (an unhealthy pod evicted without charging the budget), or
// a 429 with the reason the budget gives.
func (e *evictions) Allow(ctx context.Context, namespace, name string, dry bool) (*corev1.Pod, bool, error) {
	obj, err := e.pods.Get(ctx, namespace, name, nil)
	if err != nil {
		return nil, false, err
	}
	pod := obj.(*corev1.Pod)
	switch {
	case pod.DeletionTimestamp != nil, pod.Status.Phase == corev1.PodSucceeded,
		pod.Status.Phase == corev1.PodFailed, pod.Status.Phase == corev1.PodPending:
		// Such pods are not counted by any budget.
		return pod, false, nil
	}
	list, err := e.pdbs.List(ctx, namespace, &metav1.ListOptions{})
	if err != nil {
		return nil, false, err
	}
	var match []*policyv1.PodDisruptionBudget
	for i := range list.(*policyv1.PodDisruptionBudgetList).Items {
		pdb := &list.(*policyv1.PodDisruptionBudgetList).Items[i]
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(pod.Labels)) {
			continue
		}
		match = append(match, pdb)
	}
	switch len(match) {
	case 0:
		return pod, false, nil
	case 1:
	default:
		return nil, false, apierrors.NewInternalError(fmt.Errorf("This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."))
	}
	if pdb := match[0]; !podcondition.Ready(pod) {
		// An unhealthy pod does not make a budget worse: it goes without
		// charging the budget when the policy says so.
		policy := pdb.Spec.UnhealthyPodEvictionPolicy
		if policy != nil && *policy == policyv1.AlwaysAllow {
			return pod, true, nil
		}
		if pdb.Status.CurrentHealthy >= pdb.Status.DesiredHealthy && pdb.Status.DesiredHealthy > 0 {
			return pod, true, nil
		}
	}
	charge := func(_ context.Context, old runtime.Object) (runtime.Object, error) {
		pdb := old.(*policyv1.PodDisruptionBudget)
		if pdb.Status.ObservedGeneration < pdb.Generation {
			return nil, tooManyRequests(fmt.Sprintf("The disruption budget %s is still being processed by the server.", pdb.Name))
		}
		if pdb.Status.DisruptionsAllowed < 0 {
			return nil, apierrors.NewForbidden(policyv1.Resource("poddisruptionbudget"), pdb.Name, fmt.Errorf("pdb disruptions allowed is negative"))
		}
		if len(pdb.Status.DisruptedPods) > maxDisruptedPods {
			return nil, apierrors.NewForbidden(policyv1.Resource("poddisruptionbudget"), pdb.Name, fmt.Errorf("DisruptedPods map too big - too many evictions not confirmed by PDB controller"))
		}
		if pdb.Status.DisruptionsAllowed == 0 {
			return nil, tooManyRequests(fmt.Sprintf("The disruption budget %s needs %d healthy pods and has %d currently",
				pdb.Name, pdb.Status.DesiredHealthy, pdb.Status.CurrentHealthy))
		}
		pdb.Status.DisruptionsAllowed--
		if pdb.Status.DisruptedPods == nil {
			pdb.Status.DisruptedPods = map[string]metav1.Time{}
		}
		pdb.Status.DisruptedPods[name] = metav1.NewTime(e.clock.Now().Truncate(1e9))
		pdb.ResourceVersion = ""
		return pdb, nil
	}
	_, _, err = e.pdbs.Update(ctx, namespace, match[0].Name, charge,
		registry.WriteOptions{Subresource: registry.SubStatus, FieldManager: "berth-eviction", DryRun: dry})
	return pod, false, err
}

// MarkDisruption records on the pod, before it is deleted, that the
// eviction API is about to remove it (the DisruptionTarget condition). With
// sameVersion the pod must still be the version that was judged. It
// returns the pod's new resourceVersion.
func (e *evictions) MarkDisruption(ctx context.Context, pod *corev1.Pod, sameVersion bool) (string, error) {
	obj, _, err := e.pods.Update(ctx, pod.Namespace, pod.Name, func(_ context.Context, old runtime.Object) (runtime.Object, error) {
		p := old.(*corev1.Pod)
		if p.UID != pod.UID || (sameVersion && p.ResourceVersion != pod.ResourceVersion) {
			return nil, apierrors.NewConflict(corev1.Resource("pods"), p.Name, fmt.Errorf("the pod changed since the eviction was judged"))
		}
		setPodCondition(p, corev1.PodCondition{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue,
			Reason: "EvictionByEvictionAPI", Message: "Eviction API: evicting",
			LastTransitionTime: metav1.NewTime(e.clock.Now().Truncate(1e9))})
		p.ResourceVersion = ""
		return p, nil
	}, registry.WriteOptions{Subresource: registry.SubStatus, FieldManager: "berth-eviction"})
	if err != nil {
		return "", err
	}
	return obj.(*corev1.Pod).ResourceVersion, nil
}

func tooManyRequests(cause string) error {
	err := statusError(http.StatusTooManyRequests, metav1.StatusReasonTooManyRequests, evictionDenied)
	err.ErrStatus.Details = &metav1.StatusDetails{Causes: []metav1.StatusCause{{Type: "DisruptionBudget", Message: cause}}}
	return err
}

func fieldErr(path string, value any, msg string) field.ErrorList {
	return field.ErrorList{field.Invalid(field.NewPath(path), value, msg)}
}

func fieldRequired(path string) field.ErrorList {
	return field.ErrorList{field.Required(field.NewPath(path), "")}
}

func mediaTypeOf(r *http.Request) string {
	ct := r.Header.Get("Content-Type")
	for i := 0; i < len(ct); i++ {
		if ct[i] == ';' {
			return ct[:i]
		}
	}
	return ct
}

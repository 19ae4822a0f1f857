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

	"github.com/berth-dev/berth/internal/registry"
)

// evictions decides whether a pod may be evicted, charging the matching
// PodDisruptionBudget as upstream's eviction subresource does.
type evictions struct {
	pods, pdbs *registry.Store
	clock      clock.Clock
}

const evictionDenied = "Cannot evict pod as it would violate the pod's disruption budget."

// Allow returns nil when the pod may be deleted now, or a 429 with the
// reason the budget gives.
func (e *evictions) Allow(ctx context.Context, namespace, name string) error {
	obj, err := e.pods.Get(ctx, namespace, name, nil)
	if err != nil {
		return err
	}
	pod := obj.(*corev1.Pod)
	if pod.DeletionTimestamp != nil || pod.Status.Phase != corev1.PodRunning {
		return nil
	}
	list, err := e.pdbs.List(ctx, namespace, &metav1.ListOptions{})
	if err != nil {
		return err
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
		return nil
	case 1:
	default:
		return apierrors.NewInternalError(fmt.Errorf("This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."))
	}
	pdbName := match[0].Name
	_, _, err = e.pdbs.Update(ctx, namespace, pdbName, func(_ context.Context, old runtime.Object) (runtime.Object, error) {
		pdb := old.(*policyv1.PodDisruptionBudget)
		if pdb.Status.ObservedGeneration < pdb.Generation {
			return nil, tooManyRequests(fmt.Sprintf("The disruption budget %s is still being processed by the server.", pdb.Name))
		}
		if pdb.Status.DisruptionsAllowed <= 0 {
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
	}, registry.WriteOptions{Subresource: registry.SubStatus, FieldManager: "berth-eviction"})
	return err
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

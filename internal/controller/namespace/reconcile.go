package namespace

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/berth-dev/berth/internal/controller/worker"
)

// Deps are what reconcile needs, as small functions so tests need no
// fakes of whole clients.
type Deps struct {
	GetNamespace func(ctx context.Context, name string) (*corev1.Namespace, error)
	// Resources lists the namespaced resources that can be listed and
	// deleted by collection.
	Resources func(ctx context.Context) ([]schema.GroupVersionResource, error)
	// DeleteCollection deletes every object of gvr in namespace.
	DeleteCollection func(ctx context.Context, gvr schema.GroupVersionResource, namespace string) error
	// Count returns how many objects of gvr remain in namespace, and how
	// many of them carry finalizers.
	Count func(ctx context.Context, gvr schema.GroupVersionResource, namespace string) (total, withFinalizers int, err error)
	// UpdateStatus writes the namespace's status conditions and returns
	// the stored namespace.
	UpdateStatus func(ctx context.Context, ns *corev1.Namespace) (*corev1.Namespace, error)
	// Finalize writes the namespace's spec.finalizers through the finalize
	// subresource.
	Finalize func(ctx context.Context, ns *corev1.Namespace) error
	Now      func() time.Time
}

// result says whether to look at the namespace again later.
type result = worker.Result

// remainingRetry is how soon a namespace with content left is looked at
// again (objects being deleted gracefully or held by finalizers).
const remainingRetry = 5 * time.Second

// reconcile empties namespace name if it is being deleted.
func reconcile(ctx context.Context, d Deps, name string) (result, error) {
	ns, err := d.GetNamespace(ctx, name)
	if apierrors.IsNotFound(err) {
		return result{}, nil
	}
	if err != nil {
		return result{}, err
	}
	if ns.DeletionTimestamp == nil || !slices.Contains(ns.Spec.Finalizers, corev1.FinalizerKubernetes) {
		return result{}, nil
	}
	conds := map[corev1.NamespaceConditionType]corev1.NamespaceCondition{}
	set := func(t corev1.NamespaceConditionType, failed bool, reason, msg string) {
		st := corev1.ConditionFalse
		if failed {
			st = corev1.ConditionTrue
		}
		conds[t] = corev1.NamespaceCondition{Type: t, Status: st, Reason: reason, Message: msg}
	}
	gvrs, err := d.Resources(ctx)
	if err != nil {
		set(corev1.NamespaceDeletionDiscoveryFailure, true, "DiscoveryFailed", fmt.Sprintf("Discovery failed for some groups: %v", err))
	} else {
		set(corev1.NamespaceDeletionDiscoveryFailure, false, "ResourcesDiscovered", "All resources successfully discovered")
	}
	set(corev1.NamespaceDeletionGVParsingFailure, false, "ParsedGroupVersions", "All legacy kube types successfully parsed")

	var failures []string
	remaining := map[string]int{}
	finalizers := map[string]int{}
	for _, gvr := range gvrs {
		if err := d.DeleteCollection(ctx, gvr, name); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsMethodNotSupported(err) {
			failures = append(failures, fmt.Sprintf("%s: %v", gvr.GroupResource(), err))
			continue
		}
		total, withFin, err := d.Count(ctx, gvr, name)
		if err != nil {
			failures = append(failures, fmt.Sprintf("%s: %v", gvr.GroupResource(), err))
			continue
		}
		if total > 0 {
			remaining[gvr.GroupResource().String()] = total
		}
		if withFin > 0 {
			finalizers[gvr.GroupResource().String()] = withFin
		}
	}
	if len(failures) > 0 {
		set(corev1.NamespaceDeletionContentFailure, true, "ContentDeletionFailed", "Failed to delete all resource types, "+strings.Join(failures, "; "))
	} else {
		set(corev1.NamespaceDeletionContentFailure, false, "ContentDeleted", "All content successfully deleted, may be waiting on finalization")
	}
	if len(remaining) > 0 {
		set(corev1.NamespaceContentRemaining, true, "SomeResourcesRemain", "Some resources are remaining: "+countList(remaining, "resource instances"))
	} else {
		set(corev1.NamespaceContentRemaining, false, "ContentRemoved", "All content successfully removed")
	}
	if len(finalizers) > 0 {
		set(corev1.NamespaceFinalizersRemaining, true, "SomeFinalizersRemain", "Some content in the namespace has finalizers remaining: "+countList(finalizers, "resource instances"))
	} else {
		set(corev1.NamespaceFinalizersRemaining, false, "ContentHasNoFinalizers", "All content-preserving finalizers finished")
	}
	if changed := mergeConditions(ns, conds, d.Now()); changed {
		updated, err := d.UpdateStatus(ctx, ns)
		if err != nil {
			return result{}, err // conflicts retry with a fresh namespace
		}
		ns = updated
	}
	if len(failures) > 0 || err != nil {
		return result{RequeueAfter: remainingRetry}, nil
	}
	if len(remaining) > 0 {
		return result{RequeueAfter: remainingRetry}, nil
	}
	ns.Spec.Finalizers = slices.DeleteFunc(ns.Spec.Finalizers, func(f corev1.FinalizerName) bool { return f == corev1.FinalizerKubernetes })
	if err := d.Finalize(ctx, ns); err != nil && !apierrors.IsNotFound(err) {
		return result{}, err
	}
	return result{}, nil
}

// countList renders {"pods": 2} as "pods has 2 resource instances".
func countList(m map[string]int, what string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s has %d %s", k, m[k], what))
	}
	return strings.Join(parts, ", ")
}

// mergeConditions sets ns's conditions to want, keeping transition times
// of unchanged statuses; it reports whether anything changed.
func mergeConditions(ns *corev1.Namespace, want map[corev1.NamespaceConditionType]corev1.NamespaceCondition, now time.Time) bool {
	changed := false
	for _, t := range []corev1.NamespaceConditionType{
		corev1.NamespaceDeletionDiscoveryFailure, corev1.NamespaceDeletionGVParsingFailure,
		corev1.NamespaceDeletionContentFailure, corev1.NamespaceContentRemaining, corev1.NamespaceFinalizersRemaining,
	} {
		c := want[t]
		i := slices.IndexFunc(ns.Status.Conditions, func(x corev1.NamespaceCondition) bool { return x.Type == t })
		if i >= 0 {
			old := ns.Status.Conditions[i]
			if old.Status == c.Status && old.Reason == c.Reason && old.Message == c.Message {
				continue
			}
			c.LastTransitionTime = old.LastTransitionTime
			if old.Status != c.Status {
				c.LastTransitionTime = metav1.NewTime(now)
			}
			ns.Status.Conditions[i] = c
		} else {
			c.LastTransitionTime = metav1.NewTime(now)
			ns.Status.Conditions = append(ns.Status.Conditions, c)
		}
		changed = true
	}
	return changed
}

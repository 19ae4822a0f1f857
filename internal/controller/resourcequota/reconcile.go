package resourcequota

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"

	"github.com/berth-dev/berth/internal/controller/worker"
)

// errUnknownResource is returned by Deps.List for a resource the server
// does not serve (or serves without list); quotas naming it get no usage
// for it.
var errUnknownResource = errors.New("resource is not served")

// Deps are what reconcile needs, as small functions so tests need no
// fakes of whole clients.
type Deps struct {
	// GetQuota returns the quota named namespace/name (NotFound once it
	// is gone).
	GetQuota func(namespace, name string) (*corev1.ResourceQuota, error)
	// List returns the objects of gr in namespace. Pods, services and
	// claims are typed; other kinds may be any object, only counted.
	List func(ctx context.Context, gr schema.GroupResource, namespace string) ([]runtime.Object, error)
	// UpdateStatus writes quota's status.
	UpdateStatus func(ctx context.Context, quota *corev1.ResourceQuota) error
	Now          func() time.Time
}

// reconcile recomputes the status of the quota at key and writes it if it
// changed. It asks to run again when a terminating pod's grace period
// ends, since that pod then stops being charged.
func reconcile(ctx context.Context, d Deps, key string) (worker.Result, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return worker.Result{}, nil
	}
	quota, err := d.GetQuota(ns, name)
	if apierrors.IsNotFound(err) {
		return worker.Result{}, nil
	}
	if err != nil {
		return worker.Result{}, err
	}
	now := d.Now()
	usage, next, calcErr := calculate(ctx, d, quota, now)

	// Usage the controller could not measure this time keeps its last
	// observed value; anything the quota no longer limits is dropped.
	used := add(corev1.ResourceList{}, quota.Status.Used)
	for k, v := range usage {
		used[k] = v
	}
	hardNames := map[corev1.ResourceName]bool{}
	for k := range quota.Spec.Hard {
		hardNames[k] = true
	}
	used = mask(used, hardNames)
	hard := add(corev1.ResourceList{}, quota.Spec.Hard)

	dirty := quota.Status.Hard == nil || quota.Status.Used == nil ||
		!equality.Semantic.DeepEqual(quota.Spec.Hard, quota.Status.Hard) || !equal(used, quota.Status.Used)
	if dirty {
		updated := quota.DeepCopy()
		updated.Status = corev1.ResourceQuotaStatus{Hard: hard, Used: used}
		if err := d.UpdateStatus(ctx, updated); err != nil {
			return worker.Result{}, errors.Join(calcErr, fmt.Errorf("update status of resourcequota %s: %w", key, err))
		}
	}
	if calcErr != nil {
		return worker.Result{}, calcErr
	}
	res := worker.Result{}
	if !next.IsZero() {
		res.RequeueAfter = next.Sub(now) + time.Second
	}
	return res, nil
}

// calculate measures the usage of every resource quota names that the
// controller can measure. next is the earliest moment a measured value
// changes by itself (a pod outliving its grace period), or zero.
func calculate(ctx context.Context, d Deps, quota *corev1.ResourceQuota, now time.Time) (usage corev1.ResourceList, next time.Time, err error) {
	var names []corev1.ResourceName
	for k := range quota.Spec.Hard {
		names = append(names, k)
	}
	usage = corev1.ResourceList{}
	var errs []error
	for _, e := range evaluatorsFor(names) {
		tracked := map[corev1.ResourceName]bool{}
		for _, n := range names {
			if e.matches(n) {
				tracked[n] = true
			}
		}
		if len(tracked) == 0 {
			continue
		}
		objs, err := d.List(ctx, e.resource, quota.Namespace)
		if errors.Is(err, errUnknownResource) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("list %s in %s: %w", e.resource, quota.Namespace, err))
			continue
		}
		sum := corev1.ResourceList{}
		for n := range tracked {
			sum[n] = zero()
		}
		for _, obj := range objs {
			in, err := inScope(e, quota, obj)
			if err != nil {
				errs = append(errs, err)
				break
			}
			if !in {
				continue
			}
			sum = add(sum, e.usage(obj, now))
			if pod, ok := obj.(*corev1.Pod); ok && podCharged(pod, now) {
				if end, ok := graceEnd(pod); ok && (next.IsZero() || end.Before(next)) {
					next = end
				}
			}
		}
		usage = add(usage, mask(sum, tracked))
	}
	return usage, next, errors.Join(errs...)
}

// inScope reports whether obj falls within every scope of quota: each of
// spec.scopes and each expression of spec.scopeSelector.
func inScope(e evaluator, quota *corev1.ResourceQuota, obj runtime.Object) (bool, error) {
	var sels []corev1.ScopedResourceSelectorRequirement
	for _, s := range quota.Spec.Scopes {
		sels = append(sels, corev1.ScopedResourceSelectorRequirement{ScopeName: s, Operator: corev1.ScopeSelectorOpExists})
	}
	if quota.Spec.ScopeSelector != nil {
		sels = append(sels, quota.Spec.ScopeSelector.MatchExpressions...)
	}
	for _, sel := range sels {
		if e.scope == nil {
			return false, nil
		}
		ok, err := e.scope(sel, obj)
		if err != nil {
			return false, fmt.Errorf("resourcequota %s/%s: scope %s: %w", quota.Namespace, quota.Name, sel.ScopeName, err)
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

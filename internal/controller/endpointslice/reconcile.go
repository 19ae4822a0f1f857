package endpointslice

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"

	"github.com/berth-dev/berth/internal/controller/endpoints"
)

// Deps are what reconcile needs, as small functions so tests need no
// fakes of whole clients.
type Deps struct {
	// GetService and GetNode read the informer caches and return a
	// NotFound error for a missing object.
	GetService func(namespace, name string) (*corev1.Service, error)
	GetNode    func(name string) (*corev1.Node, error)
	// ListPods lists the pods of namespace matching selector (cache).
	ListPods func(namespace string, selector labels.Selector) ([]*corev1.Pod, error)
	// ListSlices lists the cached slices this controller manages for the
	// named Service.
	ListSlices func(namespace, service string) ([]*discoveryv1.EndpointSlice, error)
	// Create and Update return the stored slice.
	Create func(ctx context.Context, s *discoveryv1.EndpointSlice) (*discoveryv1.EndpointSlice, error)
	Update func(ctx context.Context, s *discoveryv1.EndpointSlice) (*discoveryv1.EndpointSlice, error)
	Delete func(ctx context.Context, s *discoveryv1.EndpointSlice) error
	// Event records an event about obj.
	Event func(obj runtime.Object, eventType, reason, message string)

	Trigger *endpoints.TriggerTracker
	Stale   *StaleTracker
	// MaxEndpointsPerSlice caps each slice (upstream's
	// --max-endpoints-per-slice).
	MaxEndpointsPerSlice int
}

// errStaleCache says the slice cache has not yet seen the controller's own
// writes; the Service is retried.
var errStaleCache = errors.New("endpointslice informer cache is out of date")

// reconcile makes the slices of the Service named by key match its pods.
func reconcile(ctx context.Context, d Deps, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	svc, err := d.GetService(ns, name)
	if apierrors.IsNotFound(err) {
		// The slices are owned by the Service: the garbage collector
		// deletes them.
		d.Trigger.Forget(key)
		d.Stale.Forget(key)
		return nil
	}
	if err != nil {
		return err
	}
	if svc.Spec.Type == corev1.ServiceTypeExternalName || svc.Spec.Selector == nil {
		return nil
	}
	pods, err := d.ListPods(ns, labels.SelectorFromSet(svc.Spec.Selector))
	if err != nil {
		return err
	}
	existing, err := d.ListSlices(ns, name)
	if err != nil {
		return err
	}
	if d.Stale.Stale(key, existing) {
		return fmt.Errorf("service %s: %w", key, errStaleCache)
	}
	trigger := d.Trigger.Compute(key, svc, pods)
	p := planner{svc: svc, pods: pods, node: d.GetNode, max: d.MaxEndpointsPerSlice}
	ch, skipped, err := p.plan(existing)
	if err == nil {
		err = apply(ctx, d, key, svc, ch, trigger)
	}
	if err = errors.Join(append(skipped, err)...); err != nil {
		d.Event(svc, corev1.EventTypeWarning, "FailedToUpdateEndpointSlices",
			fmt.Sprintf("Error updating Endpoint Slices for Service %s/%s: %v", ns, name, err))
		return err
	}
	return nil
}

// apply makes the planned writes: creates (not for a Service being
// deleted, which would race the garbage collector), updates, deletes.
func apply(ctx context.Context, d Deps, key string, svc *corev1.Service, ch changes, trigger time.Time) error {
	if svc.DeletionTimestamp == nil {
		for _, s := range ch.create {
			setTrigger(s, trigger)
			got, err := d.Create(ctx, s)
			if err != nil {
				if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
					return nil
				}
				return fmt.Errorf("create endpointslice for service %s: %w", key, err)
			}
			d.Stale.Wrote(key, got)
		}
	}
	for _, s := range ch.update {
		setTrigger(s, trigger)
		got, err := d.Update(ctx, s)
		if err != nil {
			return fmt.Errorf("update endpointslice %s for service %s: %w", s.Name, key, err)
		}
		d.Stale.Wrote(key, got)
	}
	for _, s := range ch.delete {
		if err := d.Delete(ctx, s); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete endpointslice %s for service %s: %w", s.Name, key, err)
		}
		d.Stale.Removed(key, s.Name)
	}
	return nil
}

// setTrigger sets or clears the last-change-trigger-time annotation.
func setTrigger(s *discoveryv1.EndpointSlice, at time.Time) {
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	if at.IsZero() {
		delete(s.Annotations, corev1.EndpointsLastChangeTriggerTime)
		return
	}
	s.Annotations[corev1.EndpointsLastChangeTriggerTime] = at.UTC().Format(time.RFC3339Nano)
}

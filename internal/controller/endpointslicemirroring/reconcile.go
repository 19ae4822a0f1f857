package endpointslicemirroring

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/leaderelection/resourcelock"

	"github.com/berth-dev/berth/internal/controller/endpointslice"
)

// Deps are what reconcile needs, as small functions so tests need no
// fakes of whole clients.
type Deps struct {
	// GetService and GetEndpoints read the informer caches and return a
	// NotFound error for a missing object.
	GetService   func(namespace, name string) (*corev1.Service, error)
	GetEndpoints func(namespace, name string) (*corev1.Endpoints, error)
	// ListSlices lists the cached slices this controller manages for the
	// named Endpoints.
	ListSlices func(namespace, name string) ([]*discoveryv1.EndpointSlice, error)
	// Create and Update return the stored slice.
	Create func(ctx context.Context, s *discoveryv1.EndpointSlice) (*discoveryv1.EndpointSlice, error)
	Update func(ctx context.Context, s *discoveryv1.EndpointSlice) (*discoveryv1.EndpointSlice, error)
	Delete func(ctx context.Context, s *discoveryv1.EndpointSlice) error
	// Event records an event about obj.
	Event func(obj runtime.Object, eventType, reason, message string)

	Stale *endpointslice.StaleTracker
	// MaxEndpointsPerSubset caps the addresses mirrored per subset and
	// slice (upstream's --mirroring-max-endpoints-per-subset).
	MaxEndpointsPerSubset int
}

// Event reasons, as upstream's.
const (
	reasonInvalidIP       = "InvalidIPAddress"
	reasonTooManyToMirror = "TooManyAddressesToMirror"
)

// shouldMirror reports whether ep may be mirrored at all.
func shouldMirror(ep *corev1.Endpoints) bool {
	if ep.Labels[discoveryv1.LabelSkipMirror] == "true" {
		return false
	}
	_, leader := ep.Annotations[resourcelock.LeaderElectionRecordAnnotationKey]
	return !leader
}

// reconcile mirrors the Endpoints named by key, or deletes its mirrored
// slices when it must not be mirrored any more.
func reconcile(ctx context.Context, d Deps, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	existing, err := d.ListSlices(ns, name)
	if err != nil {
		return err
	}
	svc, err := d.GetService(ns, name)
	if apierrors.IsNotFound(err) {
		return deleteAll(ctx, d, key, existing)
	}
	if err != nil {
		return err
	}
	if svc.Spec.Type == corev1.ServiceTypeExternalName || svc.Spec.Selector != nil {
		return deleteAll(ctx, d, key, existing)
	}
	ep, err := d.GetEndpoints(ns, name)
	if apierrors.IsNotFound(err) {
		return deleteAll(ctx, d, key, existing)
	}
	if err != nil {
		return err
	}
	if !shouldMirror(ep) {
		return deleteAll(ctx, d, key, existing)
	}
	if d.Stale.Stale(key, existing) {
		return fmt.Errorf("endpoints %s: endpointslice informer cache is out of date", key)
	}

	want := desiredFor(ep, d.MaxEndpointsPerSubset)
	if want.invalid > 0 {
		d.Event(ep, corev1.EventTypeWarning, reasonInvalidIP,
			fmt.Sprintf("Skipped %d invalid IP addresses when mirroring to EndpointSlices", want.invalid))
	}
	if want.skipped > want.invalid {
		d.Event(ep, corev1.EventTypeWarning, reasonTooManyToMirror,
			fmt.Sprintf("A max of %d addresses can be mirrored to EndpointSlices per Endpoints subset. %d addresses were skipped", d.MaxEndpointsPerSubset, want.skipped))
	}
	ch := plan(ep, want, existing, d.MaxEndpointsPerSubset)

	// No new slices for an Endpoints object being deleted.
	if ep.DeletionTimestamp == nil {
		for _, s := range ch.create {
			got, err := d.Create(ctx, s)
			if err != nil {
				if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
					return nil
				}
				return fmt.Errorf("create endpointslice for endpoints %s: %w", key, err)
			}
			d.Stale.Wrote(key, got)
		}
	}
	for _, s := range ch.update {
		got, err := d.Update(ctx, s)
		if err != nil {
			return fmt.Errorf("update endpointslice %s for endpoints %s: %w", s.Name, key, err)
		}
		d.Stale.Wrote(key, got)
	}
	return deleteSlices(ctx, d, key, ch.delete)
}

// deleteAll deletes every mirrored slice of key.
func deleteAll(ctx context.Context, d Deps, key string, existing []*discoveryv1.EndpointSlice) error {
	d.Stale.Forget(key)
	return deleteSlices(ctx, d, key, existing)
}

func deleteSlices(ctx context.Context, d Deps, key string, del []*discoveryv1.EndpointSlice) error {
	var errs []error
	for _, s := range del {
		if err := d.Delete(ctx, s); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete endpointslice %s for endpoints %s: %w", s.Name, key, err))
			continue
		}
		d.Stale.Removed(key, s.Name)
	}
	return errors.Join(errs...)
}

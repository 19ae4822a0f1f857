package endpoints

import (
	"context"
	"fmt"
	"maps"
	"math"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"

	"github.com/berth-dev/berth/internal/podcondition"
)

// LabelManagedBy marks the Endpoints this controller writes (upstream
// since 1.33), with the value ManagedBy.
const (
	LabelManagedBy = "endpoints.kubernetes.io/managed-by"
	ManagedBy      = "endpoint-controller"
)

// MaxAddresses is how many addresses an Endpoints object holds at most;
// beyond it the controller truncates and sets the over-capacity annotation.
const MaxAddresses = 1000

// Deps are what reconcile needs, as small functions so tests need no
// fakes of whole clients.
type Deps struct {
	// GetService and GetEndpoints read the informer caches; they return a
	// NotFound error for a missing object.
	GetService   func(namespace, name string) (*corev1.Service, error)
	GetEndpoints func(namespace, name string) (*corev1.Endpoints, error)
	// ListPods lists the pods of namespace matching selector (cache).
	ListPods func(namespace string, selector labels.Selector) ([]*corev1.Pod, error)
	// Create and Update return the stored object.
	Create func(ctx context.Context, ep *corev1.Endpoints) (*corev1.Endpoints, error)
	Update func(ctx context.Context, ep *corev1.Endpoints) (*corev1.Endpoints, error)
	Delete func(ctx context.Context, namespace, name string) error
	// Event records an event about obj.
	Event   func(obj runtime.Object, eventType, reason, message string)
	Trigger *TriggerTracker
	written *written
}

// reconcile makes the Endpoints of the Service named by key match its pods.
func reconcile(ctx context.Context, d Deps, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	svc, err := d.GetService(ns, name)
	if apierrors.IsNotFound(err) {
		d.Trigger.Forget(key)
		d.written.forget(key)
		if _, err := d.GetEndpoints(ns, name); apierrors.IsNotFound(err) {
			return nil
		}
		if err := d.Delete(ctx, ns, name); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete endpoints %s: %w", key, err)
		}
		return nil
	}
	if err != nil {
		return err
	}
	// Services of type ExternalName or without a selector get no
	// endpoints from this controller; users write them.
	if svc.Spec.Type == corev1.ServiceTypeExternalName || svc.Spec.Selector == nil {
		return nil
	}
	pods, err := d.ListPods(ns, labels.SelectorFromSet(svc.Spec.Selector))
	if err != nil {
		return err
	}
	// Computed before any early return so the tracker sees every sync.
	trigger := d.Trigger.Compute(key, svc, pods)
	subsets := Repack(desiredSubsets(svc, pods))

	cur, err := d.GetEndpoints(ns, name)
	create := apierrors.IsNotFound(err)
	switch {
	case create:
		cur = nil
	case err != nil:
		return err
	}
	if d.written.stale(key, cur) {
		return fmt.Errorf("endpoints %s: informer cache is out of date", key)
	}
	if create {
		cur = &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}
	}
	// The labels are the Service's plus the controller's own two.
	curLabels := maps.Clone(cur.Labels)
	delete(curLabels, corev1.IsHeadlessService)
	delete(curLabels, LabelManagedBy)
	if !create && equality.Semantic.DeepEqual(cur.Subsets, subsets) && cur.Labels[LabelManagedBy] == ManagedBy &&
		equality.Semantic.DeepEqual(curLabels, svc.Labels) && overCapacityAnnotationRight(cur) {
		return nil
	}

	ep := cur.DeepCopy()
	ep.Subsets = subsets
	ep.Labels = maps.Clone(svc.Labels)
	if ep.Labels == nil {
		ep.Labels = map[string]string{}
	}
	if IsHeadless(svc) {
		ep.Labels[corev1.IsHeadlessService] = ""
	}
	ep.Labels[LabelManagedBy] = ManagedBy
	if ep.Annotations == nil {
		ep.Annotations = map[string]string{}
	}
	if trigger.IsZero() {
		delete(ep.Annotations, corev1.EndpointsLastChangeTriggerTime)
	} else {
		ep.Annotations[corev1.EndpointsLastChangeTriggerTime] = trigger.UTC().Format(time.RFC3339Nano)
	}
	if truncate(ep) {
		ep.Annotations[corev1.EndpointsOverCapacity] = "truncated"
	} else {
		delete(ep.Annotations, corev1.EndpointsOverCapacity)
	}

	var stored *corev1.Endpoints
	if create {
		stored, err = d.Create(ctx, ep)
	} else {
		stored, err = d.Update(ctx, ep)
	}
	switch {
	case err == nil:
		d.written.record(key, stored)
		return nil
	case create && apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause):
		// Creates keep failing in a terminating namespace: drop the key.
		return nil
	case create:
		d.Event(ep, corev1.EventTypeWarning, "FailedToCreateEndpoint", fmt.Sprintf("Failed to create endpoint for service %s/%s: %v", ns, name, err))
		return fmt.Errorf("create endpoints %s: %w", key, err)
	default:
		d.Event(ep, corev1.EventTypeWarning, "FailedToUpdateEndpoint", fmt.Sprintf("Failed to update endpoint %s/%s: %v", ns, name, err))
		return fmt.Errorf("update endpoints %s: %w", key, err)
	}
}

// desiredSubsets lists one subset per pod and resolved port, before
// repacking.
func desiredSubsets(svc *corev1.Service, pods []*corev1.Pod) []corev1.EndpointSubset {
	var out []corev1.EndpointSubset
	tolerate := svc.Spec.PublishNotReadyAddresses
	for _, pod := range pods {
		if !IncludePod(pod, tolerate) {
			continue
		}
		addr, ok := podAddress(svc, pod)
		if !ok {
			continue
		}
		subset := func(ports []corev1.EndpointPort) corev1.EndpointSubset {
			if tolerate || podcondition.Ready(pod) {
				return corev1.EndpointSubset{Addresses: []corev1.EndpointAddress{addr}, Ports: ports}
			}
			return corev1.EndpointSubset{NotReadyAddresses: []corev1.EndpointAddress{addr}, Ports: ports}
		}
		if len(svc.Spec.Ports) == 0 {
			// A headless Service may have no ports: addresses only.
			if svc.Spec.ClusterIP == corev1.ClusterIPNone {
				out = append(out, subset(nil))
			}
			continue
		}
		for i := range svc.Spec.Ports {
			sp := &svc.Spec.Ports[i]
			n, err := FindPort(pod, sp)
			if err != nil {
				continue // this pod does not serve this port
			}
			out = append(out, subset([]corev1.EndpointPort{{Name: sp.Name, Port: n, Protocol: sp.Protocol, AppProtocol: sp.AppProtocol}}))
		}
	}
	return out
}

// overCapacityAnnotationRight reports whether ep's over-capacity
// annotation is absent and ep is within capacity (a stored object over
// capacity always needs truncating).
func overCapacityAnnotationRight(ep *corev1.Endpoints) bool {
	n := 0
	for _, s := range ep.Subsets {
		n += len(s.Addresses) + len(s.NotReadyAddresses)
	}
	if n > MaxAddresses {
		return false
	}
	_, set := ep.Annotations[corev1.EndpointsOverCapacity]
	return !set
}

// truncate cuts ep down to MaxAddresses as upstream does: ready addresses
// are kept before not-ready ones, and what is kept is spread over the
// subsets in proportion to their size. It reports whether it cut anything.
func truncate(ep *corev1.Endpoints) bool {
	ready, notReady := 0, 0
	for _, s := range ep.Subsets {
		ready += len(s.Addresses)
		notReady += len(s.NotReadyAddresses)
	}
	if ready+notReady <= MaxAddresses {
		return false
	}
	cutReady := ready > MaxAddresses
	budget, total := MaxAddresses-ready, notReady
	if cutReady {
		budget, total = MaxAddresses, ready
	}
	left := budget
	for i := range ep.Subsets {
		s := &ep.Subsets[i]
		in := len(s.NotReadyAddresses)
		if cutReady {
			in = len(s.Addresses)
		}
		take := min(int(math.Ceil(float64(in)/float64(total)*float64(budget))), left)
		if cutReady {
			s.Addresses = s.Addresses[:min(take, len(s.Addresses))]
			s.NotReadyAddresses = nil
			left -= len(s.Addresses)
		} else {
			s.NotReadyAddresses = s.NotReadyAddresses[:min(take, len(s.NotReadyAddresses))]
			left -= len(s.NotReadyAddresses)
		}
	}
	return true
}

package admission

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/clock"

	"github.com/berth-dev/berth/internal/registry"
)

// Admission runs the cross-object write rules. Build it, pass Hooks() to
// registry.New, then SetRegistry with the result.
type Admission struct {
	namespaces      *registry.Store
	priorityClasses *registry.Store
	services        *ServiceAllocator
	clock           clock.PassiveClock

	mu sync.Mutex
	// deleted holds namespaces whose deletion was requested recently, until
	// when the watch cache may still show them Active (upstream's
	// forceLiveLookupCache).
	deleted map[string]time.Time
}

// forceLiveLookupTTL is how long after a namespace delete creates in it
// check the namespace in etcd rather than in the watch cache.
const forceLiveLookupTTL = 30 * time.Second

// New returns an Admission allocating Service addresses with alloc.
func New(alloc *ServiceAllocator) *Admission {
	return &Admission{services: alloc, clock: clock.RealClock{}, deleted: map[string]time.Time{}}
}

// SetRegistry gives the admission access to namespaces.
func (a *Admission) SetRegistry(reg *registry.Registry) {
	a.namespaces = reg.Store(schema.GroupVersionResource{Version: "v1", Resource: "namespaces"})
	a.priorityClasses = reg.Store(schema.GroupVersionResource{Group: "scheduling.k8s.io", Version: "v1", Resource: "priorityclasses"})
}

// ImmortalNamespaces may never be deleted.
var ImmortalNamespaces = []string{metav1.NamespaceDefault, metav1.NamespaceSystem, metav1.NamespacePublic}

// Hooks returns the registry hooks.
func (a *Admission) Hooks() registry.Hooks {
	return registry.Hooks{
		BeforeCreate: a.beforeCreate,
		BeforeUpdate: a.beforeUpdate,
		AfterDelete:  a.afterDelete,
		CreateFailed: a.createFailed,
		UpdateFailed: a.updateFailed,
		AfterUpdate:  a.afterUpdate,
		BeforeDelete: a.beforeDelete,
	}
}

func isServices(r *registry.Resource) bool { return r.Group == "" && r.Resource == "services" }

func (a *Admission) beforeCreate(ctx context.Context, r *registry.Resource, obj runtime.Object, dryRun bool) error {
	if r.Namespaced {
		if err := a.checkNamespace(ctx, r, obj); err != nil {
			return err
		}
	}
	if isServices(r) {
		return a.services.Allocate(ctx, obj.(*corev1.Service), nil, dryRun)
	}
	if r.Group == "" && r.Resource == "pods" {
		return a.admitPod(ctx, obj.(*corev1.Pod))
	}
	return nil
}

func (a *Admission) beforeUpdate(ctx context.Context, r *registry.Resource, obj, old runtime.Object, dryRun bool) error {
	if isServices(r) {
		return a.services.Allocate(ctx, obj.(*corev1.Service), old.(*corev1.Service), dryRun)
	}
	return nil
}

func (a *Admission) afterDelete(ctx context.Context, r *registry.Resource, obj runtime.Object) {
	if isServices(r) {
		a.services.Release(ctx, obj.(*corev1.Service))
	}
}

func (a *Admission) createFailed(ctx context.Context, r *registry.Resource, obj runtime.Object) {
	if isServices(r) {
		a.services.Release(ctx, obj.(*corev1.Service))
	}
}

func (a *Admission) beforeDelete(_ context.Context, r *registry.Resource, namespace, name string) error {
	if r.Group == "" && r.Resource == "namespaces" {
		if slices.Contains(ImmortalNamespaces, name) {
			return apierrors.NewForbidden(r.GroupResource(), name, fmt.Errorf("this namespace may not be deleted"))
		}
		now := a.clock.Now()
		a.mu.Lock()
		for ns, until := range a.deleted {
			if now.After(until) {
				delete(a.deleted, ns)
			}
		}
		a.deleted[name] = now.Add(forceLiveLookupTTL)
		a.mu.Unlock()
	}
	return nil
}

// recentlyDeleted reports whether ns had a delete request within
// forceLiveLookupTTL.
func (a *Admission) recentlyDeleted(ns string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	until, ok := a.deleted[ns]
	return ok && !a.clock.Now().After(until)
}

// checkNamespace refuses content in a namespace that does not exist or is
// being terminated, as upstream's NamespaceLifecycle admission.
func (a *Admission) checkNamespace(ctx context.Context, r *registry.Resource, obj runtime.Object) error {
	m, err := meta.Accessor(obj)
	if err != nil {
		return apierrors.NewBadRequest(err.Error())
	}
	ns := m.GetNamespace()
	if ns == "" {
		return nil
	}
	// The watch cache answers almost always; a namespace created a moment
	// ago may not be there yet, so a miss is confirmed against etcd, and
	// one deleted a moment ago may still look Active there, so it is read
	// from etcd.
	opts := &metav1.GetOptions{ResourceVersion: "0"}
	if a.recentlyDeleted(ns) {
		opts = nil
	}
	nsObj, err := a.namespaces.Get(ctx, "", ns, opts)
	if apierrors.IsNotFound(err) && opts != nil {
		nsObj, err = a.namespaces.Get(ctx, "", ns, nil)
	}
	if apierrors.IsNotFound(err) {
		return apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, ns)
	}
	if err != nil {
		return err
	}
	if nsObj.(*corev1.Namespace).Status.Phase == corev1.NamespaceTerminating {
		st := apierrors.NewForbidden(r.GroupResource(), m.GetName(),
			fmt.Errorf("unable to create new content in namespace %s because it is being terminated", ns))
		st.ErrStatus.Details.Causes = append(st.ErrStatus.Details.Causes, metav1.StatusCause{
			Type: corev1.NamespaceTerminatingCause, Message: fmt.Sprintf("namespace %s is being terminated", ns), Field: "metadata.namespace"})
		st.ErrStatus.Code = http.StatusForbidden
		return st
	}
	return nil
}

func (a *Admission) updateFailed(ctx context.Context, r *registry.Resource, obj, old runtime.Object) {
	if isServices(r) {
		a.services.releaseUnused(ctx, old.(*corev1.Service), obj.(*corev1.Service))
	}
}

func (a *Admission) afterUpdate(ctx context.Context, r *registry.Resource, obj, old runtime.Object) {
	if isServices(r) {
		a.services.releaseUnused(ctx, obj.(*corev1.Service), old.(*corev1.Service))
	}
}

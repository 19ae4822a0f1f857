package admission

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/berth-dev/berth/internal/registry"
)

// Admission runs the cross-object write rules. Build it, pass Hooks() to
// registry.New, then SetRegistry with the result.
type Admission struct {
	namespaces      *registry.Store
	priorityClasses *registry.Store
	services        *ServiceAllocator
}

// New returns an Admission allocating Service addresses with alloc.
func New(alloc *ServiceAllocator) *Admission { return &Admission{services: alloc} }

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
	if r.Group == "" && r.Resource == "namespaces" && slices.Contains(ImmortalNamespaces, name) {
		return apierrors.NewForbidden(r.GroupResource(), name, fmt.Errorf("this namespace may not be deleted"))
	}
	return nil
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
	// ago may not be there yet, so a miss is confirmed against etcd.
	nsObj, err := a.namespaces.Get(ctx, "", ns, &metav1.GetOptions{ResourceVersion: "0"})
	if apierrors.IsNotFound(err) {
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

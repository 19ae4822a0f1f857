package garbagecollector

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/retry"
)

// api reaches objects of any kind through the metadata client, resolving
// kinds to resources with a REST mapper.
type api struct {
	client metadata.Interface
	mapper meta.RESTMapper
}

// resource resolves apiVersion/kind to its resource and scope.
func (a api) resource(apiVersion, kind string) (schema.GroupVersionResource, bool, error) {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return schema.GroupVersionResource{}, false, err
	}
	m, err := a.mapper.RESTMapping(gv.WithKind(kind).GroupKind(), gv.Version)
	if err != nil {
		return schema.GroupVersionResource{}, false, err
	}
	return m.Resource, m.Scope.Name() == meta.RESTScopeNameNamespace, nil
}

// objects returns the client for ref's resource, in ref's namespace when
// the resource is namespaced.
func (a api) objects(ref objectRef) (metadata.ResourceInterface, schema.GroupResource, error) {
	gvr, namespaced, err := a.resource(ref.APIVersion, ref.Kind)
	if err != nil {
		return nil, schema.GroupResource{}, err
	}
	if !namespaced {
		return a.client.Resource(gvr), gvr.GroupResource(), nil
	}
	return a.client.Resource(gvr).Namespace(ref.Namespace), gvr.GroupResource(), nil
}

func (a api) namespaced(apiVersion, kind string) (bool, error) {
	_, ns, err := a.resource(apiVersion, kind)
	return ns, err
}

func (a api) get(ctx context.Context, ref objectRef) (*metav1.PartialObjectMetadata, error) {
	gvr, namespaced, err := a.resource(ref.APIVersion, ref.Kind)
	if err != nil {
		return nil, err
	}
	if namespaced && ref.Namespace == "" {
		// A namespaced kind named by a cluster-scoped dependent: there is
		// no such object where the reference can point.
		return nil, apierrors.NewNotFound(gvr.GroupResource(), ref.Name)
	}
	rc, _, err := a.objects(ref)
	if err != nil {
		return nil, err
	}
	return rc.Get(ctx, ref.Name, metav1.GetOptions{})
}

// getSame is get, with an object of another UID reported as NotFound.
func (a api) getSame(ctx context.Context, rc metadata.ResourceInterface, gr schema.GroupResource, ref objectRef) (*metav1.PartialObjectMetadata, error) {
	cur, err := rc.Get(ctx, ref.Name, metav1.GetOptions{})
	if err == nil && cur.UID != ref.UID {
		return nil, apierrors.NewNotFound(gr, ref.Name)
	}
	return cur, err
}

// delete deletes ref as the collector last saw it. The resourceVersion
// precondition keeps an object that gained an owner meanwhile; when the
// object changed in other ways only, it is deleted by UID alone.
func (a api) delete(ctx context.Context, ref objectRef, latest *metav1.PartialObjectMetadata, policy metav1.DeletionPropagation) error {
	rc, gr, err := a.objects(ref)
	if err != nil {
		return err
	}
	uid, rv := ref.UID, latest.ResourceVersion
	err = rc.Delete(ctx, ref.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid, ResourceVersion: &rv}, PropagationPolicy: &policy})
	if !apierrors.IsConflict(err) {
		return err
	}
	cur, gerr := a.getSame(ctx, rc, gr, ref)
	if gerr != nil {
		return gerr
	}
	if !reflect.DeepEqual(cur.OwnerReferences, latest.OwnerReferences) {
		return err // owners changed: decide again
	}
	return rc.Delete(ctx, ref.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}, PropagationPolicy: &policy})
}

// patchMeta writes fields into ref's metadata with a JSON merge patch
// guarded by cur's resourceVersion.
func patchMeta(ctx context.Context, rc metadata.ResourceInterface, cur *metav1.PartialObjectMetadata, fields map[string]any) error {
	fields["resourceVersion"] = cur.ResourceVersion
	body, err := json.Marshal(map[string]any{"metadata": fields})
	if err != nil {
		return err
	}
	_, err = rc.Patch(ctx, cur.Name, types.MergePatchType, body, metav1.PatchOptions{})
	return err
}

func (a api) editOwnerRefs(ctx context.Context, ref objectRef, edit func([]metav1.OwnerReference) []metav1.OwnerReference) error {
	rc, gr, err := a.objects(ref)
	if err != nil {
		return err
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := a.getSame(ctx, rc, gr, ref)
		if err != nil {
			return err
		}
		refs := edit(slices.Clone(cur.OwnerReferences))
		if reflect.DeepEqual(refs, cur.OwnerReferences) {
			return nil
		}
		var v any = refs
		if len(refs) == 0 {
			v = nil
		}
		return patchMeta(ctx, rc, cur, map[string]any{"ownerReferences": v})
	})
}

func (a api) removeFinalizer(ctx context.Context, ref objectRef, finalizer string) error {
	rc, gr, err := a.objects(ref)
	if err != nil {
		return err
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := a.getSame(ctx, rc, gr, ref)
		if err != nil {
			return err
		}
		if !slices.Contains(cur.Finalizers, finalizer) {
			return nil
		}
		var v any = slices.DeleteFunc(slices.Clone(cur.Finalizers), func(f string) bool { return f == finalizer })
		if len(cur.Finalizers) == 1 {
			v = nil
		}
		return patchMeta(ctx, rc, cur, map[string]any{"finalizers": v})
	})
}

// warner records Warning events about objects.
func warner(rec record.EventRecorder) func(objectRef, string, string) {
	return func(ref objectRef, reason, message string) {
		rec.Event(&corev1.ObjectReference{APIVersion: ref.APIVersion, Kind: ref.Kind, Namespace: ref.Namespace,
			Name: ref.Name, UID: ref.UID}, corev1.EventTypeWarning, reason, message)
	}
}

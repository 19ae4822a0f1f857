package apiserver

import (
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
)

// Resources served in more than one version are stored in one of them; the
// conversion happens here, at the HTTP boundary: request bodies are
// converted to the stored version, responses back to the requested one.

// toStorage converts a decoded request object to the stored version.
func (req *request) toStorage(obj runtime.Object) (runtime.Object, error) {
	if !req.res.Converts() {
		return obj, nil
	}
	out, err := req.res.ToStorage(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	out.GetObjectKind().SetGroupVersionKind(req.store.Resource().GVK())
	return out, nil
}

// fromStorage converts a stored object or list to the requested version.
func (req *request) fromStorage(obj runtime.Object) (runtime.Object, error) {
	if !req.res.Converts() || obj == nil {
		return obj, nil
	}
	if !meta.IsListType(obj) {
		out, err := req.res.FromStorage(obj)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		out.GetObjectKind().SetGroupVersionKind(req.res.GVK())
		return out, nil
	}
	items, err := meta.ExtractList(obj)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	converted := make([]runtime.Object, 0, len(items))
	for _, item := range items {
		out, err := req.res.FromStorage(item)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		converted = append(converted, out)
	}
	list := req.res.NewList()
	if err := meta.SetList(list, converted); err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	src, _ := meta.ListAccessor(obj)
	dst, _ := meta.ListAccessor(list)
	dst.SetResourceVersion(src.GetResourceVersion())
	dst.SetContinue(src.GetContinue())
	dst.SetRemainingItemCount(src.GetRemainingItemCount())
	list.GetObjectKind().SetGroupVersionKind(req.res.GroupVersion().WithKind(req.res.Kind + "List"))
	return list, nil
}

package apiserver

import (
	"bytes"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/berth-dev/berth/internal/printers"
)

// toTable renders an object or a list as a metav1.Table with the
// resource's printer. withColumns is false for all but the first watch
// event, as upstream.
func (s *Server) toTable(req *request, obj runtime.Object, withColumns bool) (*metav1.Table, error) {
	p, ok := s.printers[req.store.Resource().GVK().GroupKind()]
	if !ok {
		p = printers.Default()
	}
	include := metav1.IncludeMetadata
	switch v := metav1.IncludeObjectPolicy(req.r.URL.Query().Get("includeObject")); v {
	case "":
	case metav1.IncludeNone, metav1.IncludeMetadata, metav1.IncludeObject:
		include = v
	default:
		return nil, apierrors.NewBadRequest("includeObject must be one of None, Metadata, Object")
	}
	t := &metav1.Table{}
	var items []runtime.Object
	if meta.IsListType(obj) {
		var err error
		if items, err = meta.ExtractList(obj); err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		if lm, err := meta.ListAccessor(obj); err == nil {
			t.ResourceVersion, t.Continue, t.RemainingItemCount = lm.GetResourceVersion(), lm.GetContinue(), lm.GetRemainingItemCount()
		}
	} else {
		items = []runtime.Object{obj}
		if m, err := meta.Accessor(obj); err == nil {
			t.ResourceVersion = m.GetResourceVersion()
		}
	}
	now := s.clock.Now()
	t.Rows = make([]metav1.TableRow, 0, len(items))
	for _, item := range items {
		cells, err := p.Row(item, now)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		row := metav1.TableRow{Cells: cells}
		switch include {
		case metav1.IncludeMetadata:
			m, err := meta.Accessor(item)
			if err != nil {
				return nil, apierrors.NewInternalError(err)
			}
			pm := &metav1.PartialObjectMetadata{ObjectMeta: *objectMetaOf(m)}
			pm.APIVersion, pm.Kind = "meta.k8s.io/v1", "PartialObjectMetadata"
			row.Object.Raw = mustJSON(pm)
		case metav1.IncludeObject:
			row.Object.Raw = mustJSON(item)
		}
		t.Rows = append(t.Rows, row)
	}
	if withColumns {
		t.ColumnDefinitions = p.Columns
	} else {
		t.ColumnDefinitions = []metav1.TableColumnDefinition{}
	}
	t.APIVersion, t.Kind = "meta.k8s.io/v1", "Table"
	return t, nil
}

func objectMetaOf(m metav1.Object) *metav1.ObjectMeta {
	if om, ok := m.(*metav1.ObjectMeta); ok {
		return om
	}
	return &metav1.ObjectMeta{
		Name: m.GetName(), GenerateName: m.GetGenerateName(), Namespace: m.GetNamespace(), UID: m.GetUID(),
		ResourceVersion: m.GetResourceVersion(), Generation: m.GetGeneration(), CreationTimestamp: m.GetCreationTimestamp(),
		DeletionTimestamp: m.GetDeletionTimestamp(), DeletionGracePeriodSeconds: m.GetDeletionGracePeriodSeconds(),
		Labels: m.GetLabels(), Annotations: m.GetAnnotations(), OwnerReferences: m.GetOwnerReferences(),
		Finalizers: m.GetFinalizers(), ManagedFields: m.GetManagedFields(),
	}
}

func mustJSON(obj runtime.Object) []byte {
	var buf bytes.Buffer
	if err := jsonSerializer.Encode(obj, &buf); err != nil {
		return []byte("null")
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// toPartial strips objects to their metadata (PartialObjectMetadata and
// PartialObjectMetadataList).
func toPartial(obj runtime.Object, version string) (runtime.Object, error) {
	apiVersion := "meta.k8s.io/" + version
	one := func(o runtime.Object) (*metav1.PartialObjectMetadata, error) {
		m, err := meta.Accessor(o)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		pm := &metav1.PartialObjectMetadata{ObjectMeta: *objectMetaOf(m)}
		pm.APIVersion, pm.Kind = apiVersion, "PartialObjectMetadata"
		return pm, nil
	}
	if !meta.IsListType(obj) {
		return one(obj)
	}
	items, err := meta.ExtractList(obj)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	list := &metav1.PartialObjectMetadataList{Items: make([]metav1.PartialObjectMetadata, 0, len(items))}
	list.APIVersion, list.Kind = apiVersion, "PartialObjectMetadataList"
	if lm, err := meta.ListAccessor(obj); err == nil {
		list.ResourceVersion, list.Continue, list.RemainingItemCount = lm.GetResourceVersion(), lm.GetContinue(), lm.GetRemainingItemCount()
	}
	for _, item := range items {
		pm, err := one(item)
		if err != nil {
			return nil, err
		}
		list.Items = append(list.Items, *pm)
	}
	return list, nil
}

package registry

import (
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
	"sigs.k8s.io/structured-merge-diff/v6/value"
)

// metaFieldsNotTracked are the paths upstream's field manager never records
// as owned (its stripMeta step).
var metaFieldsNotTracked = fieldpath.NewSet(
	fieldpath.MakePathOrDie("apiVersion"),
	fieldpath.MakePathOrDie("kind"),
	fieldpath.MakePathOrDie("metadata"),
	fieldpath.MakePathOrDie("metadata", "name"),
	fieldpath.MakePathOrDie("metadata", "namespace"),
	fieldpath.MakePathOrDie("metadata", "creationTimestamp"),
	fieldpath.MakePathOrDie("metadata", "selfLink"),
	fieldpath.MakePathOrDie("metadata", "uid"),
	fieldpath.MakePathOrDie("metadata", "clusterName"),
	fieldpath.MakePathOrDie("metadata", "generation"),
	fieldpath.MakePathOrDie("metadata", "managedFields"),
	fieldpath.MakePathOrDie("metadata", "resourceVersion"),
)

// createFields records the managedFields entry of a create. The field
// manager gets it by comparing the new object with an empty one, which
// walks the whole object twice; creates are the hottest write, so this
// computes the same set from the object's own field set and the (cached)
// shape of the empty object:
//
//   - every node of the new object that the empty object lacks is added
//     (maps and lists themselves included, structs the empty object has
//     are not);
//   - a leaf both have is owned when its value differs from the empty one.
//
// TestCreateManagedFieldsMatchFieldManager holds it to the field manager's
// output.
type createFields struct {
	tc     managedfields.TypeConverter
	filter fieldpath.Filter // reset fields (status on the main resource)
	res    *Resource

	once    sync.Once
	empty   value.Value    // the empty object
	leaves  *fieldpath.Set // its field set
	present *fieldpath.Set // its nodes: leaves and their ancestors
	err     error
}

func (c *createFields) init() {
	obj := c.res.New()
	obj.GetObjectKind().SetGroupVersionKind(c.res.GVK())
	tv, err := c.tc.ObjectToTyped(obj)
	if err != nil {
		c.err = err
		return
	}
	if c.leaves, c.err = tv.ToFieldSet(); c.err != nil {
		return
	}
	c.empty = tv.AsValue()
	c.present = fieldpath.NewSet()
	c.leaves.Iterate(func(p fieldpath.Path) {
		for i := 1; i <= len(p); i++ {
			c.present.Insert(p[:i].Copy())
		}
	})
}

// record sets obj's managedFields for a create by manager and reports
// true, or false when the caller must use the field manager (the request
// carries managedFields of its own, or the object cannot be typed).
func (c *createFields) record(obj runtime.Object, m metav1.Object, manager string, now time.Time) bool {
	if c == nil || len(m.GetManagedFields()) > 0 {
		return false
	}
	c.once.Do(c.init)
	if c.err != nil {
		return false
	}
	tv, err := c.tc.ObjectToTyped(obj)
	if err != nil {
		return false
	}
	set, err := tv.ToFieldSet()
	if err != nil {
		return false
	}
	val := tv.AsValue()
	owned := fieldpath.NewSet()
	set.Iterate(func(p fieldpath.Path) {
		for i := 1; i <= len(p); i++ {
			if q := p[:i]; !c.present.Has(q) {
				owned.Insert(q.Copy())
			}
		}
		if c.leaves.Has(p) && !equalAt(val, c.empty, p) {
			owned.Insert(p.Copy())
		}
	})
	owned = c.filter.Filter(owned.Difference(metaFieldsNotTracked))
	if owned.Empty() {
		m.SetManagedFields(nil)
		return true
	}
	raw, err := owned.ToJSON()
	if err != nil {
		return false
	}
	t := metav1.NewTime(now.UTC().Truncate(time.Second))
	m.SetManagedFields([]metav1.ManagedFieldsEntry{{
		Manager: manager, Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: c.res.GroupVersion().String(),
		Time: &t, FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: raw},
	}})
	return true
}

// equalAt compares a and b at path p (field names only: the empty object
// has no list items). A path it cannot follow counts as different.
func equalAt(a, b value.Value, p fieldpath.Path) bool {
	for _, pe := range p {
		if pe.FieldName == nil || a == nil || b == nil || !a.IsMap() || !b.IsMap() {
			return false
		}
		var ok bool
		if a, ok = a.AsMap().Get(*pe.FieldName); !ok {
			return false
		}
		if b, ok = b.AsMap().Get(*pe.FieldName); !ok {
			return false
		}
	}
	return value.Equals(a, b)
}

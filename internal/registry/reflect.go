package registry

import (
	"reflect"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
)

// field returns the addressable struct field name of obj (a pointer to a
// struct), or an invalid Value if there is none.
func structField(obj runtime.Object, name string) reflect.Value {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return reflect.Value{}
	}
	return v.Elem().FieldByName(name)
}

// copyField sets dst.name = src.name when both have it.
func copyField(dst, src runtime.Object, name string) {
	d, s := structField(dst, name), structField(src, name)
	if d.IsValid() && s.IsValid() && d.CanSet() {
		d.Set(s)
	}
}

// clearField zeroes obj.name when obj has it.
func clearField(obj runtime.Object, name string) {
	if f := structField(obj, name); f.IsValid() && f.CanSet() {
		f.Set(reflect.Zero(f.Type()))
	}
}

// fieldChanged reports whether obj.name differs semantically from old.name.
func fieldChanged(obj, old runtime.Object, name string) bool {
	a, b := structField(obj, name), structField(old, name)
	if !a.IsValid() || !b.IsValid() {
		return false
	}
	return !equality.Semantic.DeepEqual(a.Interface(), b.Interface())
}

// hasField reports whether obj's type has a field name.
func hasField(obj runtime.Object, name string) bool { return structField(obj, name).IsValid() }

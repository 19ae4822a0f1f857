package registry

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Strategy holds the per-kind rules the generic store applies around every
// write. Group packages (core, apps, ...) export plain typed functions; the
// resource table adapts them with Typed, so those packages never import the
// registry.
type Strategy struct {
	// Default fills unset fields in place with upstream's defaults. Called on
	// create and update (including the result of a patch) before validation.
	Default func(obj runtime.Object)
	// Validate checks a new object, metadata included.
	Validate func(obj runtime.Object) field.ErrorList
	// ValidateUpdate checks obj as a replacement for old: immutability and
	// the full rules for obj.
	ValidateUpdate func(obj, old runtime.Object) field.ErrorList
	// ValidateSubresource checks writes through a subresource (status,
	// finalize). A missing entry means ValidateUpdate.
	ValidateSubresource map[string]func(obj, old runtime.Object) field.ErrorList
	// PrepareForCreate sets system-owned fields of a new object (a pod's
	// phase and QoS class, a namespace's finalizers). Runs before Default.
	PrepareForCreate func(obj runtime.Object)
	// PrepareForUpdate adjusts an update of the object itself (not a
	// subresource) given the stored old object, before Default (a
	// service's fields its new type no longer uses).
	PrepareForUpdate func(obj, old runtime.Object)
	// GracePeriod decides how a delete proceeds: graceful with the returned
	// period, or at once. Nil means at once.
	GracePeriod func(obj runtime.Object, requested *int64) (seconds int64, graceful bool)
	// Finalizing marks obj as being deleted and reports whether something
	// besides metadata.finalizers still holds it (a namespace's
	// spec.finalizers). Nil means nothing does.
	Finalizing func(obj runtime.Object) bool
	// StatusResets names the metadata a status write may not change
	// (upstream: a Deployment keeps its labels, a pod its
	// ownerReferences). Everything else in metadata passes through a
	// status write, as upstream's built-in status strategies allow.
	StatusResets MetaFields
	// KeepStatusOnCreate keeps a status sent on create (nodes).
	KeepStatusOnCreate bool
	// TrackGeneration sets metadata.generation to 1 on create and bumps it
	// whenever the spec changes.
	TrackGeneration bool
}

// MetaFields is a set of metadata fields.
type MetaFields uint8

// The metadata fields a status write can be made to keep.
const (
	MetaLabels MetaFields = 1 << iota
	MetaOwnerReferences
)

// Typed adapts typed functions to a Strategy. Any of them may be nil.
func Typed[T runtime.Object](def func(T), validate func(T) field.ErrorList, validateUpdate func(obj, old T) field.ErrorList) Strategy {
	var s Strategy
	if def != nil {
		s.Default = func(obj runtime.Object) { def(obj.(T)) }
	}
	if validate != nil {
		s.Validate = func(obj runtime.Object) field.ErrorList { return validate(obj.(T)) }
	}
	if validateUpdate != nil {
		s.ValidateUpdate = func(obj, old runtime.Object) field.ErrorList { return validateUpdate(obj.(T), old.(T)) }
	}
	return s
}

// WithStatus returns s with a typed status-update validator.
func WithStatus[T runtime.Object](s Strategy, validate func(obj, old T) field.ErrorList) Strategy {
	return WithSubresource(s, SubStatus, validate)
}

// WithSubresource returns s with a typed validator for writes through sub.
func WithSubresource[T runtime.Object](s Strategy, sub string, validate func(obj, old T) field.ErrorList) Strategy {
	m := make(map[string]func(obj, old runtime.Object) field.ErrorList, len(s.ValidateSubresource)+1)
	for k, v := range s.ValidateSubresource {
		m[k] = v
	}
	m[sub] = func(obj, old runtime.Object) field.ErrorList { return validate(obj.(T), old.(T)) }
	s.ValidateSubresource = m
	return s
}

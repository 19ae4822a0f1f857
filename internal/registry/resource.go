package registry

import (
	"strings"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Subresource names served by the generic store.
const (
	SubStatus   = "status"
	SubScale    = "scale"
	SubBinding  = "binding"
	SubEviction = "eviction"
	SubFinalize = "finalize"
)

// Resource is one entry of the resource table: everything the API server
// needs to serve a resource, as data.
type Resource struct {
	Group, Version string
	// Resource is the lowercase plural (pods); Kind the type name (Pod).
	Resource, Kind, Singular string
	Namespaced               bool
	ShortNames, Categories   []string
	// Verbs served on the resource; nil means all of get, list, watch,
	// create, update, patch, delete, deletecollection.
	Verbs        []string
	Subresources []string
	New, NewList func() runtime.Object
	Strategy     Strategy
	// Fields returns the resource's own selectable fields (beyond
	// metadata.name and metadata.namespace), as upstream's field selectors.
	Fields func(obj runtime.Object) fields.Set
	// AllowCreateOnUpdate lets PUT create a missing object.
	AllowCreateOnUpdate bool
	// ReturnDeletedObject answers DELETE with the object instead of a Status.
	ReturnDeletedObject bool
	// StorageResource is the "group/resource" whose storage (and rules)
	// this entry shares as another version of the same data; empty for the
	// storage owner. Such entries convert with ToStorage and FromStorage.
	StorageResource string
	// ToStorage converts an object of this entry's kind to the owner's kind;
	// FromStorage converts back. Both nil for storage owners.
	ToStorage, FromStorage func(runtime.Object) (runtime.Object, error)
	// ValidateCreate, for converted entries, adds this version's own create
	// rules (checked on the object as sent, before conversion).
	ValidateCreate func(obj runtime.Object) field.ErrorList
}

// AllVerbs are the verbs of an ordinary resource.
var AllVerbs = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}

// GroupVersion of the resource.
func (r *Resource) GroupVersion() schema.GroupVersion {
	return schema.GroupVersion{Group: r.Group, Version: r.Version}
}

// GVK of the resource's kind.
func (r *Resource) GVK() schema.GroupVersionKind { return r.GroupVersion().WithKind(r.Kind) }

// GVR of the resource.
func (r *Resource) GVR() schema.GroupVersionResource {
	return r.GroupVersion().WithResource(r.Resource)
}

// GroupResource of the resource.
func (r *Resource) GroupResource() schema.GroupResource {
	return schema.GroupResource{Group: r.Group, Resource: r.Resource}
}

// HasSubresource reports whether name is served.
func (r *Resource) HasSubresource(name string) bool {
	for _, s := range r.Subresources {
		if s == name {
			return true
		}
	}
	return false
}

// AllowsVerb reports whether the resource serves verb.
func (r *Resource) AllowsVerb(verb string) bool {
	vs := r.Verbs
	if vs == nil {
		vs = AllVerbs
	}
	for _, v := range vs {
		if v == verb {
			return true
		}
	}
	return false
}

// KeyPrefix is where the resource's objects live in etcd:
// /registry/<resource>/ for the core group, /registry/<group>/<resource>/
// otherwise.
func (r *Resource) KeyPrefix() string {
	if r.Group == "" {
		return "/registry/" + r.Resource + "/"
	}
	return "/registry/" + r.Group + "/" + r.Resource + "/"
}

// Key of one object.
func (r *Resource) Key(namespace, name string) string {
	if r.Namespaced {
		return r.KeyPrefix() + namespace + "/" + name
	}
	return r.KeyPrefix() + name
}

// NamespacePrefix is the key prefix of one namespace's objects ("" means all).
func (r *Resource) NamespacePrefix(namespace string) string {
	if !r.Namespaced || namespace == "" {
		return r.KeyPrefix()
	}
	return r.KeyPrefix() + namespace + "/"
}

// storageID names the storage an entry uses.
func (r *Resource) storageID() string {
	if r.StorageResource != "" {
		return r.StorageResource
	}
	return strings.TrimPrefix(r.Group+"/"+r.Resource, "/")
}

// Converts reports whether the entry is served by converting to another
// entry's storage.
func (r *Resource) Converts() bool { return r.StorageResource != "" }

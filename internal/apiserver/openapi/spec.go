package openapi

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/handler3"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// Subresource is a subresource of a Resource, such as status or scale.
type Subresource struct {
	// Name is the path segment after the object's name, e.g. "status".
	Name string
	// Kind is the kind of the request and response bodies: the parent kind
	// for status, autoscaling/v1 Scale for scale, policy/v1 Eviction for
	// eviction. Zero means the subresource returns plain text (pods/log).
	Kind schema.GroupVersionKind
	// Verbs is a subset of get, update, patch and create.
	Verbs []string
}

// Resource is one REST resource served by the API server.
type Resource struct {
	GVK     schema.GroupVersionKind
	ListGVK schema.GroupVersionKind
	// Resource is the plural name, e.g. "deployments".
	Resource   string
	Namespaced bool
	// Verbs is a subset of get, list, watch, create, update, patch, delete
	// and deletecollection.
	Verbs        []string
	Subresources []Subresource
	// Object and List are zero values of the Go types of the kind and of its
	// list.
	Object, List runtime.Object
}

// Spec holds the OpenAPI documents of a fixed set of resources. Schemas are
// generated in New; the serialized documents are built on first request.
// A Spec is safe for concurrent use.
type Spec struct {
	defsV2  spec.Definitions
	defsV3  spec.Definitions
	depsV3  map[string][]string
	schemas map[string]*spec.Schema
	routes  map[schema.GroupVersion][]route
	gvs     []schema.GroupVersion

	v2Once sync.Once
	v2Doc  servedDoc

	v3     *handler3.OpenAPIService
	v3Keys map[string]bool
}

// New generates the schemas of the resources' kinds (and of the kinds their
// subresources use, which it looks up in scheme) and lays out their paths.
// It is meant to run once, at start-up.
func New(resources []Resource, scheme *runtime.Scheme) (*Spec, error) {
	s := &Spec{routes: map[schema.GroupVersion][]route{}}
	g2, g3 := newGenerator(v2), newGenerator(v3)
	define := func(t reflect.Type) string {
		g2.define(t)
		return g3.define(t)
	}
	gvks := map[string][]schema.GroupVersionKind{}
	addGVK := func(def string, gvk schema.GroupVersionKind) {
		if !slices.Contains(gvks[def], gvk) {
			gvks[def] = append(gvks[def], gvk)
		}
	}

	q := newQueryParams()
	seen := map[schema.GroupVersionResource]bool{}
	for i := range resources {
		r := &resources[i]
		gvr := r.GVK.GroupVersion().WithResource(r.Resource)
		if err := validate(r); err != nil {
			return nil, fmt.Errorf("openapi: resource %s: %w", gvr, err)
		}
		if seen[gvr] {
			return nil, fmt.Errorf("openapi: resource %s: listed twice", gvr)
		}
		seen[gvr] = true

		names := resourceNames{object: define(reflect.TypeOf(r.Object)), subs: map[string]string{}}
		addGVK(names.object, r.GVK)
		if r.List != nil {
			names.list = define(reflect.TypeOf(r.List))
			addGVK(names.list, r.ListGVK)
		}
		for _, sub := range r.Subresources {
			switch {
			case sub.Kind.Kind == "":
				names.subs[sub.Name] = ""
			case sub.Kind == r.GVK:
				names.subs[sub.Name] = names.object
			default:
				if scheme == nil {
					return nil, fmt.Errorf("openapi: resource %s: subresource %s: kind %s needs a scheme", gvr, sub.Name, sub.Kind)
				}
				obj, err := scheme.New(sub.Kind)
				if err != nil {
					return nil, fmt.Errorf("openapi: resource %s: subresource %s: %w", gvr, sub.Name, err)
				}
				names.subs[sub.Name] = define(reflect.TypeOf(obj))
				addGVK(names.subs[sub.Name], sub.Kind)
			}
		}
		gv := r.GVK.GroupVersion()
		if _, ok := s.routes[gv]; !ok {
			s.gvs = append(s.gvs, gv)
			s.routes[gv] = []route{resourcesRoute(gv)}
		}
		s.routes[gv] = append(s.routes[gv], routesFor(r, names, q)...)
	}

	// The meta kinds every group version uses.
	core := schema.GroupVersion{Version: "v1"}
	for _, o := range []struct {
		obj     any
		eachGV  bool
		withGVK bool
	}{
		{obj: metav1.Status{}, withGVK: true},
		{obj: metav1.APIResourceList{}, withGVK: true},
		{obj: metav1.DeleteOptions{}, eachGV: true, withGVK: true},
		{obj: metav1.WatchEvent{}, eachGV: true, withGVK: true},
		{obj: metav1.Patch{}},
	} {
		t := reflect.TypeOf(o.obj)
		def := define(t)
		if !o.withGVK {
			continue
		}
		addGVK(def, core.WithKind(t.Name()))
		if o.eachGV {
			for _, gv := range s.gvs {
				addGVK(def, gv.WithKind(t.Name()))
			}
		}
	}
	for def, list := range gvks {
		sort.Slice(list, func(i, j int) bool {
			a, b := list[i], list[j]
			if a.Group != b.Group {
				return a.Group < b.Group
			}
			if a.Version != b.Version {
				return a.Version < b.Version
			}
			return a.Kind < b.Kind
		})
		ext := make([]any, 0, len(list))
		for _, gvk := range list {
			ext = append(ext, map[string]any{"group": gvk.Group, "version": gvk.Version, "kind": gvk.Kind})
		}
		for _, defs := range []spec.Definitions{g2.defs, g3.defs} {
			d := defs[def]
			d.AddExtension(extGVK, ext)
			defs[def] = d
		}
	}

	s.defsV2, s.defsV3, s.depsV3 = g2.defs, g3.defs, g3.deps
	s.schemas = make(map[string]*spec.Schema, len(g3.defs))
	for name := range g3.defs {
		d := g3.defs[name]
		s.schemas[name] = &d
	}
	s.v3 = s.newV3Service()
	return s, nil
}

func validate(r *Resource) error {
	switch {
	case r.GVK.Kind == "" || r.GVK.Version == "":
		return errors.New("no kind")
	case r.Resource == "":
		return errors.New("no resource name")
	case r.Object == nil:
		return errors.New("no object type")
	case r.List == nil && slices.Contains(r.Verbs, "list"):
		return errors.New("list verb without a list type")
	case r.List != nil && r.ListGVK.Kind == "":
		return errors.New("list type without a list kind")
	}
	for _, t := range []runtime.Object{r.Object, r.List} {
		if t == nil {
			continue
		}
		rt := reflect.TypeOf(t)
		for rt.Kind() == reflect.Pointer {
			rt = rt.Elem()
		}
		if rt.Kind() != reflect.Struct || rt.Name() == "" {
			return fmt.Errorf("%T is not a named struct", t)
		}
	}
	return nil
}

// Schemas returns the v3 component schemas by definition name. The map and
// the schemas are shared: callers must not modify them.
func (s *Spec) Schemas() map[string]*spec.Schema {
	return s.schemas
}

// closure returns the definitions reachable from roots, through depsV3.
func (s *Spec) closure(roots []string) map[string]*spec.Schema {
	out := map[string]*spec.Schema{}
	stack := roots
	for len(stack) > 0 {
		name := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if _, ok := out[name]; ok || name == "" {
			continue
		}
		out[name] = s.schemas[name]
		stack = append(stack, s.depsV3[name]...)
	}
	return out
}

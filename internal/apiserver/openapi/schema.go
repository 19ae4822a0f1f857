package openapi

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// dialect selects how references are written. In v2 a property that refers
// to a definition is {"$ref": ..., "description": ...}; in v3, as upstream,
// the reference is wrapped in allOf so that it may carry siblings such as
// description and default, which v3 would otherwise ignore.
type dialect int

const (
	v2 dialect = iota
	v3
)

const (
	extGVK         = "x-kubernetes-group-version-kind"
	extPatchStrat  = "x-kubernetes-patch-strategy"
	extPatchKey    = "x-kubernetes-patch-merge-key"
	extListType    = "x-kubernetes-list-type"
	extListMapKeys = "x-kubernetes-list-map-keys"
	extMapType     = "x-kubernetes-map-type"
	extAction      = "x-kubernetes-action"
	refPrefixV2    = "#/definitions/"
	refPrefixV3    = "#/components/schemas/"
	typeObject     = "object"
	typeString     = "string"
	formatDateTime = "date-time"
)

// schemaTyper is implemented by the types whose JSON form is not their Go
// structure (Quantity, IntOrString, Time, MicroTime, Duration).
type schemaTyper interface {
	OpenAPISchemaType() []string
	OpenAPISchemaFormat() string
}

type oneOfTyper interface {
	OpenAPIV3OneOfTypes() []string
}

type swaggerDocer interface {
	SwaggerDoc() map[string]string
}

var (
	schemaTyperType  = reflect.TypeFor[schemaTyper]()
	timeType         = reflect.TypeFor[time.Time]()
	rawJSONType      = reflect.TypeFor[json.RawMessage]()
	rawExtensionType = reflect.TypeFor[runtime.RawExtension]()
)

// generator turns Go types into definitions of one dialect. It is not safe
// for concurrent use; New uses one per dialect and then only reads the
// result.
type generator struct {
	dialect dialect
	prefix  string
	defs    spec.Definitions
	// deps records, per definition, the definitions it refers to directly;
	// it lets a document include only what its paths reach.
	deps map[string][]string
	// names caches defName per type, and marks types already defined (or
	// being defined, which is how cycles end).
	names map[reflect.Type]string
	docs  map[reflect.Type]map[string]string
}

func newGenerator(d dialect) *generator {
	g := &generator{
		dialect: d,
		prefix:  refPrefixV2,
		defs:    spec.Definitions{},
		deps:    map[string][]string{},
		names:   map[reflect.Type]string{},
		docs:    map[reflect.Type]map[string]string{},
	}
	if d == v3 {
		g.prefix = refPrefixV3
	}
	return g
}

// define makes sure t (a named struct or special type) has a definition and
// returns its name.
func (g *generator) define(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if name, ok := g.names[t]; ok {
		return name
	}
	name := defName(t)
	g.names[t] = name
	var s spec.Schema
	var deps []string
	if st, ok := reflect.Zero(t).Interface().(schemaTyper); ok {
		s = g.special(t, st)
	} else {
		s, deps = g.object(t)
	}
	if atomicStructs[name] {
		s.AddExtension(extMapType, "atomic")
	}
	g.defs[name] = s
	g.deps[name] = dedupe(deps)
	return name
}

// special is the definition of a type with OpenAPISchemaType: v2 takes the
// single type and format; v3 uses OpenAPIV3OneOfTypes when present.
func (g *generator) special(t reflect.Type, st schemaTyper) spec.Schema {
	var s spec.Schema
	s.Description = specialDescriptions[defName(t)]
	s.Format = st.OpenAPISchemaFormat()
	if oo, ok := st.(oneOfTyper); ok && g.dialect == v3 {
		if types := oo.OpenAPIV3OneOfTypes(); len(types) > 0 {
			for _, typ := range types {
				s.OneOf = append(s.OneOf, spec.Schema{SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{typ}}})
			}
			return s
		}
	}
	s.Type = spec.StringOrArray(st.OpenAPISchemaType())
	return s
}

// object is the definition of a struct type.
func (g *generator) object(t reflect.Type) (spec.Schema, []string) {
	var s spec.Schema
	s.Type = spec.StringOrArray{typeObject}
	if d := g.docsOf(t); d != nil {
		s.Description = d[""]
	} else {
		s.Description = specialDescriptions[defName(t)]
	}
	var deps []string
	g.fields(t, &s, &deps)
	return s, deps
}

// fields adds the properties of struct t to s, flattening inlined embedded
// structs.
func (g *generator) fields(t reflect.Type, s *spec.Schema, deps *[]string) {
	docs := g.docsOf(t)
	owner := defName(t)
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.fields(ft, s, deps)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		omitempty := hasOpt(opts, "omitempty") || hasOpt(opts, "omitzero")
		prop := g.property(f.Type, !omitempty, true, deps)
		prop.Description = docs[name]
		g.fieldExtensions(&prop, f, owner+"."+name)
		if s.Properties == nil {
			s.Properties = map[string]spec.Schema{}
		}
		s.Properties[name] = prop
		if !omitempty && (f.Type.Kind() != reflect.Pointer || requiredPointers[owner+"."+name]) {
			s.Required = append(s.Required, name)
		}
	}
}

// fieldExtensions adds the patch and list/map type extensions of one field.
func (g *generator) fieldExtensions(prop *spec.Schema, f reflect.StructField, key string) {
	strategy := f.Tag.Get("patchStrategy")
	mergeKey := f.Tag.Get("patchMergeKey")
	if strategy != "" {
		prop.AddExtension(extPatchStrat, strategy)
	}
	if mergeKey != "" {
		prop.AddExtension(extPatchKey, mergeKey)
	}
	ft := f.Type
	for ft.Kind() == reflect.Pointer {
		ft = ft.Elem()
	}
	switch {
	case ft.Kind() == reflect.Slice && ft.Elem().Kind() != reflect.Uint8:
		lt, keys := listTypeFor(key, strategy, mergeKey)
		prop.AddExtension(extListType, lt)
		if lt == "map" {
			prop.AddExtension(extListMapKeys, keys)
		}
	case ft.Kind() == reflect.Map:
		if mt, ok := mapTypes[key]; ok {
			prop.AddExtension(extMapType, mt)
		}
	}
}

// listTypeFor returns the list type of a list field: the explicit override
// if there is one, else what structured-merge-diff would infer from the
// patch strategy.
func listTypeFor(key, strategy, mergeKey string) (string, []string) {
	if o, ok := listOverrides[key]; ok {
		return o.listType, o.keys
	}
	if hasOpt(strategy, "merge") {
		if mergeKey != "" {
			return "map", []string{mergeKey}
		}
		return "set", nil
	}
	return "atomic", nil
}

// property is the schema of a value of type t used as a field, list item or
// map value. withDefault asks for the upstream zero-value default (v3 only):
// {} for structs, the zero value for scalars that are always serialized.
//
// withSiblings says the schema will get siblings (a description, patch
// extensions): in v3 a reference is then wrapped in allOf.
func (g *generator) property(t reflect.Type, withDefault, withSiblings bool, deps *[]string) spec.Schema {
	ptr := false
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
		ptr = true
	}
	var s spec.Schema
	switch {
	case t == timeType:
		s.Type, s.Format = spec.StringOrArray{typeString}, formatDateTime
	case t == rawJSONType:
		s.Type = spec.StringOrArray{typeObject}
	case t.Kind() == reflect.Struct && t.Name() != "" || t.Implements(schemaTyperType):
		name := g.define(t)
		*deps = append(*deps, name)
		ref := spec.MustCreateRef(g.prefix + name)
		if g.dialect == v2 {
			s.Ref = ref
			return s
		}
		// Upstream gives a non-pointer struct the default {}, except the
		// types with their own OpenAPI shape (Time, Quantity, IntOrString,
		// RawExtension). Without siblings the wrapper is left out.
		if !ptr && !t.Implements(schemaTyperType) && t != rawExtensionType {
			s.Default = map[string]any{}
		}
		if s.Default == nil && !withSiblings {
			s.Ref = ref
			return s
		}
		s.AllOf = []spec.Schema{{SchemaProps: spec.SchemaProps{Ref: ref}}}
		return s
	case t.Kind() == reflect.Struct:
		// An anonymous struct: inline its properties.
		s.Type = spec.StringOrArray{typeObject}
		g.fields(t, &s, deps)
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		s.Type, s.Format = spec.StringOrArray{typeString}, "byte"
		return s
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		item := g.property(t.Elem(), true, false, deps)
		s.Type = spec.StringOrArray{"array"}
		s.Items = &spec.SchemaOrArray{Schema: &item}
		return s
	case t.Kind() == reflect.Map:
		val := g.property(t.Elem(), true, false, deps)
		s.Type = spec.StringOrArray{typeObject}
		s.AdditionalProperties = &spec.SchemaOrBool{Allows: true, Schema: &val}
		return s
	case t.Kind() == reflect.Interface:
		s.Type = spec.StringOrArray{typeObject}
		return s
	default:
		typ, format, zero := scalar(t.Kind())
		s.Type, s.Format = spec.StringOrArray{typ}, format
		if withDefault && !ptr && g.dialect == v3 {
			s.Default = zero
		}
	}
	return s
}

// scalar maps a Go basic kind to its OpenAPI type, format and zero value.
func scalar(k reflect.Kind) (typ, format string, zero any) {
	switch k {
	case reflect.Bool:
		return "boolean", "", false
	case reflect.Int32, reflect.Int16, reflect.Int8, reflect.Uint16, reflect.Uint8:
		return "integer", "int32", 0
	case reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64:
		return "integer", "int64", 0
	case reflect.Float32:
		return "number", "float", 0
	case reflect.Float64:
		return "number", "double", 0
	default:
		return typeString, "", ""
	}
}

// docsOf returns the SwaggerDoc map of struct type t, or nil.
func (g *generator) docsOf(t reflect.Type) map[string]string {
	if d, ok := g.docs[t]; ok {
		return d
	}
	var d map[string]string
	if sd, ok := reflect.Zero(t).Interface().(swaggerDocer); ok {
		d = sd.SwaggerDoc()
	} else if sd, ok := reflect.New(t).Interface().(swaggerDocer); ok {
		d = sd.SwaggerDoc()
	}
	g.docs[t] = d
	return d
}

func hasOpt(opts, want string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

func dedupe(s []string) []string {
	if len(s) < 2 {
		return s
	}
	seen := make(map[string]bool, len(s))
	out := s[:0]
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

package openapi

import (
	"reflect"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// param is a path or query parameter, independent of the dialect.
type param struct {
	name        string
	in          string // "path" or "query"
	typ         string // string, integer or boolean
	description string
	required    bool
}

// Query parameter sets per kind of operation. Their types and descriptions
// are read from the metav1 option structs the server decodes them into.
var (
	listParamNames   = []string{"allowWatchBookmarks", "continue", "fieldSelector", "labelSelector", "limit", "resourceVersion", "resourceVersionMatch", "sendInitialEvents", "timeoutSeconds", "watch"}
	writeParamNames  = []string{"dryRun", "fieldManager", "fieldValidation"}
	patchParamNames  = []string{"dryRun", "fieldManager", "fieldValidation", "force"}
	deleteParamNames = []string{"dryRun", "gracePeriodSeconds", "ignoreStoreReadErrorWithClusterBreakingPotential", "orphanDependents", "propagationPolicy"}
	// deleteCollectionParamNames is the delete options plus the list
	// options that select what to delete.
	deleteCollectionParamNames = []string{"continue", "dryRun", "fieldSelector", "gracePeriodSeconds", "ignoreStoreReadErrorWithClusterBreakingPotential", "labelSelector", "limit", "orphanDependents", "propagationPolicy", "resourceVersion", "resourceVersionMatch", "sendInitialEvents", "timeoutSeconds"}
)

var prettyParam = param{
	name:        "pretty",
	in:          "query",
	typ:         "string",
	description: "If 'true', the response is indented for reading. By default it is indented only for browsers and command-line HTTP tools such as curl and wget.",
}

// queryParams holds every query parameter by name.
type queryParams map[string]param

// newQueryParams reads the option structs once.
func newQueryParams() queryParams {
	q := queryParams{prettyParam.name: prettyParam}
	// Later structs win for a shared name; the delete and patch texts of
	// dryRun and fieldManager are the same as the create ones.
	for _, o := range []any{metav1.ListOptions{}, metav1.DeleteOptions{}, metav1.UpdateOptions{}, metav1.CreateOptions{}, metav1.PatchOptions{}} {
		t := reflect.TypeOf(o)
		docs := o.(swaggerDocer).SwaggerDoc()
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" || f.Anonymous {
				continue
			}
			q[name] = param{name: name, in: "query", typ: paramType(f.Type), description: docs[name]}
		}
	}
	return q
}

// paramType is the OpenAPI type of a query parameter; a []string (dryRun)
// is written as string, like upstream.
func paramType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	typ, _, _ := scalar(t.Kind())
	return typ
}

// pick returns the named parameters, sorted by name.
func (q queryParams) pick(names []string) []param {
	out := make([]param, 0, len(names))
	for _, n := range names {
		if p, ok := q[n]; ok {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func nameParam(kind string) param {
	return param{name: "name", in: "path", typ: "string", required: true, description: "name of the " + kind}
}

var namespaceParam = param{name: "namespace", in: "path", typ: "string", required: true, description: "namespace of the object; together with the name it identifies the object"}

package openapi

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Definition names the operations refer to besides the resources' kinds.
const (
	defDeleteOptions   = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"
	defStatus          = "io.k8s.apimachinery.pkg.apis.meta.v1.Status"
	defPatch           = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch"
	defAPIResourceList = "io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList"
	defWatchEvent      = "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent"
)

// route is one path with its operations, in a form both dialects render.
type route struct {
	path   string
	params []param
	ops    []operation
}

// operation is one HTTP method on a route.
type operation struct {
	method       string // get, put, post, patch or delete
	id           string
	description  string
	action       string // x-kubernetes-action; "" for none
	gvk          *schema.GroupVersionKind
	params       []param
	body         string // definition of the request body; "" for none
	bodyOptional bool
	patch        bool // the body is a patch in one of the patch content types
	watch        bool // the response may be a watch stream
	responses    []response
	tag          string
}

// response is one status code of an operation.
type response struct {
	code int
	def  string // definition of the body; "" with typ, or no body
	typ  string // a plain type (string) when def is ""
}

func (r response) text() string {
	switch r.code {
	case 200:
		return "OK"
	case 201:
		return "Created"
	case 202:
		return "Accepted"
	default:
		return "Unauthorized"
	}
}

func objectResponses(def string, codes ...int) []response {
	out := make([]response, 0, len(codes)+1)
	for _, c := range codes {
		out = append(out, response{code: c, def: def})
	}
	return append(out, response{code: 401})
}

// resourceNames are the definition names an endpoint set refers to.
type resourceNames struct {
	object, list string
	subs         map[string]string // subresource name -> body definition ("" for plain text)
}

// routesFor lays out the paths and operations of one resource, as the
// kube-apiserver does (the deprecated /watch/ paths excepted).
func routesFor(r *Resource, names resourceNames, q queryParams) []route {
	gv := r.GVK.GroupVersion()
	p := opPrefix(gv)
	kind := r.GVK.Kind
	tg := tag(gv)
	gvk := r.GVK
	verbs := map[string]bool{}
	for _, v := range r.Verbs {
		verbs[v] = true
	}

	base := gvPath(gv)
	scope := ""
	collection := base + "/" + r.Resource
	collectionParams := []param{prettyParam}
	itemParams := []param{nameParam(kind), prettyParam}
	if r.Namespaced {
		scope = "Namespaced"
		collection = base + "/namespaces/{namespace}/" + r.Resource
		collectionParams = []param{namespaceParam, prettyParam}
		itemParams = []param{nameParam(kind), namespaceParam, prettyParam}
	}
	item := collection + "/{name}"
	op := func(method, verb, suffix, desc, action string) operation {
		return operation{method: method, id: verb + p + suffix, description: desc, action: action, gvk: &gvk, tag: tg}
	}

	var routes []route
	coll := route{path: collection, params: collectionParams}
	if verbs["list"] {
		o := op("get", "list", scope+kind, "list or watch objects of kind "+kind, "list")
		o.params, o.watch = q.pick(listParamNames), verbs["watch"]
		o.responses = objectResponses(names.list, 200)
		coll.ops = append(coll.ops, o)
	}
	if verbs["create"] {
		o := op("post", "create", scope+kind, "create a "+kind, "post")
		o.params, o.body = q.pick(writeParamNames), names.object
		o.responses = objectResponses(names.object, 200, 201, 202)
		coll.ops = append(coll.ops, o)
	}
	if verbs["deletecollection"] {
		o := op("delete", "delete", "Collection"+scope+kind, "delete a collection of "+kind, "deletecollection")
		o.params, o.body, o.bodyOptional = q.pick(deleteCollectionParamNames), defDeleteOptions, true
		o.responses = objectResponses(defStatus, 200)
		coll.ops = append(coll.ops, o)
	}
	if len(coll.ops) > 0 {
		routes = append(routes, coll)
	}
	if r.Namespaced && verbs["list"] {
		o := op("get", "list", kind+"ForAllNamespaces", "list or watch objects of kind "+kind, "list")
		o.watch = verbs["watch"]
		o.responses = objectResponses(names.list, 200)
		routes = append(routes, route{
			path:   base + "/" + r.Resource,
			params: q.pick(append(listParamNames[:len(listParamNames):len(listParamNames)], prettyParam.name)),
			ops:    []operation{o},
		})
	}

	it := route{path: item, params: itemParams}
	if verbs["get"] {
		o := op("get", "read", scope+kind, "read the specified "+kind, "get")
		o.responses = objectResponses(names.object, 200)
		it.ops = append(it.ops, o)
	}
	if verbs["update"] {
		o := op("put", "replace", scope+kind, "replace the specified "+kind, "put")
		o.params, o.body = q.pick(writeParamNames), names.object
		o.responses = objectResponses(names.object, 200, 201)
		it.ops = append(it.ops, o)
	}
	if verbs["patch"] {
		o := op("patch", "patch", scope+kind, "partially update the specified "+kind, "patch")
		o.params, o.body, o.patch = q.pick(patchParamNames), defPatch, true
		o.responses = objectResponses(names.object, 200, 201)
		it.ops = append(it.ops, o)
	}
	if verbs["delete"] {
		o := op("delete", "delete", scope+kind, "delete the specified "+kind, "delete")
		o.params, o.body, o.bodyOptional = q.pick(deleteParamNames), defDeleteOptions, true
		o.responses = objectResponses(defStatus, 200, 202)
		it.ops = append(it.ops, o)
	}
	if len(it.ops) > 0 {
		routes = append(routes, it)
	}

	for _, sub := range r.Subresources {
		routes = append(routes, subresourceRoute(sub, names.subs[sub.Name], item, itemParams, op, scope, kind, q))
	}
	return routes
}

// subresourceRoute lays out /<item>/<subresource>.
func subresourceRoute(sub Subresource, def, item string, params []param,
	op func(method, verb, suffix, desc, action string) operation, scope, kind string, q queryParams) route {
	rt := route{path: item + "/" + sub.Name, params: params}
	suffix := scope + kind + upperFirst(sub.Name)
	what := sub.Name + " of the specified " + kind
	resp := func(codes ...int) []response {
		if def == "" {
			out := make([]response, 0, len(codes)+1)
			for _, c := range codes {
				out = append(out, response{code: c, typ: "string"})
			}
			return append(out, response{code: 401})
		}
		return objectResponses(def, codes...)
	}
	for _, verb := range sub.Verbs {
		var o operation
		switch verb {
		case "get":
			o = op("get", "read", suffix, "read "+what, "get")
			o.responses = resp(200)
		case "update":
			o = op("put", "replace", suffix, "replace "+what, "put")
			o.params, o.body = q.pick(writeParamNames), def
			o.responses = resp(200, 201)
		case "patch":
			o = op("patch", "patch", suffix, "partially update "+what, "patch")
			o.params, o.body, o.patch = q.pick(patchParamNames), defPatch, true
			o.responses = resp(200, 201)
		case "create":
			o = op("post", "create", suffix, "create "+what, "post")
			o.params, o.body = q.pick(writeParamNames), def
			o.responses = resp(200, 201, 202)
		default:
			continue
		}
		if sub.Kind.Kind != "" {
			k := sub.Kind
			o.gvk = &k
		}
		rt.ops = append(rt.ops, o)
	}
	return rt
}

// resourcesRoute is the discovery endpoint of a group version
// ("/apis/apps/v1/").
func resourcesRoute(gv schema.GroupVersion) route {
	return route{
		path: gvPath(gv) + "/",
		ops: []operation{{
			method:      "get",
			id:          "get" + opPrefix(gv) + "APIResources",
			description: "get the resources of " + gv.String(),
			tag:         tag(gv),
			responses:   objectResponses(defAPIResourceList, 200),
		}},
	}
}

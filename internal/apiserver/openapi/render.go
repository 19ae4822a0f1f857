package openapi

import (
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

var (
	mediaTypes      = []string{"application/json", "application/yaml", "application/vnd.kubernetes.protobuf"}
	watchMediaTypes = []string{"application/json;stream=watch", "application/vnd.kubernetes.protobuf;stream=watch"}
	patchMediaTypes = []string{"application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"}
	anyMediaType    = []string{"*/*"}
	textMediaType   = "text/plain"
)

func (o *operation) produces() []string {
	out := append([]string(nil), mediaTypes...)
	if o.watch {
		out = append(out, watchMediaTypes...)
	}
	for _, r := range o.responses {
		if r.typ != "" {
			return append([]string{textMediaType}, out...)
		}
	}
	return out
}

func (o *operation) consumes() []string {
	switch {
	case o.patch:
		return patchMediaTypes
	case o.action == "":
		return mediaTypes
	default:
		return anyMediaType
	}
}

func (o *operation) extensions() spec.Extensions {
	ext := spec.Extensions{}
	if o.action != "" {
		ext.Add(extAction, o.action)
	}
	if o.gvk != nil {
		ext.Add(extGVK, map[string]any{"group": o.gvk.Group, "version": o.gvk.Version, "kind": o.gvk.Kind})
	}
	if len(ext) == 0 {
		return nil
	}
	return ext
}

// ---- v2 ----

func refSchemaV2(def string) *spec.Schema {
	return &spec.Schema{SchemaProps: spec.SchemaProps{Ref: spec.MustCreateRef(refPrefixV2 + def)}}
}

func paramV2(p param) spec.Parameter {
	var out spec.Parameter
	out.Name, out.In, out.Description, out.Required = p.name, p.in, p.description, p.required
	out.Type = p.typ
	out.UniqueItems = true
	return out
}

func paramsV2(ps []param) []spec.Parameter {
	if len(ps) == 0 {
		return nil
	}
	out := make([]spec.Parameter, 0, len(ps))
	for _, p := range ps {
		out = append(out, paramV2(p))
	}
	return out
}

func operationV2(o *operation) *spec.Operation {
	var out spec.Operation
	out.ID, out.Description = o.id, o.description
	out.Tags = []string{o.tag}
	out.Schemes = []string{"https"}
	out.Consumes, out.Produces = o.consumes(), o.produces()
	if o.body != "" {
		var body spec.Parameter
		body.Name, body.In, body.Required = "body", "body", !o.bodyOptional
		body.Schema = refSchemaV2(o.body)
		out.Parameters = append(out.Parameters, body)
	}
	out.Parameters = append(out.Parameters, paramsV2(o.params)...)
	out.Responses = &spec.Responses{ResponsesProps: spec.ResponsesProps{StatusCodeResponses: map[int]spec.Response{}}}
	for _, r := range o.responses {
		var resp spec.Response
		resp.Description = r.text()
		switch {
		case r.def != "":
			resp.Schema = refSchemaV2(r.def)
		case r.typ != "":
			resp.Schema = &spec.Schema{SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{r.typ}}}
		}
		out.Responses.StatusCodeResponses[r.code] = resp
	}
	out.Extensions = o.extensions()
	return &out
}

func pathItemV2(rt *route) spec.PathItem {
	var item spec.PathItem
	item.Parameters = paramsV2(rt.params)
	for i := range rt.ops {
		o := operationV2(&rt.ops[i])
		switch rt.ops[i].method {
		case "get":
			item.Get = o
		case "put":
			item.Put = o
		case "post":
			item.Post = o
		case "patch":
			item.Patch = o
		case "delete":
			item.Delete = o
		}
	}
	return item
}

// ---- v3 ----

func refSchemaV3(def string) *spec.Schema {
	return &spec.Schema{SchemaProps: spec.SchemaProps{Ref: spec.MustCreateRef(refPrefixV3 + def)}}
}

func paramV3(p param) *spec3.Parameter {
	return &spec3.Parameter{ParameterProps: spec3.ParameterProps{
		Name: p.name, In: p.in, Description: p.description, Required: p.required,
		Schema: &spec.Schema{SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{p.typ}, UniqueItems: true}},
	}}
}

func paramsV3(ps []param) []*spec3.Parameter {
	if len(ps) == 0 {
		return nil
	}
	out := make([]*spec3.Parameter, 0, len(ps))
	for _, p := range ps {
		out = append(out, paramV3(p))
	}
	return out
}

func content(types []string, s *spec.Schema) map[string]*spec3.MediaType {
	out := make(map[string]*spec3.MediaType, len(types))
	for _, t := range types {
		out[t] = &spec3.MediaType{MediaTypeProps: spec3.MediaTypeProps{Schema: s}}
	}
	return out
}

func operationV3(o *operation) *spec3.Operation {
	var out spec3.Operation
	out.OperationId, out.Description = o.id, o.description
	out.Tags = []string{o.tag}
	out.Parameters = paramsV3(o.params)
	if o.body != "" {
		out.RequestBody = &spec3.RequestBody{RequestBodyProps: spec3.RequestBodyProps{
			Content:  content(o.consumes(), refSchemaV3(o.body)),
			Required: !o.bodyOptional,
		}}
	}
	out.Responses = &spec3.Responses{ResponsesProps: spec3.ResponsesProps{StatusCodeResponses: map[int]*spec3.Response{}}}
	produces := o.produces()
	for _, r := range o.responses {
		resp := &spec3.Response{ResponseProps: spec3.ResponseProps{Description: r.text()}}
		switch {
		case r.def != "":
			resp.Content = content(produces, refSchemaV3(r.def))
		case r.typ != "":
			resp.Content = content(produces, &spec.Schema{SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{r.typ}}})
		}
		out.Responses.StatusCodeResponses[r.code] = resp
	}
	out.Extensions = o.extensions()
	return &out
}

func pathV3(rt *route) *spec3.Path {
	var p spec3.Path
	p.Parameters = paramsV3(rt.params)
	for i := range rt.ops {
		o := operationV3(&rt.ops[i])
		switch rt.ops[i].method {
		case "get":
			p.Get = o
		case "put":
			p.Put = o
		case "post":
			p.Post = o
		case "patch":
			p.Patch = o
		case "delete":
			p.Delete = o
		}
	}
	return &p
}

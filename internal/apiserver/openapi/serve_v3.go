package openapi

import (
	"net/http"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/cached"
	"k8s.io/kube-openapi/pkg/handler3"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// v3Key is the index key and URL suffix of a group version's document:
// "api/v1" or "apis/apps/v1".
func v3Key(gv schema.GroupVersion) string {
	return strings.TrimPrefix(gvPath(gv), "/")
}

// newV3Service registers one lazily built document per group version.
// handler3 serves the index with hashed URLs, the documents as JSON or
// protobuf, and immutable caching when the hash matches.
func (s *Spec) newV3Service() *handler3.OpenAPIService {
	svc := handler3.NewOpenAPIService()
	s.v3Keys = make(map[string]bool, len(s.gvs))
	for _, gv := range s.gvs {
		s.v3Keys[v3Key(gv)] = true
		svc.UpdateGroupVersionLazy(v3Key(gv), cached.Once(cached.Func(func() (*spec3.OpenAPI, string, error) {
			return s.v3Document(gv), "", nil
		})))
	}
	return svc
}

// v3Document assembles the document of one group version: its paths and
// the definitions they reach.
func (s *Spec) v3Document(gv schema.GroupVersion) *spec3.OpenAPI {
	paths := map[string]*spec3.Path{}
	roots := []string{defWatchEvent}
	for i := range s.routes[gv] {
		rt := &s.routes[gv][i]
		paths[rt.path] = pathV3(rt)
		for _, o := range rt.ops {
			roots = append(roots, o.body)
			for _, r := range o.responses {
				roots = append(roots, r.def)
			}
		}
	}
	return &spec3.OpenAPI{
		Version: "3.0.0",
		Info:    &spec.Info{InfoProps: spec.InfoProps{Title: "Kubernetes", Version: "unversioned"}},
		Paths:   &spec3.Paths{Paths: paths},
		Components: &spec3.Components{
			Schemas: s.closure(roots),
			SecuritySchemes: spec3.SecuritySchemes{"BearerToken": &spec3.SecurityScheme{
				SecuritySchemeProps: spec3.SecuritySchemeProps{Type: "apiKey", Name: "authorization", In: "header", Description: "Bearer Token authentication"},
			}},
		},
		SecurityRequirement: []map[string][]string{{"BearerToken": {}}},
	}
}

// V3 serves /openapi/v3 (the index of group versions, each with a
// serverRelativeURL carrying the document's hash) and /openapi/v3/<path>
// (one group version's document, JSON or protobuf).
func (s *Spec) V3() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch strings.TrimSuffix(r.URL.Path, "/") {
		case "/openapi/v3":
			s.v3.HandleDiscovery(w, r)
		default:
			// handler3 answers an unknown group version with an empty 200.
			key, ok := strings.CutPrefix(r.URL.Path, "/openapi/v3/")
			if !ok || !s.v3Keys[key] {
				http.NotFound(w, r)
				return
			}
			s.v3.HandleGroupVersion(w, r)
		}
	})
}

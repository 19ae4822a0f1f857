package openapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/resource"
	"k8s.io/client-go/discovery"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/openapi3"
	"k8s.io/client-go/rest"
	kubectlopenapi "k8s.io/kubectl/pkg/util/openapi"
	"k8s.io/kubectl/pkg/validation"
)

// newServer serves the Spec's documents the way the API server mounts them.
func newServer(t *testing.T, s *Spec) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/openapi/v2", s.V2())
	mux.Handle("/openapi/v3", s.V3())
	mux.Handle("/openapi/v3/", s.V3())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func newDiscovery(t *testing.T, url string) *discovery.DiscoveryClient {
	t.Helper()
	dc, err := discovery.NewDiscoveryClientForConfig(&rest.Config{Host: url})
	if err != nil {
		t.Fatalf("discovery client: %v", err)
	}
	return dc
}

func TestOpenAPI3Root(t *testing.T) {
	srv := newServer(t, newTestSpec(t))
	root := openapi3.NewRoot(newDiscovery(t, srv.URL).OpenAPIV3())

	gvs, err := root.GroupVersions()
	if err != nil {
		t.Fatalf("GroupVersions: %v", err)
	}
	if len(gvs) != 15 {
		t.Errorf("got %d group versions, want 15: %v", len(gvs), gvs)
	}
	for _, gvk := range []schema.GroupVersionKind{
		{Version: "v1", Kind: "Pod"},
		{Group: "apps", Version: "v1", Kind: "Deployment"},
		{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRole"},
		{Group: "autoscaling", Version: "v2", Kind: "HorizontalPodAutoscaler"},
	} {
		doc, err := root.GVSpec(gvk.GroupVersion())
		if err != nil {
			t.Fatalf("GVSpec(%s): %v", gvk.GroupVersion(), err)
		}
		found := false
		for _, s := range doc.Components.Schemas {
			var ext []map[string]string
			if err := s.Extensions.GetObject(extGVK, &ext); err == nil {
				for _, e := range ext {
					found = found || e["group"] == gvk.Group && e["version"] == gvk.Version && e["kind"] == gvk.Kind
				}
			}
		}
		if !found {
			t.Errorf("%s: no schema with its x-kubernetes-group-version-kind", gvk)
		}
		if _, err := root.GVSpecAsMap(gvk.GroupVersion()); err != nil {
			t.Errorf("GVSpecAsMap(%s): %v", gvk.GroupVersion(), err)
		}
	}
	doc, err := root.GVSpec(schema.GroupVersion{Version: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	pod, ok := doc.Components.Schemas[podDef]
	if !ok || pod.Properties["spec"].AllOf[0].Ref.String() != "#/components/schemas/"+podSpecDef {
		t.Errorf("Pod schema missing or without a spec reference: %+v", pod)
	}
	if _, ok := doc.Components.Schemas["io.k8s.api.apps.v1.Deployment"]; ok {
		t.Errorf("the core/v1 document includes apps/v1 Deployment")
	}
}

// TestFieldValidationProbe runs kubectl's own probe for server-side field
// validation (what kubectl apply/create/replace use to decide between
// server-side and client-side validation).
func TestFieldValidationProbe(t *testing.T) {
	srv := newServer(t, newTestSpec(t))
	dyn := dynamicfake.NewSimpleDynamicClient(runtime.NewScheme())
	v := resource.NewQueryParamVerifierV3(dyn, newDiscovery(t, srv.URL).OpenAPIV3(), resource.QueryParamFieldValidation)
	for _, gvk := range []schema.GroupVersionKind{
		{Version: "v1", Kind: "Pod"},
		{Version: "v1", Kind: "Namespace"},
		{Group: "apps", Version: "v1", Kind: "Deployment"},
		{Group: "batch", Version: "v1", Kind: "CronJob"},
	} {
		if err := v.HasSupport(gvk); err != nil {
			t.Errorf("HasSupport(%s): %v", gvk, err)
		}
	}
}

// TestOpenAPIV2Protobuf fetches /openapi/v2 as kubectl does (protobuf) and
// feeds it to kubectl's parser and client-side validator.
func TestOpenAPIV2Protobuf(t *testing.T) {
	srv := newServer(t, newTestSpec(t))
	doc, err := newDiscovery(t, srv.URL).OpenAPISchema()
	if err != nil {
		t.Fatalf("OpenAPISchema: %v", err)
	}
	resources, err := kubectlopenapi.NewOpenAPIData(doc)
	if err != nil {
		t.Fatalf("NewOpenAPIData: %v", err)
	}
	deployment := schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	if resources.LookupResource(deployment) == nil {
		t.Fatalf("no Deployment model")
	}
	consumes := resources.GetConsumes(deployment, "PATCH")
	if !strings.Contains(strings.Join(consumes, ","), "application/strategic-merge-patch+json") {
		t.Errorf("Deployment PATCH consumes %v, want strategic merge patch", consumes)
	}

	validator := validation.NewSchemaValidation(staticResources{resources})
	for _, tc := range []struct {
		name, doc string
		wantErr   string
	}{
		{"valid", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i","resources":{"limits":{"cpu":"1"}},"ports":[{"containerPort":80}]}]}}}}`, ""},
		{"unknown field", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{},"template":{"spec":{"containers":[{"name":"c","imagee":"i"}]}}}}`, "imagee"},
		{"missing required", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"image":"i"}]}}`, "name"},
		{"wrong type", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","stdin":"yes"}]}}`, "stdin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := validator.ValidateBytes([]byte(tc.doc))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error = %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
}

type staticResources struct{ r kubectlopenapi.Resources }

func (s staticResources) OpenAPISchema() (kubectlopenapi.Resources, error) { return s.r, nil }

func TestCaching(t *testing.T) {
	srv := newServer(t, newTestSpec(t))
	get := func(t *testing.T, path string, header ...string) *http.Response {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}

	t.Run("v2 etag", func(t *testing.T) {
		for _, accept := range []string{"application/json", mimeV2Proto} {
			resp := get(t, "/openapi/v2", "Accept", accept)
			tag := resp.Header.Get("Etag")
			if resp.StatusCode != 200 || tag == "" || !strings.Contains(resp.Header.Get("Content-Type"), "json") && !strings.Contains(resp.Header.Get("Content-Type"), "protobuf") {
				t.Fatalf("%s: status %d, etag %q, type %q", accept, resp.StatusCode, tag, resp.Header.Get("Content-Type"))
			}
			if resp := get(t, "/openapi/v2", "Accept", accept, "If-None-Match", tag); resp.StatusCode != http.StatusNotModified {
				t.Errorf("%s: If-None-Match gave %d, want 304", accept, resp.StatusCode)
			}
		}
		if resp := get(t, "/openapi/v2", "Accept", "text/html"); resp.StatusCode != http.StatusNotAcceptable {
			t.Errorf("text/html gave %d, want 406", resp.StatusCode)
		}
	})

	t.Run("v3 hash", func(t *testing.T) {
		var index struct {
			Paths map[string]struct {
				ServerRelativeURL string `json:"serverRelativeURL"`
			} `json:"paths"`
		}
		if err := json.NewDecoder(get(t, "/openapi/v3").Body).Decode(&index); err != nil {
			t.Fatal(err)
		}
		u := index.Paths["apis/apps/v1"].ServerRelativeURL
		if !strings.HasPrefix(u, "/openapi/v3/apis/apps/v1?hash=") {
			t.Fatalf("apps/v1 URL = %q", u)
		}
		resp := get(t, u)
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("hashed get: status %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
		if resp := get(t, "/openapi/v3/apis/apps/v1?hash=stale"); resp.StatusCode != http.StatusOK && resp.Request.URL.String() != srv.URL+u {
			t.Errorf("stale hash was not redirected to %s", u)
		}
		if resp := get(t, "/openapi/v3/apis/nope/v1"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown group version gave %d, want 404", resp.StatusCode)
		}
	})
}

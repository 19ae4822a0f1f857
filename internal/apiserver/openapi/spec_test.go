package openapi

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
)

func TestNewRejects(t *testing.T) {
	deployments := func() *resourceBuilder { return res("deployments", &appsv1.Deployment{}, &appsv1.DeploymentList{}) }
	for _, tc := range []struct {
		name      string
		resources []Resource
		want      string
	}{
		{"duplicate", []Resource{deployments().obj(), deployments().obj()}, "listed twice"},
		{"no object", []Resource{func() Resource { r := deployments().obj(); r.Object = nil; return r }()}, "no object type"},
		{"no list", []Resource{func() Resource { r := deployments().obj(); r.List = nil; return r }()}, "list verb without a list type"},
		{"unknown subresource kind", []Resource{deployments().sub("x", schema.GroupVersionKind{Group: "nope", Version: "v1", Kind: "X"}, "get").obj()}, "subresource x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.resources, scheme.Scheme)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestOperations(t *testing.T) {
	s := newTestSpec(t)
	doc := s.v3Document(schema.GroupVersion{Group: "apps", Version: "v1"})
	for _, tc := range []struct {
		path, method, id, action, kind string
		params                         []string
	}{
		{"/apis/apps/v1/namespaces/{namespace}/deployments", "get", "listAppsV1NamespacedDeployment", "list", "Deployment",
			[]string{"allowWatchBookmarks", "continue", "fieldSelector", "labelSelector", "limit", "resourceVersion", "resourceVersionMatch", "sendInitialEvents", "timeoutSeconds", "watch"}},
		{"/apis/apps/v1/namespaces/{namespace}/deployments", "post", "createAppsV1NamespacedDeployment", "post", "Deployment", []string{"dryRun", "fieldManager", "fieldValidation"}},
		{"/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "get", "readAppsV1NamespacedDeployment", "get", "Deployment", nil},
		{"/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "patch", "patchAppsV1NamespacedDeployment", "patch", "Deployment", []string{"dryRun", "fieldManager", "fieldValidation", "force"}},
		{"/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale", "put", "replaceAppsV1NamespacedDeploymentScale", "put", "Scale", []string{"dryRun", "fieldManager", "fieldValidation"}},
		{"/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status", "patch", "patchAppsV1NamespacedDeploymentStatus", "patch", "Deployment", []string{"dryRun", "fieldManager", "fieldValidation", "force"}},
		{"/apis/apps/v1/deployments", "get", "listAppsV1DeploymentForAllNamespaces", "list", "Deployment", nil},
	} {
		t.Run(tc.id, func(t *testing.T) {
			p, ok := doc.Paths.Paths[tc.path]
			if !ok {
				t.Fatalf("no path %s", tc.path)
			}
			op := map[string]any{"get": p.Get, "post": p.Post, "put": p.Put, "patch": p.Patch}[tc.method]
			got := asJSON(t, op).(map[string]any)
			if got["operationId"] != tc.id || got["x-kubernetes-action"] != tc.action {
				t.Errorf("operationId %v, action %v", got["operationId"], got["x-kubernetes-action"])
			}
			if gvk := got["x-kubernetes-group-version-kind"].(map[string]any); gvk["kind"] != tc.kind {
				t.Errorf("gvk %v, want kind %s", gvk, tc.kind)
			}
			var names []string
			prms, _ := got["parameters"].([]any)
			for _, prm := range prms {
				names = append(names, prm.(map[string]any)["name"].(string))
			}
			if strings.Join(names, ",") != strings.Join(tc.params, ",") {
				t.Errorf("parameters %v, want %v", names, tc.params)
			}
			if tc.method == "patch" {
				content := got["requestBody"].(map[string]any)["content"].(map[string]any)
				for _, ct := range patchMediaTypes {
					if _, ok := content[ct]; !ok {
						t.Errorf("patch body lacks %s", ct)
					}
				}
			}
		})
	}
}

package openapi

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// kubectlBinaries are the kubectl builds the explain test drives, when
// installed.
var kubectlBinaries = []string{
	"/usr/bin/kubectl",
	"/usr/lib/google-cloud-sdk/bin/kubectl.1.27",
	"/usr/lib/google-cloud-sdk/bin/kubectl.1.28",
	"/usr/lib/google-cloud-sdk/bin/kubectl.1.29",
	"/usr/lib/google-cloud-sdk/bin/kubectl.1.30",
	"/usr/lib/google-cloud-sdk/bin/kubectl.1.31",
	"/usr/lib/google-cloud-sdk/bin/kubectl.1.32",
	"/usr/lib/google-cloud-sdk/bin/kubectl.1.33",
}

// discoveryServer serves the OpenAPI documents plus the legacy discovery
// documents kubectl needs to map "deployment" and "pod" to resources.
func discoveryServer(t *testing.T, s *Spec) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/openapi/v2", s.V2())
	mux.Handle("/openapi/v3", s.V3())
	mux.Handle("/openapi/v3/", s.V3())
	serve := func(path string, v any) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != path {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			if err := json.NewEncoder(w).Encode(v); err != nil {
				t.Errorf("encode %s: %v", path, err)
			}
		})
	}
	verbs := metav1.Verbs(allVerbs)
	serve("/api", metav1.APIVersions{
		TypeMeta: metav1.TypeMeta{Kind: "APIVersions"},
		Versions: []string{"v1"},
	})
	serve("/api/v1", metav1.APIResourceList{
		TypeMeta:     metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
		GroupVersion: "v1",
		APIResources: []metav1.APIResource{{Name: "pods", SingularName: "pod", Namespaced: true, Kind: "Pod", Verbs: verbs, ShortNames: []string{"po"}}},
	})
	apps := metav1.GroupVersionForDiscovery{GroupVersion: appsv1.SchemeGroupVersion.String(), Version: "v1"}
	serve("/apis", metav1.APIGroupList{
		TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"},
		Groups:   []metav1.APIGroup{{Name: "apps", Versions: []metav1.GroupVersionForDiscovery{apps}, PreferredVersion: apps}},
	})
	serve("/apis/apps/v1", metav1.APIResourceList{
		TypeMeta:     metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
		GroupVersion: "apps/v1",
		APIResources: []metav1.APIResource{{Name: "deployments", SingularName: "deployment", Namespaced: true, Kind: "Deployment", Verbs: verbs, ShortNames: []string{"deploy"}}},
	})
	srv := newServer(t, s)
	srv.Config.Handler = mux
	return srv.URL
}

func TestKubectlExplain(t *testing.T) {
	url := discoveryServer(t, newTestSpec(t))
	strategyDoc := (appsv1.DeploymentSpec{}).SwaggerDoc()["strategy"]
	for _, bin := range kubectlBinaries {
		t.Run(filepath.Base(bin), func(t *testing.T) {
			if _, err := os.Stat(bin); err != nil {
				t.Skipf("%s not installed", bin)
			}
			for _, tc := range []struct {
				name string
				args []string
				want []string
			}{{
				name: "field",
				args: []string{"explain", "deployment.spec.strategy"},
				want: []string{"KIND:", "Deployment", "rollingUpdate", "type", strategyDoc},
			}, {
				name: "recursive",
				args: []string{"explain", "deployment.spec.strategy", "--recursive"},
				want: []string{"rollingUpdate", "maxSurge", "maxUnavailable", "type"},
			}, {
				name: "openapi v2",
				args: []string{"explain", "deployment.spec.strategy", "--output=plaintext-openapiv2"},
				want: []string{"rollingUpdate", strategyDoc},
			}, {
				name: "pod containers",
				args: []string{"explain", "pods.spec.containers.resources.limits"},
				want: []string{"limits", "map[string]"},
			}} {
				t.Run(tc.name, func(t *testing.T) {
					out := runKubectl(t, bin, url, tc.args...)
					if tc.name == "openapi v2" && strings.Contains(out, "invalid output format") {
						t.Skip("this kubectl has no openapi v2 explain")
					}
					for _, w := range tc.want {
						if !strings.Contains(unwrap(out), unwrap(w)) {
							t.Errorf("output lacks %q:\n%s", w, out)
						}
					}
				})
			}
		})
	}
}

// unwrap joins the lines kubectl wraps, so descriptions can be matched.
func unwrap(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func runKubectl(t *testing.T, bin, url string, args ...string) string {
	t.Helper()
	home := t.TempDir()
	args = append([]string{"--server=" + url, "--cache-dir=" + filepath.Join(home, "cache")}, args...)
	cmd := exec.CommandContext(t.Context(), bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+home, "KUBECONFIG="+filepath.Join(home, "kubeconfig"))
	out, err := cmd.CombinedOutput()
	if err != nil && !strings.Contains(string(out), "invalid output format") {
		t.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, out)
	}
	return string(out)
}

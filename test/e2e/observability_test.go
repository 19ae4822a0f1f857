package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/version"
)

func TestMetricsHealthAndVersion(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	k := s.kubectl(t)
	k.ok("get", "namespaces") // at least one counted request

	metrics := k.ok("get", "--raw", "/metrics")
	for _, want := range []string{
		"# TYPE apiserver_request_total counter",
		"# TYPE apiserver_request_duration_seconds histogram",
		`apiserver_request_total{`,
		`resource="namespaces"`,
		`verb="LIST"`,
		"apiserver_request_duration_seconds_bucket{",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	for _, ep := range []string{"readyz", "livez", "healthz"} {
		got := k.ok("get", "--raw", "/"+ep+"?verbose")
		ls := lines(got)
		if len(ls) < 2 || ls[0] != "[+]ping ok" || ls[len(ls)-1] != ep+" check passed" {
			t.Errorf("/%s?verbose = %q, want [+]ping ok ... %s check passed", ep, got, ep)
		}
		for _, l := range ls[:len(ls)-1] {
			if !strings.HasPrefix(l, "[+]") || !strings.HasSuffix(l, " ok") {
				t.Errorf("/%s?verbose: check line %q is not [+]<name> ok", ep, l)
			}
		}
		if got := k.ok("get", "--raw", "/"+ep); got != "ok" {
			t.Errorf("/%s = %q, want ok", ep, got)
		}
	}

	var v struct {
		ServerVersion *version.Info `json:"serverVersion"`
	}
	if err := json.Unmarshal([]byte(k.ok("version", "-o", "json")), &v); err != nil {
		t.Fatalf("decode kubectl version -o json: %v", err)
	}
	if v.ServerVersion == nil {
		t.Fatal("kubectl version -o json has no serverVersion")
	}
	if diff := cmp.Diff([]string{"1", "37"}, []string{v.ServerVersion.Major, v.ServerVersion.Minor}); diff != "" {
		t.Errorf("server major/minor (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(v.ServerVersion.GitVersion, "v1.37.") || v.ServerVersion.Platform == "" || v.ServerVersion.GoVersion == "" {
		t.Errorf("serverVersion = %+v, want gitVersion v1.37.x with platform and goVersion", v.ServerVersion)
	}
}

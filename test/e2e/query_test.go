package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestQueries covers the read-side flags users lean on: label and field
// selectors, paging, custom columns, label columns and kubectl wait.
func TestQueries(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	k := s.kubectl(t)
	for _, p := range []struct{ name, tier string }{{"p1", "a"}, {"p2", "b"}, {"p3", "a"}} {
		k.ok("run", p.name, "--image=busybox", "--labels=tier="+p.tier)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"get", "pods", "-l", "tier=a", "-o", "name"}, "pod/p1\npod/p3\n"},
		{[]string{"get", "pods", "-l", "tier!=a", "-o", "name"}, "pod/p2\n"},
		{[]string{"get", "pods", "-l", "tier in (a,b),tier notin (b)", "-o", "name"}, "pod/p1\npod/p3\n"},
		{[]string{"get", "pods", "--field-selector", "metadata.name=p2", "-o", "name"}, "pod/p2\n"},
		{[]string{"get", "pods", "--field-selector", "status.phase=Pending,spec.nodeName=", "-o", "name"}, "pod/p1\npod/p2\npod/p3\n"},
		{[]string{"get", "pods", "--chunk-size=1", "-o", "name"}, "pod/p1\npod/p2\npod/p3\n"},
		{[]string{"get", "pods", "--sort-by=.metadata.labels.tier", "-o", "custom-columns=NAME:.metadata.name,TIER:.metadata.labels.tier"},
			"NAME   TIER\np1     a\np3     a\np2     b\n"},
		{[]string{"get", "pod", "p1", "-o", "jsonpath={.spec.containers[0].image} {.status.phase}"}, "busybox Pending"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			if diff := cmp.Diff(tc.want, k.ok(tc.args...)); diff != "" {
				t.Errorf("kubectl %s (-want +got):\n%s", strings.Join(tc.args, " "), diff)
			}
		})
	}

	tbs := parseTables(k.ok("get", "pods", "-L", "tier", "--chunk-size=2"))
	if len(tbs) != 1 || len(tbs[0].rows) != 3 || tbs[0].column("TIER") != 5 {
		t.Fatalf("get pods -L tier --chunk-size=2: want one table of 3 rows with a TIER column, got %+v", tbs)
	}
	if got := tbs[0].row("p2")[5]; got != "b" {
		t.Errorf("TIER of p2 = %q, want b", got)
	}

	r := k.fails("get", "pods", "--field-selector", "spec.image=busybox")
	if want := `field label not supported: spec.image`; !strings.Contains(r.stderr, want) {
		t.Errorf("unsupported field selector: stderr lacks %q: %s", want, r)
	}

	k.ok("wait", "--for=jsonpath={.status.phase}=Pending", "pod/p3", "--timeout=10s")
	// kubectl wait --for=delete returns once the watched pod is gone; -v=6
	// logs the watch request, so the pod is deleted only once it is watched.
	w := k.startCombined("wait", "--for=delete", "pod/p3", "--timeout=30s", "-v=6")
	w.until(20*time.Second, "watch=true")
	k.ok("delete", "pod", "p3", "--wait=false")
	w.until(20*time.Second, "pod/p3 condition met")
}

package deps

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/berth-dev/berth/"

// rule forbids packages under from (module-relative prefix) to depend,
// directly or not, on packages under any of deny.
type rule struct {
	from string
	deny []string
	why  string
}

var rules = []rule{
	{"internal/storage", []string{"internal/registry", "internal/apiserver", "internal/app", "internal/admission"},
		"storage knows nothing of objects' meaning"},
	{"internal/registry/", []string{"internal/registry", "internal/apiserver", "internal/app"},
		"group packages are plain functions wired in by the registry's table"},
	{"internal/printers", []string{"internal/registry", "internal/apiserver", "internal/storage"},
		"printers render k8s.io/api objects only"},
	{"internal/apiserver/openapi", []string{"internal/registry", "internal/storage"},
		"OpenAPI is generated from Go types described by the caller"},
	{"internal/pki", []string{"internal/apiserver", "internal/registry", "internal/storage"},
		"certificates are a leaf concern"},
	{"internal/registry", []string{"internal/apiserver", "internal/app"},
		"the registry is below the HTTP layer"},
	{"internal/controller", []string{"internal/apiserver", "internal/registry", "internal/storage", "internal/admission", "internal/app"},
		"controllers reach the API only through client-go"},
	{"internal/scheduler", []string{"internal/apiserver", "internal/registry", "internal/storage", "internal/admission", "internal/app", "internal/controller"},
		"the scheduler reaches the API only through client-go"},
	{"internal/hollow", []string{"internal/apiserver", "internal/registry", "internal/storage", "internal/admission", "internal/app"},
		"hollow nodes are API clients like kubelets"},
	{"internal/apiserver", []string{"internal/app"},
		"only internal/app wires components together"},
}

func TestImportBoundaries(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps=false", "-f", "{{.ImportPath}} {{join .Deps \" \"}}", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	checked := 0
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		pkg := strings.TrimPrefix(fields[0], module)
		for _, r := range rules {
			if !strings.HasPrefix(pkg, r.from) {
				continue
			}
			checked++
			for _, dep := range fields[1:] {
				d, ok := strings.CutPrefix(dep, module)
				if !ok || d == pkg || strings.HasPrefix(d, pkg+"/") {
					continue
				}
				for _, deny := range r.deny {
					if d == deny || strings.HasPrefix(d, deny+"/") {
						t.Errorf("%s depends on %s: %s", pkg, d, r.why)
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no package matched a rule: the module path or layout changed")
	}
}

package openapi

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/client-go/openapi3"
	kubectlopenapi "k8s.io/kubectl/pkg/util/openapi"
)

// TestStrategicMergePatchMeta computes kubectl apply's three-way patch the
// way kubectl does, from the v3 and the v2 documents, and expects the patch
// the Go struct tags give.
func TestStrategicMergePatchMeta(t *testing.T) {
	srv := newServer(t, newTestSpec(t))
	dc := newDiscovery(t, srv.URL)

	original := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}},"template":{"spec":{"containers":[{"name":"a","image":"a:1","env":[{"name":"X","value":"1"}]},{"name":"b","image":"b:1"}]}}}}`
	modified := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"strategy":{"type":"Recreate"},"template":{"spec":{"containers":[{"name":"b","image":"b:2"},{"name":"a","image":"a:1","env":[{"name":"Y","value":"2"}]}]}}}}`
	current := original

	fromStruct, err := strategicpatch.NewPatchMetaFromStruct(appsv1.Deployment{})
	if err != nil {
		t.Fatal(err)
	}
	want := threeWay(t, original, modified, current, fromStruct)
	// The patch must exercise the merge keys and retainKeys, or the
	// comparison proves nothing.
	b, _ := json.Marshal(want)
	for _, directive := range []string{`"$setElementOrder/containers"`, `"$retainKeys"`, `"$setElementOrder/env"`} {
		if !strings.Contains(string(b), directive) {
			t.Fatalf("struct patch %s lacks %s", b, directive)
		}
	}

	gv := schema.GroupVersion{Group: "apps", Version: "v1"}
	doc, err := openapi3.NewRoot(dc.OpenAPIV3()).GVSpec(gv)
	if err != nil {
		t.Fatal(err)
	}
	v3 := strategicpatch.PatchMetaFromOpenAPIV3{
		Schema:     doc.Components.Schemas["io.k8s.api.apps.v1.Deployment"],
		SchemaList: doc.Components.Schemas,
	}
	if diff := cmp.Diff(want, threeWay(t, original, modified, current, v3)); diff != "" {
		t.Errorf("patch from the v3 document (-struct +v3):\n%s", diff)
	}

	v2doc, err := dc.OpenAPISchema()
	if err != nil {
		t.Fatal(err)
	}
	resources, err := kubectlopenapi.NewOpenAPIData(v2doc)
	if err != nil {
		t.Fatal(err)
	}
	v2 := strategicpatch.NewPatchMetaFromOpenAPI(resources.LookupResource(gv.WithKind("Deployment")))
	if diff := cmp.Diff(want, threeWay(t, original, modified, current, v2)); diff != "" {
		t.Errorf("patch from the v2 document (-struct +v2):\n%s", diff)
	}
}

func threeWay(t *testing.T, original, modified, current string, meta strategicpatch.LookupPatchMeta) any {
	t.Helper()
	patch, err := strategicpatch.CreateThreeWayMergePatch([]byte(original), []byte(modified), []byte(current), meta, true)
	if err != nil {
		t.Fatalf("CreateThreeWayMergePatch: %v", err)
	}
	var out any
	if err := json.Unmarshal(patch, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

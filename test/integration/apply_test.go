package integration

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"github.com/berth-dev/berth/internal/testutil"
)

// managers lists managedFields as "manager/operation" in order.
func managers(obj metav1.Object) []string {
	var out []string
	for _, m := range obj.GetManagedFields() {
		out = append(out, m.Manager+"/"+string(m.Operation))
	}
	return out
}

// owns reports whether manager's fieldsV1 mentions the path element.
func owns(obj metav1.Object, manager, elem string) bool {
	for _, m := range obj.GetManagedFields() {
		if m.Manager == manager && m.FieldsV1 != nil && strings.Contains(string(m.FieldsV1.Raw), elem) {
			return true
		}
	}
	return false
}

func TestServerSideApply(t *testing.T) {
	srv := testutil.StartServer(t)
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	cms := c.CoreV1().ConfigMaps(ns)

	apply := func(manager string, force bool, data map[string]string) (*corev1.ConfigMap, error) {
		return cms.Apply(ctx, corev1ac.ConfigMap("ssa", ns).WithData(data), metav1.ApplyOptions{FieldManager: manager, Force: force})
	}

	// Apply creates when missing.
	cm, err := apply("alpha", false, map[string]string{"shared": "a", "alpha": "a"})
	if err != nil {
		t.Fatalf("apply create: %v", err)
	}
	if diff := cmp.Diff([]string{"alpha/Apply"}, managers(cm)); diff != "" {
		t.Errorf("managedFields after create (-want +got):\n%s", diff)
	}
	if !owns(cm, "alpha", `"f:shared"`) {
		t.Errorf("alpha does not own data.shared: %+v", cm.ManagedFields)
	}

	// A second manager applying a different value conflicts.
	_, err = apply("beta", false, map[string]string{"shared": "b"})
	st := wantStatus(t, err, 409, metav1.StatusReasonConflict)
	if st.Details == nil || len(st.Details.Causes) != 1 {
		t.Fatalf("conflict details = %+v, want one cause", st.Details)
	}
	cause := st.Details.Causes[0]
	if cause.Type != metav1.CauseTypeFieldManagerConflict || cause.Field != ".data.shared" || !strings.Contains(cause.Message, `"alpha"`) {
		t.Errorf("cause = %+v, want FieldManagerConflict on .data.shared naming alpha", cause)
	}
	if got, _ := cms.Get(ctx, "ssa", metav1.GetOptions{}); got.Data["shared"] != "a" {
		t.Errorf("conflicting apply changed data: %v", got.Data)
	}

	// Applying the same value is no conflict: ownership is shared.
	if cm, err = apply("beta", false, map[string]string{"shared": "a"}); err != nil {
		t.Fatalf("apply same value: %v", err)
	}
	if !owns(cm, "alpha", `"f:shared"`) || !owns(cm, "beta", `"f:shared"`) {
		t.Errorf("shared ownership missing: %+v", cm.ManagedFields)
	}

	// Force takes ownership.
	if cm, err = apply("gamma", true, map[string]string{"shared": "g"}); err != nil {
		t.Fatalf("forced apply: %v", err)
	}
	if cm.Data["shared"] != "g" || cm.Data["alpha"] != "a" {
		t.Errorf("data after force = %v, want shared=g alpha=a", cm.Data)
	}
	if owns(cm, "alpha", `"f:shared"`) || owns(cm, "beta", `"f:shared"`) || !owns(cm, "gamma", `"f:shared"`) {
		t.Errorf("ownership after force: %+v", cm.ManagedFields)
	}

	// A field a manager stops applying is removed if nobody else owns it.
	if cm, err = apply("alpha", false, map[string]string{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := cm.Data["alpha"]; ok {
		t.Errorf("data.alpha survived after its only manager dropped it: %v", cm.Data)
	}

	// An update records an Update manager next to the appliers.
	cm.Data["edited"] = "yes"
	upd, err := cms.Update(ctx, cm, metav1.UpdateOptions{FieldManager: "editor"})
	if err != nil {
		t.Fatal(err)
	}
	if !owns(upd, "editor", `"f:edited"`) {
		t.Errorf("editor does not own data.edited: %v", managers(upd))
	}

	t.Run("apply with wrong patch body", func(t *testing.T) {
		_, err := cms.Patch(ctx, "ssa", types.ApplyPatchType, []byte(`{"apiVersion":"v1","kind":"ConfigMap"}`), metav1.PatchOptions{})
		wantStatus(t, err, 400, metav1.StatusReasonBadRequest) // fieldManager is required for apply
		_, err = cms.Patch(ctx, "ssa", types.ApplyPatchType, []byte(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"ssa"}}`), metav1.PatchOptions{FieldManager: "x"})
		st := wantStatus(t, err, 400, metav1.StatusReasonBadRequest)
		if !strings.Contains(st.Message, "Secret") {
			t.Errorf("apply of the wrong kind: %q, want it to name the kind", st.Message)
		}
		_, err = cms.Patch(ctx, "ssa", types.ApplyPatchType, []byte(`{"apiVersion":"v2","kind":"ConfigMap","metadata":{"name":"ssa"}}`), metav1.PatchOptions{FieldManager: "x"})
		st = wantStatus(t, err, 400, metav1.StatusReasonBadRequest)
		if !strings.Contains(st.Message, "v2") {
			t.Errorf("apply of the wrong version: %q, want it to name the version", st.Message)
		}
	})
}

func TestClientSideApplyStrategicMerge(t *testing.T) {
	srv := testutil.StartServer(t)
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	deps := c.AppsV1().Deployments(ns)

	d := deployment("csa", 1)
	d.Spec.Template.Spec.Containers = []corev1.Container{{Name: "web", Image: "nginx:1"}, {Name: "sidecar", Image: "envoy:1"}}
	last, _ := json.Marshal(d)
	d.Annotations = map[string]string{corev1.LastAppliedConfigAnnotation: string(last)}
	if _, err := deps.Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// What kubectl apply sends after the user changes web's image: the
	// container list merges by name, so the sidecar stays.
	patch := `{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"}},` +
		`"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"sidecar"}],` +
		`"containers":[{"name":"web","image":"nginx:2"}]}}}}`
	got, err := deps.Patch(ctx, "csa", types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{FieldManager: "kubectl-client-side-apply"})
	if err != nil {
		t.Fatal(err)
	}
	want := []corev1.Container{{Name: "web", Image: "nginx:2"}, {Name: "sidecar", Image: "envoy:1"}}
	if diff := cmp.Diff(want, got.Spec.Template.Spec.Containers, containerBasics); diff != "" {
		t.Errorf("containers (-want +got):\n%s", diff)
	}
	if got.Annotations[corev1.LastAppliedConfigAnnotation] != "{}" {
		t.Errorf("annotation not patched: %v", got.Annotations)
	}
	if got.Generation != 2 {
		t.Errorf("generation = %d, want 2", got.Generation)
	}
	// Removing the sidecar: $patch delete by name.
	got, err = deps.Patch(ctx, "csa", types.StrategicMergePatchType,
		[]byte(`{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}`), metav1.PatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want[:1], got.Spec.Template.Spec.Containers, containerBasics); diff != "" {
		t.Errorf("containers after delete (-want +got):\n%s", diff)
	}
}

// containerBasics compares containers by name and image only (the rest is defaulted).
var containerBasics = cmp.Transformer("basics", func(c corev1.Container) [2]string { return [2]string{c.Name, c.Image} })

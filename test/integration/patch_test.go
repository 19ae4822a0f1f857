package integration

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/berth-dev/berth/internal/testutil"
)

func TestPatch(t *testing.T) {
	srv := testutil.StartServer(t)
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	pods := c.CoreV1().Pods(ns)
	deps := c.AppsV1().Deployments(ns)
	if _, err := pods.Create(ctx, pod("p").Labels("keep", "yes", "drop", "yes").Obj(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := deps.Create(ctx, deployment("d", 1), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	t.Run("pod", func(t *testing.T) {
		tests := []struct {
			name       string
			typ        types.PatchType
			patch      string
			wantLabels map[string]string
			wantImage  string
		}{
			{"json patch", types.JSONPatchType,
				`[{"op":"add","path":"/metadata/labels/added","value":"json"},{"op":"remove","path":"/metadata/labels/drop"}]`,
				map[string]string{"keep": "yes", "added": "json"}, "busybox"},
			{"merge patch", types.MergePatchType, `{"metadata":{"labels":{"added":null,"merge":"yes"}}}`,
				map[string]string{"keep": "yes", "merge": "yes"}, "busybox"},
			{"strategic merge patch merges containers by name", types.StrategicMergePatchType,
				`{"spec":{"containers":[{"name":"app","image":"busybox:2"}]}}`,
				map[string]string{"keep": "yes", "merge": "yes"}, "busybox:2"},
			{"json patch test op", types.JSONPatchType,
				`[{"op":"test","path":"/metadata/labels/keep","value":"yes"},{"op":"replace","path":"/metadata/labels/keep","value":"still"}]`,
				map[string]string{"keep": "still", "merge": "yes"}, "busybox:2"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := pods.Patch(ctx, "p", tc.typ, []byte(tc.patch), metav1.PatchOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.wantLabels, got.Labels); diff != "" {
					t.Errorf("labels (-want +got):\n%s", diff)
				}
				if img := got.Spec.Containers[0].Image; img != tc.wantImage || len(got.Spec.Containers) != 1 {
					t.Errorf("containers = %+v, want one with image %s", got.Spec.Containers, tc.wantImage)
				}
			})
		}
	})

	t.Run("deployment merge patch bumps generation", func(t *testing.T) {
		got, err := deps.Patch(ctx, "d", types.MergePatchType, []byte(`{"spec":{"replicas":3}}`), metav1.PatchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if *got.Spec.Replicas != 3 || got.Generation != 2 {
			t.Errorf("replicas=%d generation=%d, want 3 and 2", *got.Spec.Replicas, got.Generation)
		}
		got, err = deps.Patch(ctx, "d", types.StrategicMergePatchType, []byte(`{"metadata":{"labels":{"x":"y"}}}`), metav1.PatchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Generation != 2 {
			t.Errorf("label patch changed generation to %d", got.Generation)
		}
	})

	errs := []struct {
		name   string
		target string // "pod" or "deployment"
		typ    types.PatchType
		patch  string
		code   int32
		reason metav1.StatusReason
		field  string // a cause field for 422s
	}{
		{"malformed json patch", "pod", types.JSONPatchType, `[{"op":`, 400, metav1.StatusReasonBadRequest, ""},
		{"malformed merge patch", "pod", types.MergePatchType, `{"metadata":`, 400, metav1.StatusReasonBadRequest, ""},
		{"malformed strategic patch", "pod", types.StrategicMergePatchType, `not json`, 400, metav1.StatusReasonBadRequest, ""},
		{"json patch on a missing path", "pod", types.JSONPatchType, `[{"op":"replace","path":"/spec/nothere/x","value":1}]`, 422, metav1.StatusReasonInvalid, ""},
		{"failing json patch test", "pod", types.JSONPatchType, `[{"op":"test","path":"/metadata/name","value":"other"}]`, 422, metav1.StatusReasonInvalid, ""},
		{"invalid replicas", "deployment", types.MergePatchType, `{"spec":{"replicas":-1}}`, 422, metav1.StatusReasonInvalid, "spec.replicas"},
		{"pod spec is immutable", "pod", types.StrategicMergePatchType, `{"spec":{"restartPolicy":"Never"}}`, 422, metav1.StatusReasonInvalid, "spec"},
		{"invalid label", "pod", types.MergePatchType, `{"metadata":{"labels":{"bad key!":"x"}}}`, 422, metav1.StatusReasonInvalid, "metadata.labels"},
		{"wrong field type", "deployment", types.MergePatchType, `{"spec":{"replicas":"three"}}`, 422, metav1.StatusReasonInvalid, "patch"},
		{"wrong field type (strategic)", "deployment", types.StrategicMergePatchType, `{"spec":{"replicas":"three"}}`, 422, metav1.StatusReasonInvalid, "patch"},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := pods.Get(ctx, "p", metav1.GetOptions{})
			var err error
			if tc.target == "pod" {
				_, err = pods.Patch(ctx, "p", tc.typ, []byte(tc.patch), metav1.PatchOptions{})
			} else {
				_, err = deps.Patch(ctx, "d", tc.typ, []byte(tc.patch), metav1.PatchOptions{})
			}
			st := wantStatus(t, err, tc.code, tc.reason)
			if st.Message == "" {
				t.Errorf("status has no message: %+v", st)
			}
			if tc.field != "" {
				if !apierrors.IsInvalid(err) || st.Details == nil || len(st.Details.Causes) == 0 || st.Details.Causes[0].Field != tc.field {
					t.Errorf("details = %+v, want a cause on %s", st.Details, tc.field)
				}
			}
			after, _ := pods.Get(ctx, "p", metav1.GetOptions{})
			if before.ResourceVersion != after.ResourceVersion {
				t.Errorf("failed patch changed the pod: rv %s -> %s", before.ResourceVersion, after.ResourceVersion)
			}
		})
	}

	t.Run("patch of a missing object", func(t *testing.T) {
		_, err := pods.Patch(ctx, "missing", types.MergePatchType, []byte(`{}`), metav1.PatchOptions{})
		wantStatus(t, err, 404, metav1.StatusReasonNotFound)
	})
}

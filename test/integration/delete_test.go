package integration

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/testutil"
)

func TestDelete(t *testing.T) {
	// Without the garbage collector, which would act on the propagation
	// finalizers at once: these tests look at what the API server does.
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"*", "-garbagecollector"}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	pods := c.CoreV1().Pods(ns)
	cms := c.CoreV1().ConfigMaps(ns)
	gone := func(t *testing.T, get func() error) {
		t.Helper()
		if err := get(); !apierrors.IsNotFound(err) {
			t.Fatalf("get after delete: %v, want NotFound", err)
		}
	}

	t.Run("unbound pod is deleted at once", func(t *testing.T) {
		if _, err := pods.Create(ctx, pod("unbound").Obj(), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := pods.Delete(ctx, "unbound", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		gone(t, func() error { _, err := pods.Get(ctx, "unbound", metav1.GetOptions{}); return err })
	})

	t.Run("bound pod terminates gracefully", func(t *testing.T) {
		p, err := pods.Create(ctx, pod("bound").Node("node-1").Obj(), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := pods.Delete(ctx, "bound", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		got, err := pods.Get(ctx, "bound", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("bound pod gone at once: %v", err)
		}
		if got.DeletionTimestamp == nil || got.DeletionGracePeriodSeconds == nil || *got.DeletionGracePeriodSeconds != 30 {
			t.Errorf("deletionTimestamp=%v grace=%v, want set and 30", got.DeletionTimestamp, got.DeletionGracePeriodSeconds)
		}
		if got.ResourceVersion == p.ResourceVersion {
			t.Errorf("graceful delete did not write the pod")
		}
		// A shorter grace period may follow; a longer one may not.
		if err := pods.Delete(ctx, "bound", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](10)}); err != nil {
			t.Fatal(err)
		}
		got, _ = pods.Get(ctx, "bound", metav1.GetOptions{})
		if g := got.DeletionGracePeriodSeconds; g == nil || *g != 10 {
			t.Errorf("grace after shortening = %v, want 10", g)
		}
		if err := pods.Delete(ctx, "bound", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)}); err != nil {
			t.Fatal(err)
		}
		gone(t, func() error { _, err := pods.Get(ctx, "bound", metav1.GetOptions{}); return err })
	})

	t.Run("finalizers hold the object", func(t *testing.T) {
		cm := configMap("fin")
		cm.Finalizers = []string{"example.com/hold"}
		if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := cms.Delete(ctx, "fin", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		got, err := cms.Get(ctx, "fin", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("object with finalizer gone: %v", err)
		}
		if got.DeletionTimestamp == nil || got.DeletionGracePeriodSeconds == nil || *got.DeletionGracePeriodSeconds != 0 {
			t.Errorf("deletionTimestamp=%v grace=%v, want set and 0", got.DeletionTimestamp, got.DeletionGracePeriodSeconds)
		}
		// New finalizers cannot be added once deleting.
		got.Finalizers = append(got.Finalizers, "example.com/late")
		_, err = cms.Update(ctx, got, metav1.UpdateOptions{})
		wantStatus(t, err, 422, metav1.StatusReasonInvalid)
		if _, err := cms.Patch(ctx, "fin", types.JSONPatchType, []byte(`[{"op":"remove","path":"/metadata/finalizers"}]`), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		gone(t, func() error { _, err := cms.Get(ctx, "fin", metav1.GetOptions{}); return err })
	})

	t.Run("propagation policies add finalizers", func(t *testing.T) {
		for _, tc := range []struct {
			policy metav1.DeletionPropagation
			want   []string
		}{
			{metav1.DeletePropagationForeground, []string{metav1.FinalizerDeleteDependents}},
			{metav1.DeletePropagationOrphan, []string{metav1.FinalizerOrphanDependents}},
		} {
			t.Run(string(tc.policy), func(t *testing.T) {
				name := "prop-" + map[metav1.DeletionPropagation]string{metav1.DeletePropagationForeground: "fg", metav1.DeletePropagationOrphan: "orphan"}[tc.policy]
				if _, err := cms.Create(ctx, configMap(name), metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
				if err := cms.Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &tc.policy}); err != nil {
					t.Fatal(err)
				}
				got, err := cms.Get(ctx, name, metav1.GetOptions{})
				if err != nil {
					t.Fatalf("object gone despite %s: %v", tc.policy, err)
				}
				if diff := cmp.Diff(tc.want, got.Finalizers); diff != "" || got.DeletionTimestamp == nil {
					t.Errorf("finalizers (-want +got):\n%s\ndeletionTimestamp=%v", diff, got.DeletionTimestamp)
				}
				got.Finalizers = nil
				if _, err := cms.Update(ctx, got, metav1.UpdateOptions{}); err != nil {
					t.Fatal(err)
				}
				gone(t, func() error { _, err := cms.Get(ctx, name, metav1.GetOptions{}); return err })
			})
		}
		bad := metav1.DeletionPropagation("Sideways")
		if _, err := cms.Create(ctx, configMap("prop-bad"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		err := cms.Delete(ctx, "prop-bad", metav1.DeleteOptions{PropagationPolicy: &bad})
		wantStatus(t, err, 422, metav1.StatusReasonInvalid)
	})

	t.Run("preconditions", func(t *testing.T) {
		cm, err := cms.Create(ctx, configMap("pre"), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		err = cms.Delete(ctx, "pre", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: ptr.To(types.UID("other"))}})
		wantStatus(t, err, 409, metav1.StatusReasonConflict)
		err = cms.Delete(ctx, "pre", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{ResourceVersion: ptr.To("1")}})
		wantStatus(t, err, 409, metav1.StatusReasonConflict)
		if _, err := cms.Get(ctx, "pre", metav1.GetOptions{}); err != nil {
			t.Fatalf("failed precondition deleted the object: %v", err)
		}
		if err := cms.Delete(ctx, "pre", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &cm.UID, ResourceVersion: &cm.ResourceVersion}}); err != nil {
			t.Fatal(err)
		}
		err = cms.Delete(ctx, "pre", metav1.DeleteOptions{})
		wantStatus(t, err, 404, metav1.StatusReasonNotFound)
	})

	t.Run("delete collection with a label selector", func(t *testing.T) {
		for i, team := range []string{"a", "a", "b"} {
			cm := configMap("coll-" + string(rune('0'+i)))
			cm.Labels = map[string]string{"team": team}
			if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		if err := cms.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "team=a"}); err != nil {
			t.Fatal(err)
		}
		l, err := cms.List(ctx, metav1.ListOptions{LabelSelector: "team"})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"coll-2"}, names(l.Items)); diff != "" {
			t.Errorf("left after delete collection (-want +got):\n%s", diff)
		}
	})

	t.Run("delete returns the object for pods and a status for configmaps", func(t *testing.T) {
		if _, err := pods.Create(ctx, pod("ret").Node("n").Obj(), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		var p corev1.Pod
		if err := c.CoreV1().RESTClient().Delete().Namespace(ns).Resource("pods").Name("ret").Do(ctx).Into(&p); err != nil {
			t.Fatal(err)
		}
		if p.Name != "ret" || p.DeletionTimestamp == nil {
			t.Errorf("delete of a bound pod returned %+v, want the terminating pod", p.ObjectMeta)
		}
		if _, err := cms.Create(ctx, configMap("ret"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		var st metav1.Status
		if err := c.CoreV1().RESTClient().Delete().Namespace(ns).Resource("configmaps").Name("ret").Do(ctx).Into(&st); err != nil {
			t.Fatal(err)
		}
		if st.Status != metav1.StatusSuccess || st.Details == nil || st.Details.Name != "ret" || st.Details.UID == "" {
			t.Errorf("delete returned %+v, want a Success status naming the object", st)
		}
	})
}

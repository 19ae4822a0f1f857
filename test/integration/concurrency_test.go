package integration

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/testutil"
)

func TestOptimisticConcurrency(t *testing.T) {
	srv := testutil.StartServer(t)
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	cms := c.CoreV1().ConfigMaps(ns)

	t.Run("stale resourceVersion conflicts", func(t *testing.T) {
		orig, err := cms.Create(ctx, configMap("stale", "k", "v1"), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		fresh := orig.DeepCopy()
		fresh.Data["k"] = "v2"
		if _, err := cms.Update(ctx, fresh, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		orig.Data["k"] = "v3"
		_, err = cms.Update(ctx, orig, metav1.UpdateOptions{})
		wantStatus(t, err, 409, metav1.StatusReasonConflict)
		if !apierrors.IsConflict(err) {
			t.Errorf("IsConflict(%v) = false", err)
		}
		got, err := cms.Get(ctx, "stale", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Data["k"] != "v2" {
			t.Errorf("data after conflict = %v, want k=v2", got.Data)
		}
	})

	t.Run("update without resourceVersion is unconditional", func(t *testing.T) {
		if _, err := cms.Create(ctx, configMap("uncond", "k", "v1"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		upd := configMap("uncond", "k", "v2")
		got, err := cms.Update(ctx, upd, metav1.UpdateOptions{})
		if err != nil {
			t.Fatalf("unconditional update: %v", err)
		}
		if got.Data["k"] != "v2" || got.ResourceVersion == "" {
			t.Errorf("got %v rv %q, want k=v2 and a resourceVersion", got.Data, got.ResourceVersion)
		}
	})

	t.Run("generation bumps only on spec change", func(t *testing.T) {
		deps := c.AppsV1().Deployments(ns)
		d, err := deps.Create(ctx, deployment("gen", 1), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if d.Generation != 1 {
			t.Fatalf("generation on create = %d, want 1", d.Generation)
		}
		steps := []struct {
			name   string
			mutate func(*appsv1.Deployment)
			want   int64
		}{
			{"label change", func(d *appsv1.Deployment) { d.Labels = map[string]string{"a": "b"} }, 1},
			{"annotation change", func(d *appsv1.Deployment) { d.Annotations = map[string]string{"a": "b"} }, 1},
			{"replicas change", func(d *appsv1.Deployment) { *d.Spec.Replicas = 3 }, 2},
			{"template change", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "nginx:2" }, 3},
		}
		for _, st := range steps {
			st.mutate(d)
			if d, err = deps.Update(ctx, d, metav1.UpdateOptions{}); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if d.Generation != st.want {
				t.Errorf("%s: generation = %d, want %d", st.name, d.Generation, st.want)
			}
		}
	})

	t.Run("status subresource", func(t *testing.T) {
		deps := c.AppsV1().Deployments(ns)
		d, err := deps.Create(ctx, deployment("status", 1), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// Main update cannot change status.
		d.Status.Replicas = 7
		d.Labels = map[string]string{"main": "yes"}
		if d, err = deps.Update(ctx, d, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if d.Status.Replicas != 0 || d.Labels["main"] != "yes" {
			t.Errorf("main update: status.replicas = %d labels = %v, want 0 and main=yes", d.Status.Replicas, d.Labels)
		}
		// Status update changes only status.
		d.Status.Replicas = 5
		d.Status.ObservedGeneration = d.Generation
		d.Spec.Replicas = new(int32(9))
		d.Labels = map[string]string{"status": "yes"}
		got, err := deps.UpdateStatus(ctx, d, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status.Replicas != 5 || *got.Spec.Replicas != 1 || got.Labels["main"] != "yes" || got.Labels["status"] != "" {
			t.Errorf("status update: status.replicas=%d spec.replicas=%d labels=%v; want 5, 1, main=yes only",
				got.Status.Replicas, *got.Spec.Replicas, got.Labels)
		}
		if got.Generation != d.Generation {
			t.Errorf("status update bumped generation %d -> %d", d.Generation, got.Generation)
		}
		// A pod's status update works the same way.
		p, err := c.CoreV1().Pods(ns).Create(ctx, pod("status").Obj(), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p.Status.Phase = corev1.PodRunning
		p.Spec.Containers[0].Image = "changed"
		p, err = c.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Status.Phase != corev1.PodRunning || p.Spec.Containers[0].Image != "busybox" {
			t.Errorf("pod status update: phase=%s image=%s, want Running busybox", p.Status.Phase, p.Spec.Containers[0].Image)
		}
	})

	t.Run("scale subresource", func(t *testing.T) {
		deps := c.AppsV1().Deployments(ns)
		d, err := deps.Create(ctx, deployment("scale", 2), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		sc, err := deps.GetScale(ctx, "scale", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := &autoscalingv1.Scale{
			ObjectMeta: metav1.ObjectMeta{Name: "scale", Namespace: ns, UID: d.UID, ResourceVersion: d.ResourceVersion, CreationTimestamp: d.CreationTimestamp},
			Spec:       autoscalingv1.ScaleSpec{Replicas: 2},
			Status:     autoscalingv1.ScaleStatus{Selector: "app=scale"},
		}
		if diff := cmp.Diff(want, sc); diff != "" {
			t.Errorf("scale (-want +got):\n%s", diff)
		}
		sc.Spec.Replicas = 4
		sc.Labels = map[string]string{"ignored": "yes"}
		if _, err := deps.UpdateScale(ctx, "scale", sc, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		got, err := deps.Get(ctx, "scale", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if *got.Spec.Replicas != 4 || got.Labels["ignored"] != "" || got.Generation != d.Generation+1 {
			t.Errorf("after scale: replicas=%d labels=%v generation=%d; want 4, none, %d", *got.Spec.Replicas, got.Labels, got.Generation, d.Generation+1)
		}
		// A stale scale conflicts.
		sc.Spec.Replicas = 5
		_, err = deps.UpdateScale(ctx, "scale", sc, metav1.UpdateOptions{})
		wantStatus(t, err, 409, metav1.StatusReasonConflict)
	})
}

package integration

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/testutil"
)

// A status write changes status and, as upstream's built-in status
// strategies allow, metadata — but never the spec, a Deployment's labels or
// a pod's ownerReferences.
func TestStatusWritesKeepSpec(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)

	d, err := c.AppsV1().Deployments(ns).Create(ctx, deployment("web", 2), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d.Spec.Replicas = ptr.To(int32(7))
	d.Labels = map[string]string{"changed": "yes"}
	d.Annotations = map[string]string{"deployment.kubernetes.io/revision": "1"}
	d.Status.ObservedGeneration = d.Generation
	d.Status.Replicas = 2
	got, err := c.AppsV1().Deployments(ns).UpdateStatus(ctx, d, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *got.Spec.Replicas != 2 || got.Labels["changed"] != "" || got.Annotations["deployment.kubernetes.io/revision"] != "1" || got.Status.Replicas != 2 {
		t.Errorf("deployment after status write: replicas %d labels %v annotations %v status.replicas %d; want spec and labels kept, annotation and status written",
			*got.Spec.Replicas, got.Labels, got.Annotations, got.Status.Replicas)
	}

	p, err := c.CoreV1().Pods(ns).Create(ctx, pod("p").Obj(), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.Labels = map[string]string{"tier": "web"}
	p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "x", UID: "1234"}}
	gotPod, err := c.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if gotPod.Labels["tier"] != "web" || len(gotPod.OwnerReferences) != 0 {
		t.Errorf("pod after status write: labels %v ownerReferences %v; want the label written, no ownerReferences", gotPod.Labels, gotPod.OwnerReferences)
	}
}

// A DaemonSet's template generation annotation counts template changes
// only, as upstream's spec.templateGeneration.
func TestDaemonSetTemplateGeneration(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	dsets := c.AppsV1().DaemonSets(ns)
	lbl := map[string]string{"app": "agent"}
	ds, err := dsets.Create(ctx, &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "agent"},
		Spec: appsv1.DaemonSetSpec{Selector: &metav1.LabelSelector{MatchLabels: lbl},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: lbl},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "img:1"}}}}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const key = "deprecated.daemonset.template.generation"
	for _, step := range []struct {
		change func(*appsv1.DaemonSet)
		want   string
	}{
		{func(*appsv1.DaemonSet) {}, "1"},
		{func(d *appsv1.DaemonSet) { d.Spec.Template.Spec.Containers[0].Image = "img:2" }, "2"},
		{func(d *appsv1.DaemonSet) { d.Spec.MinReadySeconds = 5 }, "2"},
		{func(d *appsv1.DaemonSet) { d.Spec.Template.Labels = map[string]string{"app": "agent", "v": "3"} }, "3"},
	} {
		step.change(ds)
		if ds, err = dsets.Update(ctx, ds, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := ds.Annotations[key]; got != step.want {
			t.Errorf("after update to generation %d: %s = %q, want %q", ds.Generation, key, got, step.want)
		}
	}
}

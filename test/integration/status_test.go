package integration

import (
	"testing"

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

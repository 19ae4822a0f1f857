package deployment

import (
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func TestFenceposts(t *testing.T) {
	pct := func(s string) *intstr.IntOrString { v := intstr.FromString(s); return &v }
	num := func(n int) *intstr.IntOrString { v := intstr.FromInt32(int32(n)); return &v }
	for _, tc := range []struct {
		surge, unavailable *intstr.IntOrString
		replicas           int32
		wantS, wantU       int32
	}{
		{pct("25%"), pct("25%"), 10, 3, 2}, // 2.5 rounds up for surge, down for unavailable
		{pct("25%"), pct("25%"), 5, 2, 1},
		{pct("25%"), pct("25%"), 1, 1, 0},
		{nil, nil, 4, 1, 1}, // defaults are 25%
		{num(0), num(0), 3, 0, 1},
		{pct("0%"), pct("10%"), 5, 0, 1}, // 0.5 rounds down to 0: both zero → 1
		{num(2), pct("50%"), 3, 2, 1},
		{pct("100%"), num(0), 3, 3, 0},
	} {
		s, u, err := fenceposts(tc.surge, tc.unavailable, tc.replicas)
		if err != nil || s != tc.wantS || u != tc.wantU {
			t.Errorf("fenceposts(%v, %v, %d) = %d, %d, %v; want %d, %d", tc.surge, tc.unavailable, tc.replicas, s, u, err, tc.wantS, tc.wantU)
		}
	}
}

func TestMaxUnavailableCappedAndRecreate(t *testing.T) {
	d := testDeployment("d", 2)
	d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxUnavailable: ptr.To(intstr.FromInt32(5)), MaxSurge: ptr.To(intstr.FromInt32(1))}
	if got := maxUnavailable(d); got != 2 {
		t.Errorf("maxUnavailable = %d, want capped at replicas 2", got)
	}
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	if maxUnavailable(d) != 0 || maxSurge(d) != 0 {
		t.Errorf("Recreate has no surge or unavailable budget")
	}
}

func TestNewRSReplicas(t *testing.T) {
	for _, tc := range []struct {
		replicas, surge, old, cur, want int32
	}{
		{replicas: 10, surge: 3, old: 10, cur: 0, want: 3},
		{replicas: 10, surge: 3, old: 8, cur: 3, want: 5},
		{replicas: 10, surge: 3, old: 10, cur: 3, want: 3}, // at the ceiling
		{replicas: 10, surge: 3, old: 0, cur: 8, want: 10}, // never past replicas
	} {
		d := testDeployment("d", tc.replicas)
		d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxSurge: ptr.To(intstr.FromInt32(tc.surge)), MaxUnavailable: ptr.To(intstr.FromInt32(1))}
		old, cur := testRS("old", tc.old), testRS("new", tc.cur)
		if got := newRSReplicas(d, []*appsv1.ReplicaSet{old, cur}, cur); got != tc.want {
			t.Errorf("%+v: got %d", tc, got)
		}
	}
}

// The hash is a pure function of the template and collision count; a
// golden value guards the rendering (the hash names ReplicaSets, so a
// change would make every Deployment roll out again after an upgrade).
func TestComputeHash(t *testing.T) {
	tmpl := &corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "nginx", Image: "nginx:1.27"}}},
	}
	h := ComputeHash(tmpl, nil)
	if h != ComputeHash(tmpl.DeepCopy(), nil) {
		t.Fatal("hash not stable across copies")
	}
	if got, want := h, goldenHash; got != want {
		t.Errorf("hash %q, want %q", got, want)
	}
	if h == ComputeHash(tmpl, ptr.To(int32(1))) || ComputeHash(tmpl, ptr.To(int32(1))) == ComputeHash(tmpl, ptr.To(int32(2))) {
		t.Error("collision count does not change the hash")
	}
	other := tmpl.DeepCopy()
	other.Spec.Containers[0].Image = "nginx:1.28"
	if ComputeHash(other, nil) == h {
		t.Error("a different template has the same hash")
	}
	for _, c := range h {
		if !strings.ContainsRune("bcdfghjklmnpqrstvwxz2456789", c) {
			t.Errorf("hash %q has a character SafeEncodeString never emits", h)
		}
	}
}

const goldenHash = "54f4d55c48"

func TestSetNewRSAnnotations(t *testing.T) {
	d := testDeployment("d", 3)
	d.Annotations = map[string]string{"kubernetes.io/change-cause": "why", lastAppliedAnnotation: "{}", RevisionAnnotation: "9"}
	rs := testRS("rs", 3)
	rs.Annotations = map[string]string{RevisionAnnotation: "1"}
	if !setNewRSAnnotations(d, rs, "4", true) {
		t.Fatal("no change reported")
	}
	want := map[string]string{"kubernetes.io/change-cause": "why", RevisionAnnotation: "4", RevisionHistoryAnnotation: "1"}
	if fmt.Sprint(rs.Annotations) != fmt.Sprint(want) {
		t.Errorf("annotations %v, want %v", rs.Annotations, want)
	}
	setNewRSAnnotations(d, rs, "6", true)
	if rs.Annotations[RevisionHistoryAnnotation] != "1,4" {
		t.Errorf("history %q, want 1,4", rs.Annotations[RevisionHistoryAnnotation])
	}
	if setNewRSAnnotations(d, rs, "5", true) {
		t.Error("an older revision changed the annotations")
	}
	fresh := testRS("new", 0)
	setNewRSAnnotations(d, fresh, "1", false)
	if fresh.Annotations[DesiredReplicasAnnotation] != "3" || fresh.Annotations[MaxReplicasAnnotation] != "4" {
		t.Errorf("new replica set size annotations %v", fresh.Annotations)
	}
}

func testDeployment(name string, replicas int32) *appsv1.Deployment {
	lbl := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: "d-uid", Generation: 1},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas), Selector: &metav1.LabelSelector{MatchLabels: lbl},
			Template:                corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: lbl}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i:1"}}}},
			Strategy:                appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType},
			ProgressDeadlineSeconds: ptr.To(int32(600)),
			RevisionHistoryLimit:    ptr.To(int32(10)),
		},
	}
}

func testRS(name string, replicas int32) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID("uid-" + name)},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To(replicas)}}
}

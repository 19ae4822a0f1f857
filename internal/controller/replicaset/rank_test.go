package replicaset

import (
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

var now = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// podB builds pods for ranking tests.
type podB struct{ p *corev1.Pod }

func newPod(name string) *podB {
	return &podB{p: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID(name),
		CreationTimestamp: metav1.NewTime(now.Add(-time.Hour))}}}
}

func (b *podB) node(n string) *podB            { b.p.Spec.NodeName = n; return b }
func (b *podB) phase(ph corev1.PodPhase) *podB { b.p.Status.Phase = ph; return b }
func (b *podB) created(ago time.Duration) *podB {
	b.p.CreationTimestamp = metav1.NewTime(now.Add(-ago))
	return b
}
func (b *podB) labels(l map[string]string) *podB { b.p.Labels = l; return b }
func (b *podB) owner(uid types.UID) *podB {
	b.p.OwnerReferences = []metav1.OwnerReference{{UID: uid, Controller: ptrTrue()}}
	return b
}
func (b *podB) deleting() *podB { ts := metav1.NewTime(now); b.p.DeletionTimestamp = &ts; return b }
func (b *podB) cost(c int) *podB {
	b.p.Annotations = map[string]string{deletionCostAnnotation: strconv.Itoa(c)}
	return b
}
func (b *podB) restarts(n int32) *podB {
	b.p.Status.ContainerStatuses = []corev1.ContainerStatus{{RestartCount: n}}
	return b
}
func (b *podB) obj() *corev1.Pod { return b.p }
func (b *podB) readyFor(d time.Duration) *podB {
	b.p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(now.Add(-d))}}
	return b
}

func ptrTrue() *bool { t := true; return &t }

func TestDeleteFirst(t *testing.T) {
	running := func(n string) *podB { return newPod(n).node("n1").phase(corev1.PodRunning) }
	for _, tc := range []struct {
		name          string
		first, second *corev1.Pod
		colocated     [2]int
	}{
		{"unassigned before assigned", newPod("a").obj(), newPod("b").node("n1").obj(), [2]int{}},
		{"pending before unknown", newPod("a").node("n1").phase(corev1.PodPending).obj(), newPod("b").node("n1").phase(corev1.PodUnknown).obj(), [2]int{}},
		{"unknown before running", newPod("a").node("n1").phase(corev1.PodUnknown).obj(), running("b").obj(), [2]int{}},
		{"not ready before ready", running("a").obj(), running("b").readyFor(time.Hour).obj(), [2]int{}},
		{"lower deletion cost first", running("a").readyFor(time.Minute).cost(-5).obj(), running("b").readyFor(time.Minute).cost(10).obj(), [2]int{}},
		{"doubled up first", running("a").readyFor(time.Hour).obj(), running("b").readyFor(time.Hour).obj(), [2]int{3, 1}},
		{"ready for less time first", running("a").readyFor(time.Minute).obj(), running("b").readyFor(10 * time.Hour).obj(), [2]int{}},
		{"more restarts first", running("a").readyFor(time.Hour).restarts(5).obj(), running("b").readyFor(time.Hour).restarts(1).obj(), [2]int{}},
		{"newer first", running("a").created(time.Minute).obj(), running("b").created(10 * time.Hour).obj(), [2]int{}},
		{"zero creation time first", running("a").created(0).obj(), running("b").obj(), [2]int{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "zero creation time first" {
				tc.first.CreationTimestamp = metav1.Time{}
			}
			a, b := rankedPod{pod: tc.first, colocated: tc.colocated[0]}, rankedPod{pod: tc.second, colocated: tc.colocated[1]}
			if !deleteFirst(a, b, now) {
				t.Errorf("%s should be deleted before %s", tc.first.Name, tc.second.Name)
			}
			if deleteFirst(b, a, now) {
				t.Errorf("%s ranked before %s too", tc.second.Name, tc.first.Name)
			}
		})
	}
}

// Ages on the same log2 scale are equal, so restarts decide; ties go by
// UID.
func TestDeleteFirstLogarithmicAges(t *testing.T) {
	a := newPod("a").node("n").phase(corev1.PodRunning).readyFor(70 * time.Minute).restarts(0).obj()
	b := newPod("b").node("n").phase(corev1.PodRunning).readyFor(65 * time.Minute).restarts(3).obj()
	// 65 and 70 minutes share floor(log2(ns)); the UID breaks the tie, as
	// upstream, before restarts are looked at.
	if !deleteFirst(rankedPod{pod: a}, rankedPod{pod: b}, now) {
		t.Errorf("a (lower UID) should go first among pods ready for similar times")
	}
}

func TestPodsToDelete(t *testing.T) {
	pods := []*corev1.Pod{
		newPod("ready-old").node("n1").phase(corev1.PodRunning).readyFor(5 * time.Hour).obj(),
		newPod("pending").node("n1").phase(corev1.PodPending).obj(),
		newPod("unassigned").obj(),
		newPod("ready-new").node("n2").phase(corev1.PodRunning).readyFor(time.Second).obj(),
		newPod("running-unready").node("n2").phase(corev1.PodRunning).obj(),
	}
	got := podsToDelete(pods, nil, 3, now)
	want := []string{"unassigned", "pending", "running-unready"}
	for i, p := range got {
		if p.Name != want[i] {
			t.Fatalf("deleted %v, want %v", names(got), want)
		}
	}
	if got := podsToDelete(pods, nil, 4, now); got[3].Name != "ready-new" {
		t.Errorf("4th victim %s, want the pod ready for less time", got[3].Name)
	}
	if got := podsToDelete(pods, nil, 9, now); len(got) != 5 {
		t.Errorf("asked for more than there are: got %d", len(got))
	}
}

func names(pods []*corev1.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

package podgc

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type podB struct{ p *corev1.Pod }

func pod(name string) *podB {
	return &podB{&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", CreationTimestamp: metav1.NewTime(t0)}}}
}
func (b *podB) node(n string) *podB { b.p.Spec.NodeName = n; return b }
func (b *podB) phase(ph corev1.PodPhase) *podB {
	b.p.Status.Phase = ph
	return b
}
func (b *podB) created(s int) *podB {
	b.p.CreationTimestamp = metav1.NewTime(t0.Add(time.Duration(s) * time.Second))
	return b
}
func (b *podB) deleting() *podB {
	now := metav1.NewTime(t0)
	b.p.DeletionTimestamp = &now
	return b
}

func node(name string, ready bool, taints ...string) *corev1.Node {
	st := corev1.ConditionFalse
	if ready {
		st = corev1.ConditionTrue
	}
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: st}}}}
	for _, k := range taints {
		n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: k, Effect: corev1.TaintEffectNoExecute})
	}
	return n
}

type pick struct {
	Name   string
	Reason reason
}

func TestPlan(t *testing.T) {
	nodes := []*corev1.Node{node("a", true), node("oos", false, corev1.TaintNodeOutOfService), node("oos-ready", true, corev1.TaintNodeOutOfService)}
	tests := []struct {
		name        string
		pods        []*corev1.Pod
		threshold   int
		gone        map[string]bool
		want        []pick
		wantMissing []string
	}{
		{name: "under the threshold nothing goes", threshold: 2,
			pods: []*corev1.Pod{pod("s").node("a").phase(corev1.PodSucceeded).p, pod("f").node("a").phase(corev1.PodFailed).p, pod("r").node("a").phase(corev1.PodRunning).p}},
		{name: "over the threshold the oldest finished go, name breaking ties", threshold: 1,
			pods: []*corev1.Pod{
				pod("new").node("a").phase(corev1.PodSucceeded).created(30).p,
				pod("b-old").node("a").phase(corev1.PodFailed).created(10).p,
				pod("a-old").node("a").phase(corev1.PodSucceeded).created(10).p,
				pod("running").node("a").phase(corev1.PodRunning).created(0).p,
			},
			want: []pick{{"a-old", terminated}, {"b-old", terminated}}},
		{name: "negative threshold keeps finished pods", threshold: -1,
			pods: []*corev1.Pod{pod("s").node("a").phase(corev1.PodSucceeded).p}},
		{name: "terminating on a not-ready out-of-service node", threshold: 10,
			pods: []*corev1.Pod{pod("t").node("oos").deleting().p, pod("alive").node("oos").p, pod("ready-node").node("oos-ready").deleting().p},
			want: []pick{{"t", outOfService}}},
		{name: "pods of a missing node wait for confirmation", threshold: 10,
			pods:        []*corev1.Pod{pod("x").node("ghost").p, pod("y").node("ghost").p, pod("z").node("other").p},
			wantMissing: []string{"ghost", "other"}},
		{name: "pods of a node confirmed gone are orphans", threshold: 10, gone: map[string]bool{"ghost": true},
			pods:        []*corev1.Pod{pod("x").node("ghost").p, pod("z").node("other").p},
			want:        []pick{{"x", orphaned}},
			wantMissing: []string{"other"}},
		{name: "unscheduled terminating", threshold: 10,
			pods: []*corev1.Pod{pod("u").deleting().p, pod("pending").p},
			want: []pick{{"u", unscheduledTerminating}}},
		{name: "a pod is collected once", threshold: 0, gone: map[string]bool{"ghost": true},
			pods: []*corev1.Pod{pod("f").node("ghost").phase(corev1.PodFailed).p},
			want: []pick{{"f", orphaned}}},
		{name: "finished orphan over the threshold goes as terminated", threshold: 1, gone: map[string]bool{"ghost": true},
			pods: []*corev1.Pod{pod("f").node("ghost").phase(corev1.PodFailed).created(0).p, pod("g").node("a").phase(corev1.PodFailed).created(5).p},
			want: []pick{{"f", terminated}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			victims, missing := plan(tc.pods, nodes, tc.threshold, tc.gone)
			var got []pick
			for _, v := range victims {
				got = append(got, pick{v.pod.Name, v.reason})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("victims (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantMissing, missing); diff != "" {
				t.Errorf("missing (-want +got):\n%s", diff)
			}
		})
	}
}

// A missing node is only checked against the API after the quarantine,
// and forgotten once it exists or no pod refers to it.
func TestConfirmGone(t *testing.T) {
	clk := clocktesting.NewFakeClock(t0)
	exists := map[string]bool{"late": true}
	var asked []string
	c := &Controller{
		cfg: Config{Quarantine: 40 * time.Second}, clock: clk, missing: map[string]time.Time{},
		log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		nodeExists: func(_ context.Context, name string) (bool, error) {
			asked = append(asked, name)
			return exists[name], nil
		},
	}
	ctx := t.Context()
	if gone := c.confirmGone(ctx, []string{"dead", "late"}); len(gone) != 0 || len(asked) != 0 {
		t.Fatalf("first sight: gone=%v asked=%v, want nothing", gone, asked)
	}
	clk.Step(39 * time.Second)
	if gone := c.confirmGone(ctx, []string{"dead", "late"}); len(gone) != 0 || len(asked) != 0 {
		t.Fatalf("within quarantine: gone=%v asked=%v", gone, asked)
	}
	clk.Step(time.Second)
	gone := c.confirmGone(ctx, []string{"dead", "late"})
	if diff := cmp.Diff(map[string]bool{"dead": true}, gone); diff != "" {
		t.Errorf("gone (-want +got):\n%s", diff)
	}
	if _, ok := c.missing["late"]; ok {
		t.Error("a node that exists stays quarantined")
	}
	c.confirmGone(ctx, nil)
	if len(c.missing) != 0 {
		t.Errorf("unreferenced nodes kept: %v", c.missing)
	}
}

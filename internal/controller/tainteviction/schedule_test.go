package tainteviction

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

var (
	unreachable = corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}
	notReady    = corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute}
	custom      = corev1.Taint{Key: "example.com/drain", Value: "yes", Effect: corev1.TaintEffectNoExecute}
)

func tolerate(key string, secs *int64) corev1.Toleration {
	return corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: secs}
}

func TestMinToleration(t *testing.T) {
	tests := []struct {
		name string
		used []corev1.Toleration
		want time.Duration
	}{
		{"none used", nil, 0},
		{"forever", []corev1.Toleration{tolerate("a", nil)}, -1},
		{"smallest wins", []corev1.Toleration{tolerate("a", ptr.To(int64(300))), tolerate("b", ptr.To(int64(2))), tolerate("c", nil)}, 2 * time.Second},
		{"zero means now", []corev1.Toleration{tolerate("a", ptr.To(int64(300))), tolerate("b", ptr.To(int64(0)))}, 0},
		{"negative means now", []corev1.Toleration{tolerate("a", ptr.To(int64(-5)))}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := minToleration(tc.used); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSchedule(t *testing.T) {
	defaults := []corev1.Toleration{ // as DefaultTolerationSeconds admission adds
		tolerate(corev1.TaintNodeNotReady, ptr.To(int64(300))),
		tolerate(corev1.TaintNodeUnreachable, ptr.To(int64(300))),
	}
	running := &eviction{uid: "u", created: at(10), fireAt: at(310)}
	tests := []struct {
		name        string
		tolerations []corev1.Toleration
		taints      []corev1.Taint
		cur         *eviction
		now         int
		want        *eviction
	}{
		{name: "no taints: nothing", tolerations: defaults, now: 5},
		{name: "no taints cancels", tolerations: defaults, cur: running, now: 50},
		{name: "untolerated taint: at once", tolerations: defaults, taints: []corev1.Taint{custom}, now: 5,
			want: &eviction{uid: "u", created: at(5), fireAt: at(5)}},
		{name: "no tolerations at all: at once", taints: []corev1.Taint{unreachable}, now: 5,
			want: &eviction{uid: "u", created: at(5), fireAt: at(5)}},
		{name: "tolerated for 300s", tolerations: defaults, taints: []corev1.Taint{unreachable}, now: 10,
			want: &eviction{uid: "u", created: at(10), fireAt: at(310)}},
		{name: "already counting down keeps its time", tolerations: defaults, taints: []corev1.Taint{notReady}, cur: running, now: 50,
			want: running},
		{name: "a new untolerated taint cuts the wait", tolerations: defaults, taints: []corev1.Taint{unreachable, custom}, cur: running, now: 50,
			want: &eviction{uid: "u", created: at(50), fireAt: at(50)}},
		{name: "tolerated forever cancels",
			tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}}, taints: []corev1.Taint{unreachable, custom}, cur: running, now: 50},
		{name: "the first matching toleration is the one used",
			tolerations: []corev1.Toleration{tolerate(corev1.TaintNodeUnreachable, ptr.To(int64(2))), {Operator: corev1.TolerationOpExists}},
			taints:      []corev1.Taint{unreachable}, now: 0, want: &eviction{uid: "u", created: at(0), fireAt: at(2)}},
		{name: "shortest of the tolerations in use",
			tolerations: []corev1.Toleration{tolerate(corev1.TaintNodeUnreachable, ptr.To(int64(60))), {Key: "example.com/drain", Operator: corev1.TolerationOpEqual, Value: "yes", TolerationSeconds: ptr.To(int64(20))}},
			taints:      []corev1.Taint{unreachable, custom}, now: 0, want: &eviction{uid: "u", created: at(0), fireAt: at(20)}},
		{name: "value must match for Equal",
			tolerations: []corev1.Toleration{{Key: "example.com/drain", Operator: corev1.TolerationOpEqual, Value: "no"}},
			taints:      []corev1.Taint{custom}, now: 0, want: &eviction{uid: "u", created: at(0), fireAt: at(0)}},
		{name: "a recreated pod of the same name starts over", tolerations: defaults, taints: []corev1.Taint{unreachable},
			cur: &eviction{uid: "old", created: at(0), fireAt: at(300)}, now: 100,
			want: &eviction{uid: "u", created: at(100), fireAt: at(400)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := schedule("u", tc.tolerations, tc.taints, tc.cur, at(tc.now))
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(eviction{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestNoExecute(t *testing.T) {
	got := noExecute([]corev1.Taint{unreachable, {Key: "x", Effect: corev1.TaintEffectNoSchedule}, custom})
	if diff := cmp.Diff([]corev1.Taint{unreachable, custom}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

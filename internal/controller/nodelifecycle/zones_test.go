package nodelifecycle

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func readyConds(ready, notReady, never int) []*corev1.NodeCondition {
	var out []*corev1.NodeCondition
	for range ready {
		out = append(out, &corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionTrue})
	}
	for range notReady {
		out = append(out, &corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionUnknown})
	}
	for range never {
		out = append(out, nil)
	}
	return out
}

func TestComputeZoneState(t *testing.T) {
	tests := []struct {
		name                 string
		ready, notReady, nvr int
		wantUnhealthy        int
		want                 zoneState
	}{
		{"all ready", 5, 0, 0, 0, stateNormal},
		{"none ready", 0, 3, 0, 3, stateFullDisruption},
		{"never reported counts as not ready", 0, 0, 2, 2, stateFullDisruption},
		{"two down of three is not enough nodes for partial", 1, 2, 0, 2, stateNormal},
		{"three of five down (60%) is partial", 2, 3, 0, 3, statePartialDisruption},
		{"three of six down (50%) is normal", 3, 3, 0, 3, stateNormal},
		{"exactly 55% is partial", 9, 11, 0, 11, statePartialDisruption},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, st := computeZoneState(readyConds(tc.ready, tc.notReady, tc.nvr), DefaultUnhealthyZoneThreshold)
			if n != tc.wantUnhealthy || st != tc.want {
				t.Errorf("got %d, %s; want %d, %s", n, st, tc.wantUnhealthy, tc.want)
			}
		})
	}
}

func TestZoneKey(t *testing.T) {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{corev1.LabelTopologyRegion: "r", corev1.LabelTopologyZone: "z"}}}
	if got := zoneKey(n); got != "r:\x00:z" {
		t.Errorf("zoneKey = %q", got)
	}
	n.Labels = map[string]string{corev1.LabelFailureDomainBetaZone: "old"}
	if got := zoneKey(n); got != ":\x00:old" {
		t.Errorf("beta zoneKey = %q", got)
	}
	if got := zoneKey(&corev1.Node{}); got != "" {
		t.Errorf("unlabelled zoneKey = %q", got)
	}
}

func TestLimiter(t *testing.T) {
	l := newLimiter(0.1, at(0))
	steps := []struct {
		at   time.Duration
		want bool
	}{
		{0, true},                 // the one token of the burst
		{time.Second, false},      // refilled 0.1 only
		{9 * time.Second, false},  // 0.9
		{10 * time.Second, true},  // a whole token
		{15 * time.Second, false}, // 0.5
		{60 * time.Second, true},  // capped at one token…
		{61 * time.Second, false}, // …so no burst after idling
	}
	for _, s := range steps {
		if got := l.tryAccept(t0.Add(s.at)); got != s.want {
			t.Errorf("at %v: tryAccept = %v, want %v", s.at, got, s.want)
		}
	}
	if newLimiter(0, at(0)).tryAccept(at(1000)) {
		t.Error("a zero-rate limiter accepted")
	}
}

func TestTimedQueue(t *testing.T) {
	q := newTimedQueue(1, at(0))
	for _, n := range []string{"a", "b", "c"} {
		if !q.add(n, "uid-"+n, at(0)) {
			t.Fatalf("add %s refused", n)
		}
	}
	if q.add("a", "uid-a", at(0)) {
		t.Error("a was queued twice")
	}
	var got []string
	try := func(now time.Time, fail string) {
		q.try(now, func(v timedValue) (bool, time.Duration) {
			got = append(got, v.name)
			return v.name != fail, 5 * time.Second
		})
	}
	try(at(0), "") // one token: a
	try(at(0), "") // none left
	if diff := cmp.Diff([]string{"a"}, got); diff != "" {
		t.Fatalf("first pass (-want +got):\n%s", diff)
	}
	try(at(1), "b") // b fails, comes back 5s later behind c
	try(at(2), "")  // c
	try(at(3), "")  // b not due yet
	try(at(7), "")  // b
	if diff := cmp.Diff([]string{"a", "b", "c", "b"}, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	q.add("d", "", at(8))
	if !q.remove("d") || q.remove("d") {
		t.Error("remove should report d once")
	}
	q.add("e", "", at(8))
	q.setQPS(0, at(8))
	got = nil
	try(at(100), "")
	if len(got) != 0 || q.qps() != 0 {
		t.Errorf("a stopped queue handed out %v", got)
	}
}

func TestNextZoneStates(t *testing.T) {
	tests := []struct {
		name  string
		prev  map[string]zoneState
		ready map[string][]*corev1.NodeCondition
		want  map[string]zoneState
		what  disruption
		after map[string]zoneState // prev as left for the caller
	}{
		{name: "one zone down among healthy ones",
			prev:  map[string]zoneState{"a": stateNormal, "b": stateNormal},
			ready: map[string][]*corev1.NodeCondition{"a": readyConds(0, 1, 0), "b": readyConds(2, 0, 0)},
			want:  map[string]zoneState{"a": stateFullDisruption, "b": stateNormal}, what: zonesChanged,
			after: map[string]zoneState{"a": stateNormal, "b": stateNormal}},
		{name: "every zone down: the control plane is cut off",
			prev:  map[string]zoneState{"a": stateNormal, "b": stateNormal},
			ready: map[string][]*corev1.NodeCondition{"a": readyConds(0, 1, 0), "b": readyConds(0, 4, 0)},
			want:  map[string]zoneState{"a": stateFullDisruption, "b": stateFullDisruption}, what: enterFullDisruption,
			after: map[string]zoneState{"a": stateNormal, "b": stateNormal}},
		{name: "still all down",
			prev:  map[string]zoneState{"a": stateFullDisruption},
			ready: map[string][]*corev1.NodeCondition{"a": readyConds(0, 1, 0)},
			want:  map[string]zoneState{"a": stateFullDisruption}, what: unchanged,
			after: map[string]zoneState{"a": stateFullDisruption}},
		{name: "a zone comes back",
			prev:  map[string]zoneState{"a": stateFullDisruption, "b": stateFullDisruption},
			ready: map[string][]*corev1.NodeCondition{"a": readyConds(1, 0, 0), "b": readyConds(0, 1, 0)},
			want:  map[string]zoneState{"a": stateNormal, "b": stateFullDisruption}, what: exitFullDisruption,
			after: map[string]zoneState{"a": stateFullDisruption, "b": stateFullDisruption}},
		{name: "new zone starts Initial, vanished zone is dropped",
			prev:  map[string]zoneState{"gone": stateNormal},
			ready: map[string][]*corev1.NodeCondition{"new": readyConds(1, 0, 0)},
			want:  map[string]zoneState{"new": stateNormal}, what: zonesChanged,
			after: map[string]zoneState{"new": stateInitial}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, what := nextZoneStates(tc.prev, tc.ready, DefaultUnhealthyZoneThreshold)
			if diff := cmp.Diff(tc.want, got); diff != "" || what != tc.what {
				t.Errorf("what = %v, want %v; states (-want +got):\n%s", what, tc.what, diff)
			}
			if diff := cmp.Diff(tc.after, tc.prev); diff != "" {
				t.Errorf("prev after (-want +got):\n%s", diff)
			}
		})
	}
}

func TestZoneQPS(t *testing.T) {
	c := &Controller{cfg: Config{EvictionQPS: 0.1, SecondaryEvictionQPS: 0.01, LargeClusterThreshold: 50}}
	tests := []struct {
		st   zoneState
		size int
		want float64
	}{
		{stateNormal, 10, 0.1},
		{stateFullDisruption, 10, 0.1}, // one zone down among others: taint as usual
		{statePartialDisruption, 51, 0.01},
		{statePartialDisruption, 50, 0}, // a small zone mostly down: stop
	}
	for _, tc := range tests {
		if got := c.zoneQPS(tc.st, tc.size); got != tc.want {
			t.Errorf("zoneQPS(%s, %d) = %v, want %v", tc.st, tc.size, got, tc.want)
		}
	}
}

package job

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestBackoffDelay(t *testing.T) {
	for failures, want := range map[int]time.Duration{
		0: 0, 1: 10 * time.Second, 2: 20 * time.Second, 3: 40 * time.Second, 6: 320 * time.Second,
		7: 10 * time.Minute, 30: 10 * time.Minute,
	} {
		if got := backoffDelay(failures, DefaultBackoff, DefaultMaxBackoff); got != want {
			t.Errorf("backoffDelay(%d) = %v, want %v", failures, got, want)
		}
	}
	last := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := remaining(2, last, last.Add(5*time.Second), DefaultBackoff, DefaultMaxBackoff); got != 15*time.Second {
		t.Errorf("remaining = %v", got)
	}
	if got := remaining(2, last, last.Add(25*time.Second), DefaultBackoff, DefaultMaxBackoff); got != 0 {
		t.Errorf("remaining after the delay = %v", got)
	}
}

func finishedPod(phase corev1.PodPhase, at time.Time) *corev1.Pod {
	p := podAt("p", phase)
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{State: corev1.ContainerState{
		Terminated: &corev1.ContainerStateTerminated{FinishedAt: metav1.NewTime(at)}}}}
	return p
}

func TestBackoffRecord(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	r := backoffRecord{}.next(nil, []*corev1.Pod{finishedPod(corev1.PodFailed, at(2)), finishedPod(corev1.PodFailed, at(1))})
	if r.failures != 2 || !r.lastFailure.Equal(at(2)) {
		t.Fatalf("after two failures: %+v", r)
	}
	r = r.next(nil, []*corev1.Pod{finishedPod(corev1.PodFailed, at(5))})
	if r.failures != 3 || !r.lastFailure.Equal(at(5)) {
		t.Fatalf("after a third: %+v", r)
	}
	// A success resets the count to the failures after it.
	r = r.next([]*corev1.Pod{finishedPod(corev1.PodSucceeded, at(10))},
		[]*corev1.Pod{finishedPod(corev1.PodFailed, at(8)), finishedPod(corev1.PodFailed, at(12))})
	if r.failures != 1 || !r.lastFailure.Equal(at(12)) {
		t.Fatalf("after a success: %+v", r)
	}
	r = r.next([]*corev1.Pod{finishedPod(corev1.PodSucceeded, at(20))}, nil)
	if r.failures != 0 {
		t.Fatalf("after a lone success: %+v", r)
	}
}

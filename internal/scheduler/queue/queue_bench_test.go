package queue

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

// BenchmarkAddPop measures one Add and one Pop/Done with n pods queued.
func BenchmarkAddPop(b *testing.B) {
	for _, n := range []int{100, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			q, err := New(Config{Clock: clockAt()})
			if err != nil {
				b.Fatal(err)
			}
			pods := make([]*corev1.Pod, n)
			for i := range pods {
				pods[i] = pod(fmt.Sprintf("p%d", i)).prio(int32(i % 7)).obj()
				q.Add(pods[i])
			}
			ctx := b.Context()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				p, err := q.Pop(ctx)
				if err != nil {
					b.Fatal(err)
				}
				q.Done(p.Pod.UID)
				q.Add(pods[i%n])
			}
		})
	}
}

// BenchmarkMoveAll measures a cluster event against n unschedulable pods.
func BenchmarkMoveAll(b *testing.B) {
	const n = 5000
	q, err := New(Config{Clock: clockAt(), Hints: Hints{"P": {{Event: nodeAdd, HintFunc: hintReturning(QueueSkip, nil)}}}})
	if err != nil {
		b.Fatal(err)
	}
	q.mu.Lock()
	for i := range n {
		p := NewQueuedPodInfo(pod(fmt.Sprintf("p%d", i)).obj(), q.clock.Now())
		p.Attempts = 1
		p.UnschedulablePlugins = sets.New("P")
		q.unschedulable[p.Pod.UID] = p
	}
	q.mu.Unlock()
	b.ReportAllocs()
	for b.Loop() {
		q.MoveAllToActiveOrBackoffQueue(nodeAdd, nil, nil, nil)
	}
}

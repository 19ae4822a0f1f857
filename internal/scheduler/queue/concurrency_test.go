package queue

import (
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// TestConcurrentUse runs producers, event sources, the flush loop and
// several schedulers at once (meaningful under -race) and checks that every
// pod is eventually scheduled exactly once and nothing is left behind.
func TestConcurrentUse(t *testing.T) {
	const pods, schedulers = 200, 4
	q, clk := newTestQueue(t, Hints{"P": {{Event: nodeAdd}}})
	ctx := t.Context()
	go q.Run(ctx)

	var mu sync.Mutex
	scheduled := map[string]int{}
	var wg sync.WaitGroup
	for i := range schedulers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				p, err := q.Pop(ctx)
				if err != nil {
					return
				}
				if p.Attempts < 3 && (i+p.Attempts)%2 == 0 {
					// Fail alternately with an error and with a plugin.
					if p.Attempts == 1 {
						p.UnschedulablePlugins.Insert("P")
					}
					if err := q.AddUnschedulableIfNotPresent(p, q.SchedulingCycle()); err != nil {
						t.Error(err)
					}
				} else {
					mu.Lock()
					scheduled[p.Pod.Name]++
					mu.Unlock()
				}
				q.Done(p.Pod.UID)
			}
		}()
	}
	var producers sync.WaitGroup
	producers.Add(2)
	go func() {
		defer producers.Done()
		for i := range pods {
			name := fmt.Sprintf("p%d", i)
			if i%10 != 0 {
				q.Add(pod(name).prio(int32(i % 3)).obj())
				continue
			}
			// Gated pods are never popped, so the update that removes
			// the gate is sure to find them queued.
			gated := pod(name).gate("g").obj()
			q.Add(gated)
			q.Update(gated, pod(name).label("v", "2").obj())
		}
	}()
	go func() {
		defer producers.Done()
		for range pods {
			q.MoveAllToActiveOrBackoffQueue(nodeAdd, nil, &corev1.Node{}, nil)
			q.AssignedPodAdded(pod("bound").obj())
			_, _ = q.PendingPods()
			_ = q.Counts()
		}
	}()
	producers.Wait()

	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(scheduled)
		mu.Unlock()
		if n == pods {
			break
		}
		if time.Now().After(deadline) {
			_, summary := q.PendingPods()
			t.Fatalf("%d of %d pods scheduled; queue: %s", n, pods, summary)
		}
		// Time passes: backoff and unschedulable timeouts expire.
		clk.Step(time.Minute)
		q.MoveAllToActiveOrBackoffQueue(nodeAdd, nil, nil, nil)
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	for name, n := range scheduled {
		if n != 1 {
			t.Errorf("pod %s scheduled %d times", name, n)
		}
	}
	if c := q.Counts(); c != (Counts{}) {
		t.Errorf("queue not empty: %+v", c)
	}
}

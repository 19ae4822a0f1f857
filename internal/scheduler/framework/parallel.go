package framework

import (
	"context"
	"fmt"
	"sync"

	"k8s.io/client-go/util/workqueue"
)

// DefaultParallelism is how many nodes are filtered or scored at once
// when Config.Parallelism is zero.
const DefaultParallelism = 16

// forEachNode calls fn(i) for i in [0, n) on f.parallelism goroutines. The
// first fn that returns a non-nil status stops the others; that status is
// returned. If ctx ends first, an Error status says so.
func (f *Framework) forEachNode(ctx context.Context, n int, fn func(ctx context.Context, i int) *Status) *Status {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		once  sync.Once
		first *Status
	)
	done := make([]bool, n)
	workqueue.ParallelizeUntil(ctx, f.parallelism, n, func(i int) {
		if s := fn(ctx, i); s != nil {
			once.Do(func() {
				first = s
				cancel()
			})
			return
		}
		done[i] = true
	})
	if first != nil {
		return first
	}
	for _, ok := range done {
		if !ok {
			return AsStatus(fmt.Errorf("stopped before all nodes were processed: %w", context.Cause(ctx)))
		}
	}
	return nil
}

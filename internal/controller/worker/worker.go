package worker

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// Result tells the loop when to look at a key again; the zero value means
// "only when something changes".
type Result struct {
	RequeueAfter time.Duration
}

// ReconcileFunc brings the world in line with the object named by key. It
// reads current state itself (level-based) and must be idempotent.
type ReconcileFunc[K comparable] func(ctx context.Context, key K) (Result, error)

// NewQueue returns a rate-limited queue named name (the name labels the
// workqueue_* metrics).
func NewQueue[K comparable](name string) workqueue.TypedRateLimitingInterface[K] {
	return workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[K](),
		workqueue.TypedRateLimitingQueueConfig[K]{Name: name})
}

// Run waits for the informers in synced, then drains q with workers
// goroutines calling fn, until ctx is done. It shuts the queue down and
// waits for the workers before returning.
func Run[K comparable](ctx context.Context, q workqueue.TypedRateLimitingInterface[K], workers int, log *slog.Logger, fn ReconcileFunc[K], synced ...cache.InformerSynced) error {
	defer q.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), synced...) {
		return nil
	}
	if workers <= 0 {
		workers = 1
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for processNext(ctx, q, log, fn) {
			}
		})
	}
	<-ctx.Done()
	q.ShutDown()
	wg.Wait()
	return nil
}

func processNext[K comparable](ctx context.Context, q workqueue.TypedRateLimitingInterface[K], log *slog.Logger, fn ReconcileFunc[K]) bool {
	key, quit := q.Get()
	if quit {
		return false
	}
	defer q.Done(key)
	res, err := fn(ctx, key)
	switch {
	case err != nil:
		if ctx.Err() == nil {
			log.Warn("reconcile failed", "key", key, "err", err)
		}
		q.AddRateLimited(key)
	case res.RequeueAfter > 0:
		q.Forget(key)
		q.AddAfter(key, res.RequeueAfter)
	default:
		q.Forget(key)
	}
	return true
}

// Key returns the namespace/name key of an informer object, including
// tombstones of deleted ones; ok is false for anything else.
func Key(obj any) (string, bool) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	return key, err == nil
}

// Enqueue returns an informer handler func adding obj's key to q.
func Enqueue(q workqueue.TypedInterface[string]) func(obj any) {
	return func(obj any) {
		if key, ok := Key(obj); ok {
			q.Add(key)
		}
	}
}

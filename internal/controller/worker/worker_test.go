package worker

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

func TestRunRetriesFailuresAndStops(t *testing.T) {
	q := NewQueue[string]("test")
	var mu sync.Mutex
	calls := map[string]int{}
	fn := func(_ context.Context, key string) (Result, error) {
		mu.Lock()
		defer mu.Unlock()
		calls[key]++
		if key == "flaky" && calls[key] < 3 {
			return Result{}, errors.New("not yet")
		}
		return Result{}, nil
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- Run(ctx, q, 2, slog.New(slog.NewTextHandler(io.Discard, nil)), fn) }()
	q.Add("ok")
	q.Add("flaky")
	err := wait.PollUntilContextTimeout(t.Context(), 5*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		return calls["flaky"] == 3 && calls["ok"] == 1, nil
	})
	if err != nil {
		t.Fatalf("calls = %v, want flaky retried to 3 and ok once", calls)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !q.ShuttingDown() {
		t.Error("queue not shut down after Run returned")
	}
}

package cacher_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/watch"

	"github.com/berth-dev/berth/internal/storage/cacher"
)

func BenchmarkList10000(b *testing.B) {
	f := start(b, nil, "", nil)
	const n = 10000
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	var last int64
	var mu sync.Mutex
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			rev := f.create(fmt.Sprintf("ns%d/cm%05d", i%10, i), nil, "x")
			mu.Lock()
			last = max(last, rev)
			mu.Unlock()
		})
	}
	wg.Wait()
	if err := waitRevision(f.c, last); err != nil {
		b.Fatal(err)
	}
	for _, rv := range []string{"0", ""} {
		b.Run(fmt.Sprintf("RV=%q", rv), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := f.c.List(context.Background(), cacher.ListOptions{ResourceVersion: rv})
				if err != nil || len(res.Objects) != n {
					b.Fatalf("List = %d objects, %v", len(res.Objects), err)
				}
			}
		})
	}
}

func BenchmarkFanout100Watchers(b *testing.B) {
	f := start(b, nil, "", nil)
	const watchers = 100
	ws := make([]cacher.Watcher, watchers)
	for i := range ws {
		ws[i] = f.watch(cacher.WatchOptions{ResourceVersion: "0"})
	}
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		f.create(fmt.Sprintf("cm%d", i), nil, "x")
		for _, w := range ws {
			for {
				e := <-w.ResultChan()
				if e.Type == watch.Added {
					break
				}
			}
			lat = append(lat, time.Since(start))
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
		b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	}
}

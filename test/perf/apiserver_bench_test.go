package perf

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/internal/testutil"
)

func pod(name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "bench"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "c", Image: "registry.example/app:1.0",
		}}},
	}
}

// BenchmarkStartup measures a fresh data dir to /readyz ok: CA and
// certificates, embedded etcd, watch caches, bootstrap objects.
func BenchmarkStartup(b *testing.B) {
	var total time.Duration
	n := 0
	for b.Loop() {
		dir, err := os.MkdirTemp("", "berth-startup-")
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		srv := testutil.StartServerIn(b, dir)
		total += time.Since(start)
		n++
		srv.Stop()
		os.RemoveAll(dir)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(n), "ms_to_ready")
}

// BenchmarkPodCreate creates pods from 64 concurrent protobuf clients and
// reports creates per second.
func BenchmarkPodCreate(b *testing.B) {
	srv := testutil.StartServer(b)
	const clients = 64
	cs := make([]kubernetes.Interface, clients)
	for i := range cs {
		cs[i] = ownConnection(b, srv)
	}
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := range clients {
		wg.Add(1)
		go func(c kubernetes.Interface) {
			defer wg.Done()
			for {
				n := next.Add(1)
				if n > int64(b.N) {
					return
				}
				if _, err := c.CoreV1().Pods("default").Create(context.Background(), pod(fmt.Sprintf("p-%d", n)), metav1.CreateOptions{}); err != nil {
					failed.Add(1)
				}
			}
		}(cs[i])
	}
	wg.Wait()
	elapsed := time.Since(start)
	if failed.Load() > 0 {
		b.Fatalf("%d creates failed", failed.Load())
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "pods/s")
}

// ownConnection is a protobuf client with a connection of its own, as
// separate client processes have (client-go otherwise shares one HTTP/2
// connection between clients with the same TLS configuration).
func ownConnection(b *testing.B, srv *testutil.Server) kubernetes.Interface {
	cfg := srv.RESTConfig(b)
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	cfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	cfg.Dial = (&net.Dialer{}).DialContext
	return kubernetes.NewForConfigOrDie(cfg)
}

// BenchmarkListPods10k lists 10,000 pods served from the watch cache.
func BenchmarkListPods10k(b *testing.B) {
	srv := testutil.StartServer(b)
	fill(b, srv, 10000)
	// Bytes on the wire, no client-side decoding: the server's part.
	raw := srv.ProtobufClient(b).CoreV1().RESTClient()
	b.Run("protobuf/raw/rv=0", func(b *testing.B) {
		for b.Loop() {
			body, err := raw.Get().AbsPath("/api/v1/namespaces/default/pods").Param("resourceVersion", "0").DoRaw(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(body)))
		}
	})
	for _, tc := range []struct {
		name string
		c    kubernetes.Interface
		rv   string
	}{
		{"protobuf/rv=0", srv.ProtobufClient(b), "0"},
		{"protobuf/consistent", srv.ProtobufClient(b), ""},
		{"json/rv=0", srv.Client(b), "0"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				l, err := tc.c.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{ResourceVersion: tc.rv})
				if err != nil {
					b.Fatal(err)
				}
				if len(l.Items) != 10000 {
					b.Fatalf("listed %d pods, want 10000", len(l.Items))
				}
			}
		})
	}
}

func fill(b *testing.B, srv *testutil.Server, n int) {
	b.Helper()
	c := srv.ProtobufClient(b)
	var wg sync.WaitGroup
	var next atomic.Int64
	errs := make(chan error, 64)
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(n) {
					return
				}
				if _, err := c.CoreV1().Pods("default").Create(context.Background(), pod(fmt.Sprintf("fill-%05d", i)), metav1.CreateOptions{}); err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		b.Fatalf("fill: %v", err)
	default:
	}
}

// BenchmarkWatchFanout100 writes one ConfigMap at a time and measures the
// delay until each of 100 watchers (separate HTTP watches) has the event;
// it reports p50 and p99 of those delays.
func BenchmarkWatchFanout100(b *testing.B) {
	srv := testutil.StartServer(b)
	c := srv.ProtobufClient(b)
	const watchers = 100
	var mu sync.Mutex
	sent := map[string]time.Time{}
	var delays []time.Duration
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan struct{}, watchers*16)
	for range watchers {
		w, err := srv.ProtobufClient(b).CoreV1().ConfigMaps("default").Watch(ctx, metav1.ListOptions{ResourceVersion: "0"})
		if err != nil {
			b.Fatal(err)
		}
		go func() {
			for ev := range w.ResultChan() {
				if ev.Type != watch.Added {
					continue
				}
				now := time.Now()
				name := ev.Object.(*corev1.ConfigMap).Name
				mu.Lock()
				if t0, ok := sent[name]; ok {
					delays = append(delays, now.Sub(t0))
				}
				mu.Unlock()
				got <- struct{}{}
			}
		}()
	}
	b.ResetTimer()
	for i := range b.N {
		name := fmt.Sprintf("cm-%d", i)
		mu.Lock()
		sent[name] = time.Now()
		mu.Unlock()
		if _, err := c.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		for range watchers {
			select {
			case <-got:
			case <-time.After(30 * time.Second):
				b.Fatal("watchers did not all see the write")
			}
		}
	}
	b.StopTimer()
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(delays)
	if len(delays) > 0 {
		b.ReportMetric(float64(delays[len(delays)/2].Microseconds())/1000, "p50_ms")
		b.ReportMetric(float64(delays[len(delays)*99/100].Microseconds())/1000, "p99_ms")
	}
}

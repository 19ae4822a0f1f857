package perf

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/controller"
	"github.com/berth-dev/berth/internal/hollow"
	"github.com/berth-dev/berth/internal/scheduler"
	"github.com/berth-dev/berth/internal/testutil/berthbin"
)

// The controller benchmarks run the API server as its own process (the
// built berth binary, no controllers) and the controller manager (plus, for
// the Deployment benchmark, hollow nodes and the scheduler) in the
// benchmark process.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func berthBinary(b *testing.B) string {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "berth-perf-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath, buildErr = berthbin.Build(dir)
	})
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	return binPath
}

// externalServer starts `berth server` without controllers and returns an
// admin REST config for it.
func externalServer(b *testing.B) *rest.Config {
	bin := berthBinary(b)
	dir := b.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "server", "--data-dir", dir, "--bind-address", "127.0.0.1",
		"--secure-port", strconv.Itoa(port), "--controllers=", "--disable-agent", "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	var cfg *rest.Config
	err = wait.PollUntilContextTimeout(b.Context(), 50*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		c, err := clientcmd.BuildConfigFromFlags("", filepath.Join(dir, "admin.kubeconfig"))
		if err != nil {
			return false, nil
		}
		cs, err := kubernetes.NewForConfig(c)
		if err != nil {
			return false, err
		}
		if _, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx); err != nil {
			return false, nil
		}
		cfg = c
		return true, nil
	})
	if err != nil {
		b.Fatalf("berth server not ready: %v", err)
	}
	cfg.QPS, cfg.Burst = 5000, 10000
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	return cfg
}

// runControllers runs the controller manager in this process until the
// benchmark ends.
func runControllers(b *testing.B, cfg *rest.Config) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := controller.Run(ctx, controller.Config{RESTConfig: cfg, Enabled: []string{"*"},
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil && ctx.Err() == nil {
			b.Errorf("controllers: %v", err)
		}
	}()
	b.Cleanup(func() { cancel(); <-done })
}

// runScheduler runs berth's scheduling loop in this process until the
// benchmark ends.
func runScheduler(b *testing.B, cs kubernetes.Interface) {
	s, err := scheduler.New(scheduler.Config{Client: cs, Informers: informers.NewSharedInformerFactory(cs, 0),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Start(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
}

func benchDeployment(name string, replicas int32) *appsv1.Deployment {
	lbl := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: lbl},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: lbl},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1"}}},
			},
		},
	}
}

// waitDeployment polls until done(d) holds, reporting how long it took.
func waitDeployment(b *testing.B, cs kubernetes.Interface, name string, timeout time.Duration, done func(*appsv1.Deployment) bool) time.Duration {
	start := time.Now()
	var last *appsv1.Deployment
	err := wait.PollUntilContextTimeout(b.Context(), 20*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		d, err := cs.AppsV1().Deployments("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		last = d
		return done(d), nil
	})
	if err != nil {
		b.Fatalf("deployment %s: %v; last status %+v", name, err, last.Status)
	}
	return time.Since(start)
}

// BenchmarkDeployment1000 creates a 1,000-replica Deployment on 100 hollow
// nodes and reports the seconds until it is Available, then the seconds a
// rolling update (new image, default 25%/25%) takes to complete.
func BenchmarkDeployment1000(b *testing.B) {
	const replicas = 1000
	cfg := externalServer(b)
	cs := kubernetes.NewForConfigOrDie(cfg)
	nodes, err := hollow.New(hollow.Config{Client: cs, Count: 100, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); nodes.Start(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	<-nodes.Registered()
	runControllers(b, cfg)
	runScheduler(b, cs)

	var avail, rollout time.Duration
	n := 0
	for b.Loop() {
		name := fmt.Sprintf("web-%d", n)
		start := time.Now()
		if _, err := cs.AppsV1().Deployments("default").Create(b.Context(), benchDeployment(name, replicas), metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		waitDeployment(b, cs, name, 5*time.Minute, func(d *appsv1.Deployment) bool {
			return d.Status.AvailableReplicas == replicas && d.Status.ObservedGeneration == d.Generation
		})
		avail += time.Since(start)

		d, err := cs.AppsV1().Deployments("default").Get(b.Context(), name, metav1.GetOptions{})
		if err != nil {
			b.Fatal(err)
		}
		d.Spec.Template.Spec.Containers[0].Image = "registry.example/app:2"
		start = time.Now()
		if _, err := cs.AppsV1().Deployments("default").Update(b.Context(), d, metav1.UpdateOptions{}); err != nil {
			b.Fatal(err)
		}
		waitDeployment(b, cs, name, 10*time.Minute, func(d *appsv1.Deployment) bool {
			s := d.Status
			return d.Status.ObservedGeneration == d.Generation && s.UpdatedReplicas == replicas &&
				s.Replicas == replicas && s.AvailableReplicas == replicas
		})
		rollout += time.Since(start)
		bg := metav1.DeletePropagationForeground
		if err := cs.AppsV1().Deployments("default").Delete(b.Context(), name, metav1.DeleteOptions{PropagationPolicy: &bg}); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(avail.Seconds()/float64(n), "s_to_available")
	b.ReportMetric(rollout.Seconds()/float64(n), "s_rolling_update")
}

// BenchmarkControllerManagerMemory10k scales a Deployment to 10,000 pods
// (no nodes: they stay Pending) and reports the controller manager's heap
// and this process's resident memory once the ReplicaSet has them all.
func BenchmarkControllerManagerMemory10k(b *testing.B) {
	const replicas = 10000
	cfg := externalServer(b)
	cs := kubernetes.NewForConfigOrDie(cfg)
	runControllers(b, cfg)
	for b.Loop() {
		if _, err := cs.AppsV1().Deployments("default").Create(b.Context(), benchDeployment("big", replicas), metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		waitDeployment(b, cs, "big", 10*time.Minute, func(d *appsv1.Deployment) bool { return d.Status.Replicas == replicas })
		b.StopTimer()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap_MB")
		b.ReportMetric(float64(residentKB())/1024, "rss_MB")
		b.StartTimer()
	}
}

func residentKB() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

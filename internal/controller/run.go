package controller

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"

	"github.com/berth-dev/berth/internal/controller/namespace"
)

// Runnable is a long-running part: Start returns when ctx is done.
type Runnable interface {
	Start(ctx context.Context) error
}

// Config configures the controller manager.
type Config struct {
	RESTConfig *rest.Config
	// Enabled selects controllers as upstream's --controllers: "*" for
	// all, a name to add, "-name" to remove.
	Enabled []string
	// LeaderElection makes one manager active among several servers.
	LeaderElection bool
	Logger         *slog.Logger
}

// builders is the controller table: name → constructor. Adding a
// controller is one entry.
func builders() map[string]func(deps) (Runnable, error) {
	return map[string]func(deps) (Runnable, error){
		namespace.Name: func(d deps) (Runnable, error) {
			return namespace.New(namespace.Config{Client: d.client, Metadata: d.metadata, Informer: d.informers, Logger: d.log})
		},
	}
}

type deps struct {
	client    kubernetes.Interface
	metadata  metadata.Interface
	informers informers.SharedInformerFactory
	log       *slog.Logger
}

// Names lists the known controllers.
func Names() []string {
	var out []string
	for n := range builders() {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Enabled resolves a --controllers list to controller names.
func Enabled(spec []string) ([]string, error) {
	known := Names()
	on := map[string]bool{}
	star := false
	for _, s := range spec {
		s = strings.TrimSpace(s)
		switch {
		case s == "*":
			star = true
		case strings.HasPrefix(s, "-"):
			if !slices.Contains(known, s[1:]) {
				return nil, fmt.Errorf("--controllers: unknown controller %q (known: %s)", s[1:], strings.Join(known, ", "))
			}
			on[s[1:]] = false
		case s != "":
			if !slices.Contains(known, s) {
				return nil, fmt.Errorf("--controllers: unknown controller %q (known: %s)", s, strings.Join(known, ", "))
			}
			on[s] = true
		}
	}
	var out []string
	for _, n := range known {
		if v, set := on[n]; (set && v) || (!set && star) {
			out = append(out, n)
		}
	}
	return out, nil
}

// Run builds the enabled controllers and runs them (behind leader
// election when configured) until ctx is done.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	names, err := Enabled(cfg.Enabled)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return nil
	}
	rc := rest.CopyConfig(cfg.RESTConfig)
	rc.UserAgent = "berth-controller-manager"
	rc.QPS, rc.Burst = 200, 400
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return fmt.Errorf("controller manager: %w", err)
	}
	meta, err := metadata.NewForConfig(rc)
	if err != nil {
		return fmt.Errorf("controller manager: %w", err)
	}
	d := deps{client: client, metadata: meta, informers: informers.NewSharedInformerFactory(client, 0), log: cfg.Logger}
	var runs []Runnable
	for _, n := range names {
		r, err := builders()[n](d)
		if err != nil {
			return fmt.Errorf("controller %s: %w", n, err)
		}
		runs = append(runs, r)
	}
	start := func(ctx context.Context) error {
		d.informers.Start(ctx.Done())
		g, ctx := errgroup.WithContext(ctx)
		for _, r := range runs {
			g.Go(func() error { return r.Start(ctx) })
		}
		cfg.Logger.Info("controllers started", "controllers", names)
		return g.Wait()
	}
	if !cfg.LeaderElection {
		return start(ctx)
	}
	host, _ := os.Hostname()
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1ObjectMeta("kube-system", "kube-controller-manager"),
		Client:     client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: host + "_" + string(uuid.NewUUID())},
	}
	var runErr error
	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock: lock, ReleaseOnCancel: true,
		LeaseDuration: 15 * time.Second, RenewDeadline: 10 * time.Second, RetryPeriod: 2 * time.Second,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(ctx context.Context) { runErr = start(ctx) },
			OnStoppedLeading: func() { cfg.Logger.Info("controller manager lost its lease") },
		},
		Name: "kube-controller-manager",
	})
	if err != nil {
		return fmt.Errorf("controller manager: %w", err)
	}
	le.Run(ctx)
	if ctx.Err() == nil && runErr == nil {
		// As upstream: a manager that loses its lease stops, rather than
		// risk two active managers.
		return fmt.Errorf("controller manager: lost the leader lease")
	}
	return runErr
}

func metav1ObjectMeta(namespace, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: namespace, Name: name}
}

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
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	"github.com/berth-dev/berth/internal/controller/cronjob"
	"github.com/berth-dev/berth/internal/controller/daemonset"
	"github.com/berth-dev/berth/internal/controller/deployment"
	"github.com/berth-dev/berth/internal/controller/disruption"
	"github.com/berth-dev/berth/internal/controller/endpoints"
	"github.com/berth-dev/berth/internal/controller/endpointslice"
	"github.com/berth-dev/berth/internal/controller/endpointslicemirroring"
	"github.com/berth-dev/berth/internal/controller/garbagecollector"
	"github.com/berth-dev/berth/internal/controller/job"
	"github.com/berth-dev/berth/internal/controller/namespace"
	"github.com/berth-dev/berth/internal/controller/nodelifecycle"
	"github.com/berth-dev/berth/internal/controller/podgc"
	"github.com/berth-dev/berth/internal/controller/replicaset"
	"github.com/berth-dev/berth/internal/controller/resourcequota"
	"github.com/berth-dev/berth/internal/controller/serviceaccount"
	"github.com/berth-dev/berth/internal/controller/statefulset"
	"github.com/berth-dev/berth/internal/controller/tainteviction"
	"github.com/berth-dev/berth/internal/controller/ttlafterfinished"
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
	// Workers overrides the number of workers per controller name.
	Workers map[string]int
	// LeaderElection makes one manager active among several servers.
	LeaderElection bool
	Logger         *slog.Logger
	// Clock is the controllers' clock; nil means the real one.
	Clock clock.Clock
}

// builders is the controller table: name → constructor. Adding a
// controller is one entry.
func builders() map[string]func(deps) (Runnable, error) {
	return map[string]func(deps) (Runnable, error){
		replicaset.Name: func(d deps) (Runnable, error) {
			return replicaset.New(replicaset.Config{Client: d.client, Informer: d.informers, Recorder: d.recorder("replicaset-controller"),
				Workers: d.workers(replicaset.Name, 5), Logger: d.logger(replicaset.Name), Clock: d.clock})
		},
		replicaset.RCName: func(d deps) (Runnable, error) {
			return replicaset.NewReplicationController(replicaset.Config{Client: d.client, Informer: d.informers, Recorder: d.recorder("replication-controller"),
				Workers: d.workers(replicaset.RCName, 5), Logger: d.logger(replicaset.RCName), Clock: d.clock})
		},
		deployment.Name: func(d deps) (Runnable, error) {
			return deployment.New(deployment.Config{Client: d.client, Informer: d.informers, Recorder: d.recorder("deployment-controller"),
				Workers: d.workers(deployment.Name, 5), Logger: d.logger(deployment.Name), Clock: d.clock})
		},
		namespace.Name: func(d deps) (Runnable, error) {
			return namespace.New(namespace.Config{Client: d.client, Metadata: d.metadata, Informer: d.informers,
				Workers: d.workers(namespace.Name, 10), Logger: d.logger(namespace.Name), Clock: d.clock})
		},
		disruption.Name: func(d deps) (Runnable, error) {
			return disruption.New(disruption.Config{Client: d.client, Informer: d.informers, REST: d.rest,
				Recorder: d.recorder(disruption.Component), Workers: d.workers(disruption.Name, 1),
				Logger: d.logger(disruption.Name), Clock: d.clock})
		},
		resourcequota.Name: func(d deps) (Runnable, error) {
			return resourcequota.New(resourcequota.Config{Client: d.client, Metadata: d.metadata, Informer: d.informers,
				Workers: d.workers(resourcequota.Name, 5), Logger: d.logger(resourcequota.Name), Clock: d.clock})
		},
		garbagecollector.Name: func(d deps) (Runnable, error) {
			return garbagecollector.New(garbagecollector.Config{Discovery: d.client.Discovery(), Metadata: d.metadata,
				Recorder: d.recorder(garbagecollector.Component), Workers: d.workers(garbagecollector.Name, 10),
				Logger: d.logger(garbagecollector.Name), Clock: d.clock})
		},
		serviceaccount.Name: func(d deps) (Runnable, error) {
			return serviceaccount.New(serviceaccount.Config{Client: d.client, Informer: d.informers,
				Workers: d.workers(serviceaccount.Name, 1), Logger: d.logger(serviceaccount.Name)})
		},
		endpoints.Name: func(d deps) (Runnable, error) {
			return endpoints.New(endpoints.Config{Client: d.client, Informer: d.informers, Recorder: d.recorder(endpoints.Component),
				Workers: d.workers(endpoints.Name, 5), Logger: d.logger(endpoints.Name)})
		},
		endpointslice.Name: func(d deps) (Runnable, error) {
			return endpointslice.New(endpointslice.Config{Client: d.client, Informer: d.informers, Recorder: d.recorder(endpointslice.Component),
				Workers: d.workers(endpointslice.Name, 5), Logger: d.logger(endpointslice.Name)})
		},
		endpointslicemirroring.Name: func(d deps) (Runnable, error) {
			return endpointslicemirroring.New(endpointslicemirroring.Config{Client: d.client, Informer: d.informers,
				Recorder: d.recorder(endpointslicemirroring.Component),
				Workers:  d.workers(endpointslicemirroring.Name, 5), Logger: d.logger(endpointslicemirroring.Name)})
		},
		daemonset.Name: func(d deps) (Runnable, error) {
			return daemonset.New(daemonset.Config{Client: d.client, Informer: d.informers, Recorder: d.recorder(daemonset.Component),
				Workers: d.workers(daemonset.Name, 2), Logger: d.logger(daemonset.Name), Clock: d.clock})
		},
		statefulset.Name: func(d deps) (Runnable, error) {
			return statefulset.New(statefulset.Config{Client: d.client, Informer: d.informers, Recorder: d.recorder(statefulset.Component),
				Workers: d.workers(statefulset.Name, 5), Logger: d.logger(statefulset.Name), Clock: d.clock})
		},
		ttlafterfinished.Name: func(d deps) (Runnable, error) {
			return ttlafterfinished.New(ttlafterfinished.Config{Client: d.client, Informer: d.informers,
				Workers: d.workers(ttlafterfinished.Name, 5), Logger: d.logger(ttlafterfinished.Name), Clock: d.clock})
		},
		cronjob.Name: func(d deps) (Runnable, error) {
			return cronjob.New(cronjob.Config{Client: d.client, Informer: d.informers, Recorder: d.recorder("cronjob-controller"),
				Workers: d.workers(cronjob.Name, 5), Logger: d.logger(cronjob.Name), Clock: d.clock})
		},
		job.Name: func(d deps) (Runnable, error) {
			return job.New(job.Config{Client: d.client, Informer: d.informers, Recorder: d.recorder("job-controller"),
				Workers: d.workers(job.Name, 5), Logger: d.logger(job.Name), Clock: d.clock})
		},
		nodelifecycle.Name: func(d deps) (Runnable, error) {
			return nodelifecycle.New(nodelifecycle.Config{Client: d.client, Informer: d.informers,
				Recorder: d.recorder(nodelifecycle.Component), Workers: d.workers(nodelifecycle.Name, 8),
				Logger: d.logger(nodelifecycle.Name), Clock: d.clock})
		},
		tainteviction.Name: func(d deps) (Runnable, error) {
			return tainteviction.New(tainteviction.Config{Client: d.client, Informer: d.informers,
				Recorder: d.recorder(tainteviction.Name), Workers: d.workers(tainteviction.Name, 8),
				Logger: d.logger(tainteviction.Name), Clock: d.clock})
		},
		podgc.Name: func(d deps) (Runnable, error) {
			return podgc.New(podgc.Config{Client: d.client, Informer: d.informers,
				Logger: d.logger(podgc.Name), Clock: d.clock})
		},
	}
}

// aliases maps upstream kube-controller-manager's controller names to
// berth's, so --controllers written for upstream works unchanged.
var aliases = map[string]string{
	"disruption-controller":              disruption.Name,
	"namespace-controller":               namespace.Name,
	"resourcequota-controller":           resourcequota.Name,
	"garbage-collector-controller":       garbagecollector.Name,
	"serviceaccount-controller":          serviceaccount.Name,
	"endpoints-controller":               endpoints.Name,
	"endpointslice-controller":           endpointslice.Name,
	"endpointslice-mirroring-controller": endpointslicemirroring.Name,
	"daemonset-controller":               daemonset.Name,
	"statefulset-controller":             statefulset.Name,
	"job-controller":                     job.Name,
	"cronjob-controller":                 cronjob.Name,
	"ttl-after-finished-controller":      ttlafterfinished.Name,
	"replicaset-controller":              replicaset.Name,
	"replicationcontroller-controller":   replicaset.RCName,
	"deployment-controller":              deployment.Name,
	"node-lifecycle-controller":          nodelifecycle.Name,
	"pod-garbage-collector-controller":   podgc.Name,
}

// deps is what every controller constructor may use.
type deps struct {
	client    kubernetes.Interface
	metadata  metadata.Interface
	rest      *rest.Config
	informers informers.SharedInformerFactory
	events    record.EventBroadcaster
	clock     clock.Clock
	log       *slog.Logger
	counts    map[string]int
}

// recorder returns an event recorder reporting as component (upstream's
// source names, e.g. "replicaset-controller").
func (d deps) recorder(component string) record.EventRecorder {
	return d.events.NewRecorder(scheme.Scheme, corev1.EventSource{Component: component})
}

// workers is the configured worker count for controller name, or def.
func (d deps) workers(name string, def int) int {
	if n := d.counts[name]; n > 0 {
		return n
	}
	return def
}

func (d deps) logger(name string) *slog.Logger {
	return d.log.With("controller", name)
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
		neg := strings.HasPrefix(s, "-")
		if a, ok := aliases[strings.TrimPrefix(s, "-")]; ok {
			s = a
			if neg {
				s = "-" + a
			}
		}
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

// Validate checks a --controllers list and worker counts without running
// anything, so a server can refuse bad flags before it starts.
func Validate(enabled []string, workers map[string]int) error {
	if _, err := Enabled(enabled); err != nil {
		return err
	}
	return validateWorkers(workers)
}

func validateWorkers(workers map[string]int) error {
	for n, w := range workers {
		if !slices.Contains(Names(), n) || w <= 0 {
			return fmt.Errorf("--controller-workers: %s=%d: want a known controller (%s) and a positive count", n, w, strings.Join(Names(), ", "))
		}
	}
	return nil
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
	if err := validateWorkers(cfg.Workers); err != nil {
		return err
	}
	if len(names) == 0 {
		return nil
	}
	rc := rest.CopyConfig(cfg.RESTConfig)
	rc.UserAgent = "berth-controller-manager"
	// Upstream's manager defaults to 20 QPS; berth's API server takes
	// thousands of writes a second, and 1,000 lets a 10,000-replica
	// ReplicaSet fill in seconds while still bounding a runaway loop.
	rc.QPS, rc.Burst = 1000, 2000
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return fmt.Errorf("controller manager: %w", err)
	}
	meta, err := metadata.NewForConfig(rc)
	if err != nil {
		return fmt.Errorf("controller manager: %w", err)
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	registerProvider()
	d := deps{client: client, metadata: meta, rest: rc, informers: informers.NewSharedInformerFactory(client, 0),
		events: record.NewBroadcaster(record.WithContext(ctx)), clock: cfg.Clock, log: cfg.Logger, counts: cfg.Workers}
	d.events.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	defer d.events.Shutdown()
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
	// OnStartedLeading runs in its own goroutine, which may outlive
	// le.Run: hand its result over, and wait for it once it has begun.
	leading, finished := make(chan struct{}), make(chan error, 1)
	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock: lock, ReleaseOnCancel: true,
		LeaseDuration: 15 * time.Second, RenewDeadline: 10 * time.Second, RetryPeriod: 2 * time.Second,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(ctx context.Context) { close(leading); finished <- start(ctx) },
			OnStoppedLeading: func() { cfg.Logger.Info("controller manager lost its lease") },
		},
		Name: "kube-controller-manager",
	})
	if err != nil {
		return fmt.Errorf("controller manager: %w", err)
	}
	le.Run(ctx)
	var runErr error
	select {
	case <-leading:
		runErr = <-finished // its context ended with le.Run
	default:
	}
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

package controller

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/util/workqueue"

	"github.com/berth-dev/berth/internal/controller/garbagecollector"
	"github.com/berth-dev/berth/internal/controller/nodelifecycle"
	"github.com/berth-dev/berth/internal/controller/podgc"
	"github.com/berth-dev/berth/internal/controller/tainteviction"
)

// registry holds the controller manager's series. The workqueue metrics
// provider is process-wide in client-go, so this registry is too.
var (
	registry     = prometheus.NewRegistry()
	providerOnce sync.Once
)

// Metrics returns the controller manager's series (workqueue_* as
// upstream names them), for the server's /metrics endpoint.
func Metrics() prometheus.Gatherer {
	registerProvider()
	return registry
}

func registerProvider() {
	providerOnce.Do(func() {
		p := &queueMetrics{
			depth: prometheus.NewGaugeVec(prometheus.GaugeOpts{Subsystem: "workqueue", Name: "depth",
				Help: "Current depth of workqueue"}, []string{"name"}),
			adds: prometheus.NewCounterVec(prometheus.CounterOpts{Subsystem: "workqueue", Name: "adds_total",
				Help: "Total number of adds handled by workqueue"}, []string{"name"}),
			latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Subsystem: "workqueue", Name: "queue_duration_seconds",
				Help: "How long in seconds an item stays in workqueue before being requested.", Buckets: prometheus.ExponentialBuckets(1e-8, 10, 10)}, []string{"name"}),
			work: prometheus.NewHistogramVec(prometheus.HistogramOpts{Subsystem: "workqueue", Name: "work_duration_seconds",
				Help: "How long in seconds processing an item from workqueue takes.", Buckets: prometheus.ExponentialBuckets(1e-8, 10, 10)}, []string{"name"}),
			unfinished: prometheus.NewGaugeVec(prometheus.GaugeOpts{Subsystem: "workqueue", Name: "unfinished_work_seconds",
				Help: "How many seconds of work has been done that is in progress and hasn't been observed by work_duration."}, []string{"name"}),
			longest: prometheus.NewGaugeVec(prometheus.GaugeOpts{Subsystem: "workqueue", Name: "longest_running_processor_seconds",
				Help: "How many seconds has the longest running processor for workqueue been running."}, []string{"name"}),
			retries: prometheus.NewCounterVec(prometheus.CounterOpts{Subsystem: "workqueue", Name: "retries_total",
				Help: "Total number of retries handled by workqueue"}, []string{"name"}),
		}
		registry.MustRegister(p.depth, p.adds, p.latency, p.work, p.unfinished, p.longest, p.retries)
		registry.MustRegister(garbagecollector.Collectors()...)
		registry.MustRegister(nodelifecycle.Collectors()...)
		registry.MustRegister(tainteviction.Collectors()...)
		registry.MustRegister(podgc.Collectors()...)
		workqueue.SetProvider(p)
	})
}

// queueMetrics implements client-go's workqueue.MetricsProvider.
type queueMetrics struct {
	depth, unfinished, longest *prometheus.GaugeVec
	adds, retries              *prometheus.CounterVec
	latency, work              *prometheus.HistogramVec
}

func (p *queueMetrics) NewDepthMetric(name string) workqueue.GaugeMetric {
	return p.depth.WithLabelValues(name)
}
func (p *queueMetrics) NewAddsMetric(name string) workqueue.CounterMetric {
	return p.adds.WithLabelValues(name)
}
func (p *queueMetrics) NewLatencyMetric(name string) workqueue.HistogramMetric {
	return p.latency.WithLabelValues(name)
}
func (p *queueMetrics) NewWorkDurationMetric(name string) workqueue.HistogramMetric {
	return p.work.WithLabelValues(name)
}
func (p *queueMetrics) NewUnfinishedWorkSecondsMetric(name string) workqueue.SettableGaugeMetric {
	return p.unfinished.WithLabelValues(name)
}
func (p *queueMetrics) NewLongestRunningProcessorSecondsMetric(name string) workqueue.SettableGaugeMetric {
	return p.longest.WithLabelValues(name)
}
func (p *queueMetrics) NewRetriesMetric(name string) workqueue.CounterMetric {
	return p.retries.WithLabelValues(name)
}

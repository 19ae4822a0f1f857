package tainteviction

import "github.com/prometheus/client_golang/prometheus"

// Metrics, named as upstream's taint eviction controller's.
var (
	podDeletionsTotal = prometheus.NewCounter(prometheus.CounterOpts{Subsystem: "taint_eviction_controller", Name: "pod_deletions_total",
		Help: "Total number of Pods deleted by TaintEvictionController since its start."})
	podDeletionLatency = prometheus.NewHistogram(prometheus.HistogramOpts{Subsystem: "taint_eviction_controller", Name: "pod_deletion_duration_seconds",
		Help:    "Latency, in seconds, between the time when a taint effect has been activated for the Pod and its deletion via TaintEvictionController.",
		Buckets: []float64{0.005, 0.025, 0.1, 0.5, 1, 2.5, 10, 30, 60, 120, 180, 240}})
)

// Collectors are the controller's metrics, for the controller manager's
// registry.
func Collectors() []prometheus.Collector {
	return []prometheus.Collector{podDeletionsTotal, podDeletionLatency}
}

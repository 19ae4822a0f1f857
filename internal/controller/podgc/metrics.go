package podgc

import "github.com/prometheus/client_golang/prometheus"

// Metrics, named as upstream's pod garbage collector's.
var (
	deletingPodsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{Subsystem: "pod_gc_collector", Name: "force_delete_pods_total",
		Help: "Number of pods that are being forcefully deleted since the Pod GC Controller started."}, []string{"namespace", "reason"})
	deletingPodsErrorTotal = prometheus.NewCounterVec(prometheus.CounterOpts{Subsystem: "pod_gc_collector", Name: "force_delete_pod_errors_total",
		Help: "Number of errors encountered when forcefully deleting the pods since the Pod GC Controller started."}, []string{"namespace", "reason"})
)

// Collectors are the controller's metrics, for the controller manager's
// registry.
func Collectors() []prometheus.Collector {
	return []prometheus.Collector{deletingPodsTotal, deletingPodsErrorTotal}
}

// label is reason's value of the reason label, as upstream.
func (r reason) label() string {
	switch r {
	case terminated:
		return "terminated"
	case outOfService:
		return "out-of-service"
	case orphaned:
		return "orphaned"
	default:
		return "unscheduled"
	}
}

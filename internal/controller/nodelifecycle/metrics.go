package nodelifecycle

import "github.com/prometheus/client_golang/prometheus"

// Metrics, named as upstream's node lifecycle controller's.
var (
	zoneHealth = prometheus.NewGaugeVec(prometheus.GaugeOpts{Subsystem: "node_collector", Name: "zone_health",
		Help: "Gauge measuring percentage of healthy nodes per zone."}, []string{"zone"})
	zoneSize = prometheus.NewGaugeVec(prometheus.GaugeOpts{Subsystem: "node_collector", Name: "zone_size",
		Help: "Gauge measuring number of registered Nodes per zones."}, []string{"zone"})
	unhealthyNodes = prometheus.NewGaugeVec(prometheus.GaugeOpts{Subsystem: "node_collector", Name: "unhealthy_nodes_in_zone",
		Help: "Gauge measuring number of not Ready Nodes per zones."}, []string{"zone"})
	evictionsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{Subsystem: "node_collector", Name: "evictions_total",
		Help: "Number of Node evictions that happened since current instance of NodeController started."}, []string{"zone"})
	updateNodeHealthDuration = prometheus.NewHistogram(prometheus.HistogramOpts{Subsystem: "node_collector", Name: "update_node_health_duration_seconds",
		Help: "Duration in seconds for NodeController to update the health of a single node.", Buckets: prometheus.ExponentialBuckets(0.001, 4, 8)})
	updateAllNodesHealthDuration = prometheus.NewHistogram(prometheus.HistogramOpts{Subsystem: "node_collector", Name: "update_all_nodes_health_duration_seconds",
		Help: "Duration in seconds for NodeController to update the health of all nodes.", Buckets: prometheus.ExponentialBuckets(0.01, 4, 8)})
)

// Collectors are the controller's metrics, for the controller manager's
// registry.
func Collectors() []prometheus.Collector {
	return []prometheus.Collector{zoneHealth, zoneSize, unhealthyNodes, evictionsTotal, updateNodeHealthDuration, updateAllNodesHealthDuration}
}

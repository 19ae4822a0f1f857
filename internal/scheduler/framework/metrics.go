package framework

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The runtime's series, under kube-scheduler's names. Plugins declare no
// metrics of their own: the runtime times them.
var (
	extensionPointDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Subsystem: "scheduler",
		Name:      "framework_extension_point_duration_seconds",
		Help:      "Latency for running all plugins of a specific extension point.",
		Buckets:   prometheus.ExponentialBuckets(0.0001, 2, 12),
	}, []string{"extension_point", "status", "profile"})

	pluginExecutionDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Subsystem: "scheduler",
		Name:      "plugin_execution_duration_seconds",
		Help:      "Duration for running a plugin at a specific extension point.",
		Buckets:   prometheus.ExponentialBuckets(0.00001, 1.5, 20),
	}, []string{"plugin", "extension_point", "status"})
)

// Collectors returns the runtime's series, for the scheduler's registry.
func Collectors() []prometheus.Collector {
	return []prometheus.Collector{extensionPointDuration, pluginExecutionDuration}
}

// Extension point names, as metric labels.
const (
	preFilterPoint  = "PreFilter"
	postFilterPoint = "PostFilter"
	preScorePoint   = "PreScore"
	scorePoint      = "Score"
	reservePoint    = "Reserve"
	unreservePoint  = "Unreserve"
	permitPoint     = "Permit"
	preBindPoint    = "PreBind"
	bindPoint       = "Bind"
	postBindPoint   = "PostBind"
)

// observePoint records the duration of a whole extension point since
// start. Filter and the per-node Score calls are not timed one by one:
// they run once per node and would dominate the cost of the metric.
func (f *Framework) observePoint(point string, start time.Time, s *Status) {
	extensionPointDuration.WithLabelValues(point, s.Code().String(), f.profileName).
		Observe(f.clock.Since(start).Seconds())
}

// observePlugin records one plugin call since start.
func (f *Framework) observePlugin(plugin, point string, start time.Time, s *Status) {
	pluginExecutionDuration.WithLabelValues(plugin, point, s.Code().String()).
		Observe(f.clock.Since(start).Seconds())
}

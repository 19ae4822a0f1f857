package garbagecollector

import "github.com/prometheus/client_golang/prometheus"

// resourcesSyncErrors counts failed resyncs of the watched resources
// (discovery found nothing, or the informers did not sync in time), under
// upstream's name.
var resourcesSyncErrors = prometheus.NewCounter(prometheus.CounterOpts{
	Subsystem: "garbagecollector_controller",
	Name:      "resources_sync_error_total",
	Help:      "Number of garbage collector resources sync errors",
})

// Collectors returns the package's series, for the controller manager's
// registry.
func Collectors() []prometheus.Collector {
	return []prometheus.Collector{resourcesSyncErrors}
}

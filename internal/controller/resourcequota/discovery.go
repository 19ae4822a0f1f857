package resourcequota

import (
	"slices"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/utils/clock"
)

// rediscoverAfter bounds how often a resource missing from discovery makes
// the controller ask the server again.
const rediscoverAfter = 30 * time.Second

// resources maps the namespaced resources quota can count (listable, as
// upstream: create, list, watch and delete) to their preferred version.
type resources struct {
	disc  discovery.DiscoveryInterface
	clock clock.Clock

	mu      sync.Mutex
	known   map[schema.GroupResource]schema.GroupVersionResource
	fetched time.Time
}

func newDiscovery(disc discovery.DiscoveryInterface, clk clock.Clock) *resources {
	return &resources{disc: disc, clock: clk}
}

// lookup returns the version to list gr at; it refreshes discovery when gr
// is unknown and the last refresh is old enough.
func (r *resources) lookup(gr schema.GroupResource) (schema.GroupVersionResource, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if gvr, ok := r.known[gr]; ok {
		return gvr, true
	}
	if r.known != nil && r.clock.Since(r.fetched) < rediscoverAfter {
		return schema.GroupVersionResource{}, false
	}
	r.fetched = r.clock.Now()
	lists, _ := r.disc.ServerPreferredNamespacedResources() // partial results are still useful
	known := map[schema.GroupResource]schema.GroupVersionResource{}
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, res := range l.APIResources {
			if strings.Contains(res.Name, "/") || !quotable(res.Verbs) {
				continue
			}
			known[gv.WithResource(res.Name).GroupResource()] = gv.WithResource(res.Name)
		}
	}
	r.known = known
	gvr, ok := known[gr]
	return gvr, ok
}

func quotable(verbs []string) bool {
	for _, v := range []string{"create", "list", "watch", "delete"} {
		if !slices.Contains(verbs, v) {
			return false
		}
	}
	return true
}

package garbagecollector

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/tools/cache"
)

// ignored are resources the collector does not watch, as upstream: events
// are many, short-lived and never own anything.
var ignored = map[schema.GroupResource]bool{
	{Group: "", Resource: "events"}:              true,
	{Group: "events.k8s.io", Resource: "events"}: true,
}

// deletable returns the preferred version of every resource that can be
// listed, watched and deleted, with its kind. On partial discovery failure
// it returns what it found along with the error.
func deletable(disc discovery.ServerResourcesInterface) (map[schema.GroupVersionResource]schema.GroupVersionKind, error) {
	lists, err := disc.ServerPreferredResources()
	out := map[schema.GroupVersionResource]schema.GroupVersionKind{}
	for _, l := range lists {
		gv, perr := schema.ParseGroupVersion(l.GroupVersion)
		if perr != nil {
			continue
		}
		for _, r := range l.APIResources {
			if strings.Contains(r.Name, "/") || ignored[gv.WithResource(r.Name).GroupResource()] {
				continue
			}
			if !slices.Contains(r.Verbs, "list") || !slices.Contains(r.Verbs, "watch") || !slices.Contains(r.Verbs, "delete") {
				continue
			}
			out[gv.WithResource(r.Name)] = gv.WithKind(r.Kind)
		}
	}
	return out, err
}

// monitors runs one metadata-only informer per watched resource, feeding
// their events to the graph builder.
type monitors struct {
	client metadata.Interface
	feed   func(*event)

	mu      sync.Mutex
	running map[schema.GroupVersionResource]*monitor
}

type monitor struct {
	gvk      schema.GroupVersionKind
	informer cache.SharedIndexInformer
	stop     context.CancelFunc
}

func newMonitors(client metadata.Interface, feed func(*event)) *monitors {
	return &monitors{client: client, feed: feed, running: map[schema.GroupVersionResource]*monitor{}}
}

// resources returns the watched resources.
func (m *monitors) resources() map[schema.GroupVersionResource]schema.GroupVersionKind {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[schema.GroupVersionResource]schema.GroupVersionKind, len(m.running))
	for gvr, mon := range m.running {
		out[gvr] = mon.gvk
	}
	return out
}

// sync starts informers for resources not watched yet and stops those for
// resources no longer wanted. The informers run until ctx is done.
func (m *monitors) sync(ctx context.Context, want map[schema.GroupVersionResource]schema.GroupVersionKind) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for gvr, mon := range m.running {
		if gvk, ok := want[gvr]; !ok || gvk != mon.gvk {
			mon.stop()
			delete(m.running, gvr)
		}
	}
	for _, gvr := range slices.SortedFunc(maps.Keys(want), func(a, b schema.GroupVersionResource) int {
		return strings.Compare(a.String(), b.String())
	}) {
		if _, ok := m.running[gvr]; ok {
			continue
		}
		mon, err := m.start(ctx, gvr, want[gvr])
		if err != nil {
			return err
		}
		m.running[gvr] = mon
	}
	return nil
}

func (m *monitors) start(ctx context.Context, gvr schema.GroupVersionResource, gvk schema.GroupVersionKind) (*monitor, error) {
	inf := metadatainformer.NewFilteredMetadataInformer(m.client, gvr, metav1.NamespaceAll, 0, cache.Indexers{}, nil).Informer()
	// The graph needs no managed fields; do not keep them in memory.
	if err := inf.SetTransform(func(obj any) (any, error) {
		if p, ok := obj.(*metav1.PartialObjectMetadata); ok {
			p.ManagedFields = nil
		}
		return obj, nil
	}); err != nil {
		return nil, err
	}
	asMeta := func(obj any) (*metav1.PartialObjectMetadata, bool) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		p, ok := obj.(*metav1.PartialObjectMetadata)
		return p, ok
	}
	_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if p, ok := asMeta(obj); ok {
				m.feed(&event{typ: addEvent, gvk: gvk, obj: p})
			}
		},
		UpdateFunc: func(old, cur any) {
			o, _ := asMeta(old)
			if p, ok := asMeta(cur); ok {
				m.feed(&event{typ: updateEvent, gvk: gvk, obj: p, old: o})
			}
		},
		DeleteFunc: func(obj any) {
			if p, ok := asMeta(obj); ok {
				m.feed(&event{typ: deleteEvent, gvk: gvk, obj: p})
			}
		},
	})
	if err != nil {
		return nil, err
	}
	ctx, stop := context.WithCancel(ctx)
	go inf.RunWithContext(ctx)
	return &monitor{gvk: gvk, informer: inf, stop: stop}, nil
}

// synced reports whether every informer has delivered its initial list.
func (m *monitors) synced() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.running) == 0 {
		return false
	}
	for _, mon := range m.running {
		if !mon.informer.HasSynced() {
			return false
		}
	}
	return true
}

// stopAll stops every informer.
func (m *monitors) stopAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for gvr, mon := range m.running {
		mon.stop()
		delete(m.running, gvr)
	}
}

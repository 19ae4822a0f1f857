package resourcequota

import (
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/tools/cache"
)

// syncTimeout bounds how long a worker waits for a new monitor's first
// list; a kind that cannot be listed fails the sync (and is retried)
// rather than holding the worker.
const syncTimeout = 30 * time.Second

// monitors watch, on demand, the kinds quotas count only by name
// ("count/deployments.apps"): the first quota naming a kind starts a
// metadata informer for it, whose events replenish quotas as the typed
// informers do for pods or services.
type monitors struct {
	meta      metadata.Interface
	disc      *resources
	replenish func(gr schema.GroupResource, namespace string)

	mu   sync.Mutex
	byGR map[schema.GroupResource]cache.SharedIndexInformer
}

// list returns the objects of gr in namespace from gr's informer, starting
// it (until ctx is done) and waiting for its first list if needed.
func (m *monitors) list(ctx context.Context, gr schema.GroupResource, namespace string) ([]runtime.Object, error) {
	inf, err := m.informer(ctx, gr)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, syncTimeout)
	defer cancel()
	if !cache.WaitForCacheSync(wctx.Done(), inf.HasSynced) {
		return nil, fmt.Errorf("watch %s: not synced: %w", gr, wctx.Err())
	}
	items, err := inf.GetIndexer().ByIndex(cache.NamespaceIndex, namespace)
	out := make([]runtime.Object, 0, len(items))
	for _, it := range items {
		out = append(out, it.(runtime.Object))
	}
	return out, err
}

func (m *monitors) informer(ctx context.Context, gr schema.GroupResource) (cache.SharedIndexInformer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if inf, ok := m.byGR[gr]; ok {
		return inf, nil
	}
	gvr, ok := m.disc.lookup(gr)
	if !ok {
		return nil, errUnknownResource
	}
	inf := metadatainformer.NewFilteredMetadataInformer(m.meta, gvr, "", 0,
		cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc}, nil).Informer()
	replenish := func(obj any) {
		if o, err := metaOf(obj); err == nil {
			m.replenish(gr, o.GetNamespace())
		}
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: replenish, DeleteFunc: replenish}); err != nil {
		return nil, err
	}
	if m.byGR == nil {
		m.byGR = map[schema.GroupResource]cache.SharedIndexInformer{}
	}
	m.byGR[gr] = inf
	go inf.RunWithContext(ctx)
	return inf, nil
}

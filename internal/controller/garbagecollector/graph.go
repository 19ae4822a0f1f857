package garbagecollector

import (
	"fmt"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/lru"
)

// objectRef identifies an object: an owner reference's coordinates plus the
// namespace ("" for cluster-scoped objects).
type objectRef struct {
	APIVersion string
	Kind       string
	Name       string
	UID        types.UID
	Namespace  string
}

func (r objectRef) String() string {
	return fmt.Sprintf("[%s/%s, namespace: %s, name: %s, uid: %s]", r.APIVersion, r.Kind, r.Namespace, r.Name, r.UID)
}

// refTo is the identity an owner reference names, seen from a dependent in
// namespace.
func refTo(o metav1.OwnerReference, namespace string) objectRef {
	return objectRef{APIVersion: o.APIVersion, Kind: o.Kind, Name: o.Name, UID: o.UID, Namespace: namespace}
}

// sameCoordinates reports whether o names r (namespace aside).
func sameCoordinates(o metav1.OwnerReference, r objectRef) bool {
	return o.APIVersion == r.APIVersion && o.Kind == r.Kind && o.Name == r.Name && o.UID == r.UID
}

// node is an object in the ownership graph. Its fields are written only by
// the graph builder, under graph.mu.
type node struct {
	ref objectRef
	// virtual marks an owner only known from dependents' references: it
	// has not been seen by an informer (yet).
	virtual bool
	// beingDeleted: the object has a deletionTimestamp.
	beingDeleted bool
	// deletingDependents: the object is being deleted in the foreground
	// (deletionTimestamp and the foregroundDeletion finalizer).
	deletingDependents bool
	owners             []metav1.OwnerReference
	dependents         map[*node]struct{}
}

// blocks reports whether n's reference to owner has blockOwnerDeletion set.
func (n *node) blocks(owner types.UID) bool {
	for _, o := range n.owners {
		if o.UID == owner {
			return o.BlockOwnerDeletion != nil && *o.BlockOwnerDeletion
		}
	}
	return false
}

// graph maps UIDs to nodes. One builder goroutine writes it; workers take
// snapshots under the read lock.
type graph struct {
	mu    sync.RWMutex
	nodes map[types.UID]*node
}

func newGraph() *graph {
	return &graph{nodes: map[types.UID]*node{}}
}

// item is a worker's copy of a node and of what it needs to know about the
// node's dependents.
type item struct {
	ref                objectRef
	virtual            bool
	beingDeleted       bool
	deletingDependents bool
	dependents         []dependent
}

// dependent is one of an item's dependents as the graph knows it.
type dependent struct {
	ref objectRef
	// blocking: its reference to the item has blockOwnerDeletion=true.
	blocking           bool
	deletingDependents bool
}

// snapshot copies the node for uid; ok is false when the graph has none.
func (g *graph) snapshot(uid types.UID) (item, bool) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	n, ok := g.nodes[uid]
	if !ok {
		return item{}, false
	}
	it := item{ref: n.ref, virtual: n.virtual, beingDeleted: n.beingDeleted, deletingDependents: n.deletingDependents}
	for d := range n.dependents {
		it.dependents = append(it.dependents, dependent{ref: d.ref, blocking: d.blocks(n.ref.UID), deletingDependents: d.deletingDependents})
	}
	return it, true
}

// absentOwners remembers owners the API server said do not exist, so
// dependents of the same missing owner need not each ask again. It is
// bounded: an evicted entry only costs a lookup.
type absentOwners struct {
	cache *lru.Cache
}

func newAbsentOwners(size int) *absentOwners {
	return &absentOwners{cache: lru.New(size)}
}

func (a *absentOwners) add(r objectRef) { a.cache.Add(r, nil) }

func (a *absentOwners) has(r objectRef) bool {
	_, ok := a.cache.Get(r)
	return ok
}

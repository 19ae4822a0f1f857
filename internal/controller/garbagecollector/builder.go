package garbagecollector

import (
	"context"
	"fmt"
	"reflect"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/berth-dev/berth/internal/controller/worker"
)

type eventType int

const (
	addEvent eventType = iota
	updateEvent
	deleteEvent
)

// event is a change to the graph: an informer's add, update or delete, or
// a "virtual" delete from a worker that found an object absent.
type event struct {
	typ     eventType
	gvk     schema.GroupVersionKind
	obj     *metav1.PartialObjectMetadata
	old     *metav1.PartialObjectMetadata // updates only
	virtual bool
}

// builder keeps the graph in step with the events it is fed, one at a time,
// and tells the workers which objects to look at.
type builder struct {
	graph  *graph
	absent *absentOwners
	// attemptToDelete and attemptToOrphan take UIDs to look at.
	attemptToDelete func(types.UID)
	attemptToOrphan func(types.UID)
	warn            func(ref objectRef, reason, message string)
}

func identity(ev *event) objectRef {
	return objectRef{APIVersion: ev.gvk.GroupVersion().String(), Kind: ev.gvk.Kind, Name: ev.obj.Name,
		UID: ev.obj.UID, Namespace: ev.obj.Namespace}
}

// process applies one event to the graph.
func (b *builder) process(_ context.Context, ev *event) (worker.Result, error) {
	b.graph.mu.Lock()
	defer b.graph.mu.Unlock()
	uid := ev.obj.UID
	n, found := b.graph.nodes[uid]
	if found && !ev.virtual && n.virtual {
		b.observe(n, identity(ev))
	}
	switch {
	case ev.typ != deleteEvent && !found:
		n = &node{ref: identity(ev), owners: ev.obj.OwnerReferences, dependents: map[*node]struct{}{},
			beingDeleted: ev.obj.DeletionTimestamp != nil}
		n.deletingDependents = n.beingDeleted && slices.Contains(ev.obj.Finalizers, metav1.FinalizerDeleteDependents)
		b.graph.nodes[uid] = n
		b.addToOwners(n, n.owners)
		b.transitions(ev, n)
	case ev.typ != deleteEvent:
		if !ev.virtual {
			n.ref.APIVersion, n.ref.Kind = identity(ev).APIVersion, identity(ev).Kind
		}
		added, removed, changed := diffOwners(n.owners, ev.obj.OwnerReferences)
		if len(added)+len(removed)+len(changed) > 0 {
			b.enqueueUnblocked(removed, changed)
			n.owners = ev.obj.OwnerReferences
			b.addToOwners(n, added)
			b.removeFromOwners(n, removed)
		}
		if ev.obj.DeletionTimestamp != nil {
			n.beingDeleted = true
		}
		b.transitions(ev, n)
	case !found:
		// Deleting what the graph never had: nothing to do.
	case ev.virtual && n.ref != identity(ev):
		// A worker found some other identity absent, not this node as the
		// graph now knows it: look at both again.
		for d := range n.dependents {
			b.attemptToDelete(d.ref.UID)
		}
		b.attemptToDelete(uid)
	default:
		b.remove(n)
	}
	return worker.Result{}, nil
}

// observe turns the virtual node n into the object an informer saw as id.
// Dependents that named it by other coordinates, or from another namespace,
// are looked at again.
func (b *builder) observe(n *node, id objectRef) {
	if n.ref != id {
		for d := range n.dependents {
			i := slices.IndexFunc(d.owners, func(o metav1.OwnerReference) bool { return o.UID == id.UID })
			matches := i >= 0 && sameCoordinates(d.owners[i], id)
			if id.Namespace != "" && d.ref.Namespace != id.Namespace {
				b.reportInvalidNamespace(d, id)
				matches = false
			}
			if !matches {
				b.attemptToDelete(d.ref.UID)
			}
		}
		n.ref = id
	}
	n.virtual = false
}

// remove takes n out of the graph; its dependents may now be garbage, and
// owners deleting their dependents in the foreground may now be done.
func (b *builder) remove(n *node) {
	delete(b.graph.nodes, n.ref.UID)
	b.removeFromOwners(n, n.owners)
	if len(n.dependents) > 0 {
		b.absent.add(n.ref)
	}
	for d := range n.dependents {
		b.attemptToDelete(d.ref.UID)
	}
	for _, o := range n.owners {
		if owner, ok := b.graph.nodes[o.UID]; ok && owner.deletingDependents {
			b.attemptToDelete(o.UID)
		}
	}
}

// addToOwners adds n to the dependents of the owners refs name, making
// virtual nodes for owners not seen yet (a worker verifies them). n is
// looked at when a reference may be invalid.
func (b *builder) addToOwners(n *node, refs []metav1.OwnerReference) {
	suspect := false
	for _, ref := range refs {
		owner, ok := b.graph.nodes[ref.UID]
		if !ok {
			owner = &node{ref: refTo(ref, n.ref.Namespace), virtual: true, dependents: map[*node]struct{}{}}
			b.graph.nodes[ref.UID] = owner
			owner.dependents[n] = struct{}{}
			b.attemptToDelete(ref.UID)
			continue
		}
		owner.dependents[n] = struct{}{}
		if suspect {
			continue
		}
		namespaced := owner.ref.Namespace != ""
		switch {
		case namespaced && owner.ref.Namespace != n.ref.Namespace:
			// A namespaced owner can only own objects in its namespace.
			if !owner.virtual {
				b.reportInvalidNamespace(n, owner.ref)
			}
			suspect = true
		case !sameCoordinates(ref, owner.ref):
			suspect = true
		case !namespaced && n.ref.Namespace != "" && owner.virtual:
			// A virtual owner first named by a cluster-scoped dependent:
			// it may be a namespaced kind the dependent could not own.
			suspect = true
		}
	}
	if suspect {
		b.attemptToDelete(n.ref.UID)
	}
}

func (b *builder) removeFromOwners(n *node, refs []metav1.OwnerReference) {
	for _, ref := range refs {
		if owner, ok := b.graph.nodes[ref.UID]; ok {
			delete(owner.dependents, n)
		}
	}
}

// enqueueUnblocked looks again at owners whose blocking references were
// removed or unblocked: they may be waiting for exactly that.
func (b *builder) enqueueUnblocked(removed []metav1.OwnerReference, changed [][2]metav1.OwnerReference) {
	blocking := func(r metav1.OwnerReference) bool { return r.BlockOwnerDeletion != nil && *r.BlockOwnerDeletion }
	for _, r := range removed {
		if blocking(r) {
			b.attemptToDelete(r.UID)
		}
	}
	for _, c := range changed {
		if blocking(c[0]) && !blocking(c[1]) {
			b.attemptToDelete(c[1].UID)
		}
	}
}

// transitions starts orphaning or foreground deletion when the event is
// the one where an object starts being deleted with that finalizer.
func (b *builder) transitions(ev *event, n *node) {
	if starts(ev, metav1.FinalizerOrphanDependents) {
		b.attemptToOrphan(n.ref.UID)
		return
	}
	if starts(ev, metav1.FinalizerDeleteDependents) {
		n.deletingDependents = true
		for d := range n.dependents {
			b.attemptToDelete(d.ref.UID)
		}
		b.attemptToDelete(n.ref.UID)
	}
}

// starts reports whether ev's object is being deleted with finalizer and
// its previous state was not.
func starts(ev *event, finalizer string) bool {
	deleting := func(m *metav1.PartialObjectMetadata) bool {
		return m != nil && m.DeletionTimestamp != nil && slices.Contains(m.Finalizers, finalizer)
	}
	return deleting(ev.obj) && !deleting(ev.old)
}

// diffOwners compares owner references by UID.
func diffOwners(old, cur []metav1.OwnerReference) (added, removed []metav1.OwnerReference, changed [][2]metav1.OwnerReference) {
	byUID := make(map[types.UID]metav1.OwnerReference, len(old))
	for _, r := range old {
		byUID[r.UID] = r
	}
	for _, r := range cur {
		o, ok := byUID[r.UID]
		switch {
		case !ok:
			added = append(added, r)
		case !reflect.DeepEqual(o, r):
			changed = append(changed, [2]metav1.OwnerReference{o, r})
		}
		delete(byUID, r.UID)
	}
	for _, r := range old {
		if _, ok := byUID[r.UID]; ok {
			removed = append(removed, r)
		}
	}
	return added, removed, changed
}

// reportInvalidNamespace warns on dependent n that its owner cannot be in
// its namespace.
func (b *builder) reportInvalidNamespace(n *node, owner objectRef) {
	i := slices.IndexFunc(n.owners, func(o metav1.OwnerReference) bool { return o.UID == owner.UID })
	if i < 0 {
		return
	}
	b.warn(n.ref, reasonInvalidNamespace, fmt.Sprintf("ownerRef %s does not exist in namespace %q", refTo(n.owners[i], n.ref.Namespace), n.ref.Namespace))
}

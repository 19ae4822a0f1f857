// Package garbagecollector deletes objects whose owners are gone, as
// upstream's garbage collector does.
//
// It watches the metadata of every resource that can be listed, watched and
// deleted (found by discovery, looked for again periodically) and keeps a
// graph of ownerReferences: a node per object, with its owners and
// dependents; an owner named by a reference but not seen yet is a virtual
// node, checked against the API server before anything is done about it.
// One goroutine applies informer events to the graph and queues UIDs for
// the workers:
//
//   - attemptToDelete looks an object and its owners up live: when no owner
//     remains it deletes the object (background, or as a finalizer already
//     on it asks); when some remain it removes the references to the gone
//     ones; for an object being deleted in the foreground it removes the
//     foregroundDeletion finalizer once no dependent blocks it.
//   - attemptToOrphan removes a deleted owner from its dependents'
//     ownerReferences, then removes its orphan finalizer.
//
// The API server sets those finalizers on DELETE according to the
// propagation policy.
package garbagecollector

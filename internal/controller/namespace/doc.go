// Package namespace empties namespaces being deleted: it deletes every
// namespaced object in them (the resources come from discovery), reports
// what remains in the namespace's conditions, and removes the kubernetes
// finalizer once nothing is left, which lets the API server remove the
// namespace.
package namespace

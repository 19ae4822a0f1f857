// Package admission holds the server-side rules that take part in writes
// beyond one object's own validation: namespace lifecycle (no new content
// in missing or terminating namespaces, undeletable system namespaces) and
// Service ClusterIP and NodePort allocation.
package admission

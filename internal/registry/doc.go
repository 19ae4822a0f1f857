// Package registry is the generic object store behind every API resource:
// the resource table (data, in one place), and Store, which applies
// metadata rules, defaulting, validation, optimistic concurrency, graceful
// deletion and finalizers on top of storage and the watch cache.
//
// Per-kind rules live in the group packages (core, apps, batch, ...) as
// plain typed functions; the table wires them in with Typed.
package registry

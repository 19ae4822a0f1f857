// Package cacher is the watch cache: one per resource, it keeps every object
// under a key prefix in memory, fed by a single storage watch, and serves
// LIST, GET and WATCH with Kubernetes resourceVersion semantics so that etcd
// sees one watcher per resource rather than one per client.
//
// Objects handed out by the cache are shared between callers and must be
// treated as read-only.
package cacher

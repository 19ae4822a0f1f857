// Package resourcequota keeps every ResourceQuota's status current:
// status.hard mirrors spec.hard and status.used is the usage of the
// namespace's objects for each resource the quota names, as upstream's
// resource quota controller computes it (object counts, pod compute
// requests and limits, storage, scopes).
//
// Usage is recalculated for a quota when its spec changes, when an object
// it counts is created, deleted or changed in a way that moves usage
// (upstream's replenishment), and for all quotas every five minutes. The
// controller only reports usage: berth's API server does not yet refuse
// writes that would exceed a quota.
package resourcequota

// Package scheduler runs berth's scheduling loop: informers feed a cache
// of nodes and assigned pods and the scheduling queue of unassigned pods;
// the loop pops a pod, runs the framework's plugins of the default profile
// over a snapshot of the cache, assumes the pod onto the chosen node and
// binds it asynchronously.
//
// Not implemented yet: preemption, multiple profiles, configuration files,
// metrics registration, leader election. The scheduler is not wired into
// berth server; tests start it with New and Start.
package scheduler

// Package queue is berth's scheduling queue: the set of pods waiting for a
// node, and the rules that decide when each of them is tried next.
//
// A pending pod lives in exactly one of four places:
//
//   - activeQ: ready to be tried, popped in the order of the Less function
//     (by default higher spec.priority first, then the earlier Timestamp);
//   - backoffQ: failed recently and waiting out its backoff (InitialBackoff
//     doubled per attempt, capped at MaxBackoff), ordered by expiry;
//   - unschedulable: rejected by plugins and waiting for a cluster event that
//     one of those plugins registered for and whose QueueingHint says Queue,
//     or for MaxInUnschedulable to pass;
//   - gated: has spec.schedulingGates and is never popped until they go.
//
// Between Pop and Done a pod is "in flight". Cluster events that arrive in
// that window are recorded and replayed against the pod if it comes back
// through AddUnschedulableIfNotPresent, so an event that would have made it
// schedulable is never lost.
//
// The behaviour follows kube-scheduler's scheduling queue; see README.md for
// the parts that are not implemented.
package queue

// Package nodelifecycle watches node health as upstream's node lifecycle
// controller does. A node whose kubelet has renewed neither its Lease nor
// its status within the grace period has its conditions set Unknown and
// its pods marked not Ready; unhealthy nodes get the not-ready or
// unreachable NoExecute taint (which the taint-eviction controller acts
// on), added at a per-zone rate that slows when a zone is mostly down and
// stops when every zone is; and node conditions and spec.unschedulable are
// mirrored as NoSchedule taints for the scheduler.
package nodelifecycle

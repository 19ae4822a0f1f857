// Package disruption keeps PodDisruptionBudget status current, as
// upstream's disruption controller: how many of the budget's pods are
// healthy (Ready and not being deleted or evicted), how many must be, how
// many the owning controllers expect (for percentages and
// maxUnavailable), and so how many disruptions the eviction subresource
// may allow. It also forgets evictions the API server recorded in
// status.disruptedPods once the pod is seen deleting or after
// DeletionTimeout, and resets DisruptionTarget pod conditions left behind
// by disruptions that never happened.
package disruption

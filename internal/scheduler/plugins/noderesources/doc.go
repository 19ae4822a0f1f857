// Package noderesources holds the resource plugins: NodeResourcesFit,
// which rejects nodes without room for the pod's requests and scores the
// rest with a strategy (LeastAllocated, MostAllocated or
// RequestedToCapacityRatio), and NodeResourcesBalancedAllocation, which
// prefers nodes whose resources would be used evenly.
package noderesources

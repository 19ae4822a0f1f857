package noderesources

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/berth-dev/berth/internal/scheduler/framework"
)

// scorer turns per-resource requested and allocatable amounts (the node's
// pods plus the incoming pod) into a node score in [0, MaxNodeScore].
// Resources with zero allocatable are passed with both values zero.
type scorer func(requested, allocatable []int64) int64

// allocationScorer scores a node by how a set of resources is allocated.
type allocationScorer struct {
	resources []ResourceSpec
	// useRequested counts the real requests; otherwise cpu and memory use
	// the non-zero defaults for containers that request nothing.
	useRequested bool
	score        scorer
}

// podRequests returns the pod's request of each resource of s.
func (s *allocationScorer) podRequests(pod *corev1.Pod) []int64 {
	req := framework.PodRequests(pod)
	nonZero := req
	if !s.useRequested {
		nonZero = framework.PodNonZeroRequests(pod)
	}
	out := make([]int64, len(s.resources))
	for i, r := range s.resources {
		switch r.Name {
		case corev1.ResourceCPU, corev1.ResourceMemory:
			out[i] = nonZero.Get(r.Name)
		default:
			out[i] = req.Get(r.Name)
		}
	}
	return out
}

// scoreNode scores nodeInfo for a pod whose requests podRequests returned.
func (s *allocationScorer) scoreNode(nodeInfo *framework.NodeInfo, podReq []int64) int64 {
	requested := make([]int64, len(s.resources))
	allocatable := make([]int64, len(s.resources))
	for i, r := range s.resources {
		alloc, req := s.allocatableAndRequested(nodeInfo, r.Name, podReq[i])
		if alloc == 0 {
			continue
		}
		allocatable[i], requested[i] = alloc, req
	}
	return s.score(requested, allocatable)
}

func (s *allocationScorer) allocatableAndRequested(ni *framework.NodeInfo, name corev1.ResourceName, podReq int64) (int64, int64) {
	if podReq == 0 && framework.IsScalarResourceName(name) {
		return 0, 0 // the pod does not ask for this extended resource
	}
	switch name {
	case corev1.ResourceCPU, corev1.ResourceMemory:
		used := ni.NonZeroRequested
		if s.useRequested {
			used = ni.Requested
		}
		return ni.Allocatable.Get(name), used.Get(name) + podReq
	default:
		return ni.Allocatable.Get(name), ni.Requested.Get(name) + podReq
	}
}

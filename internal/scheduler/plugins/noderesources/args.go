package noderesources

import (
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// ScoringStrategyType names a scoring strategy of NodeResourcesFit.
type ScoringStrategyType string

// The strategies.
const (
	// LeastAllocated prefers nodes with the most free resources (spreading).
	LeastAllocated ScoringStrategyType = "LeastAllocated"
	// MostAllocated prefers nodes with the least free resources (packing).
	MostAllocated ScoringStrategyType = "MostAllocated"
	// RequestedToCapacityRatio scores by a piecewise linear function of
	// utilisation.
	RequestedToCapacityRatio ScoringStrategyType = "RequestedToCapacityRatio"
)

// ResourceSpec is a resource and its weight in a score.
type ResourceSpec struct {
	Name   corev1.ResourceName
	Weight int64
}

// UtilizationShapePoint is a point of the RequestedToCapacityRatio shape:
// at Utilization percent (0–100) the score is Score (0–10).
type UtilizationShapePoint struct {
	Utilization int32
	Score       int32
}

// ScoringStrategy configures the scoring of NodeResourcesFit.
type ScoringStrategy struct {
	// Type is LeastAllocated when empty.
	Type ScoringStrategyType
	// Resources are cpu and memory with weight 1 when empty.
	Resources []ResourceSpec
	// Shape is used by RequestedToCapacityRatio; points must be sorted by
	// increasing utilisation.
	Shape []UtilizationShapePoint
}

// FitArgs are the arguments of NodeResourcesFit.
type FitArgs struct {
	// IgnoredResources are extended resources the filter does not check.
	IgnoredResources []string
	// IgnoredResourceGroups are prefixes ("example.com" for
	// "example.com/foo") of extended resources the filter does not check.
	IgnoredResourceGroups []string
	ScoringStrategy       ScoringStrategy
}

// BalancedAllocationArgs are the arguments of
// NodeResourcesBalancedAllocation.
type BalancedAllocationArgs struct {
	// Resources are cpu and memory with weight 1 when empty.
	Resources []ResourceSpec
}

// Bounds of the arguments.
const (
	MaxResourceWeight      = 100
	MaxUtilization         = 100
	MaxCustomPriorityScore = 10
)

var defaultResources = []ResourceSpec{{Name: corev1.ResourceCPU, Weight: 1}, {Name: corev1.ResourceMemory, Weight: 1}}

func validateResources(rs []ResourceSpec) error {
	var errs []error
	for _, r := range rs {
		if r.Weight <= 0 || r.Weight > MaxResourceWeight {
			errs = append(errs, fmt.Errorf("resource %q: weight %d not in [1, %d]", r.Name, r.Weight, MaxResourceWeight))
		}
	}
	return errors.Join(errs...)
}

func (s *ScoringStrategy) defaultAndValidate() error {
	if s.Type == "" {
		s.Type = LeastAllocated
	}
	if len(s.Resources) == 0 {
		s.Resources = defaultResources
	}
	errs := []error{validateResources(s.Resources)}
	switch s.Type {
	case LeastAllocated, MostAllocated:
	case RequestedToCapacityRatio:
		if len(s.Shape) == 0 {
			errs = append(errs, errors.New("shape: at least one point is required"))
		}
		for i, p := range s.Shape {
			if p.Utilization < 0 || p.Utilization > MaxUtilization {
				errs = append(errs, fmt.Errorf("shape[%d]: utilization %d not in [0, %d]", i, p.Utilization, MaxUtilization))
			}
			if p.Score < 0 || p.Score > MaxCustomPriorityScore {
				errs = append(errs, fmt.Errorf("shape[%d]: score %d not in [0, %d]", i, p.Score, MaxCustomPriorityScore))
			}
			if i > 0 && p.Utilization <= s.Shape[i-1].Utilization {
				errs = append(errs, fmt.Errorf("shape[%d]: utilization values must be sorted in increasing order", i))
			}
		}
	default:
		errs = append(errs, fmt.Errorf("scoring strategy %q is not supported", s.Type))
	}
	return errors.Join(errs...)
}

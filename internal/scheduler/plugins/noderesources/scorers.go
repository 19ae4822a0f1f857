package noderesources

import (
	"math"

	"github.com/berth-dev/berth/internal/scheduler/framework"
)

// weightedMean applies f to every resource with allocatable > 0 and
// returns the weighted mean of the results (integer division).
func weightedMean(resources []ResourceSpec, f func(requested, allocatable int64) int64) scorer {
	return func(requested, allocatable []int64) int64 {
		var sum, weights int64
		for i := range requested {
			if allocatable[i] == 0 {
				continue
			}
			sum += f(requested[i], allocatable[i]) * resources[i].Weight
			weights += resources[i].Weight
		}
		if weights == 0 {
			return 0
		}
		return sum / weights
	}
}

// leastAllocatedScore is the free share of the resource: 100 when nothing
// is requested, 0 when it is full or overcommitted.
func leastAllocatedScore(requested, allocatable int64) int64 {
	if allocatable == 0 || requested > allocatable {
		return 0
	}
	return (allocatable - requested) * framework.MaxNodeScore / allocatable
}

// mostAllocatedScore is the used share of the resource, capped at 100.
func mostAllocatedScore(requested, allocatable int64) int64 {
	if allocatable == 0 {
		return 0
	}
	requested = min(requested, allocatable)
	return requested * framework.MaxNodeScore / allocatable
}

// requestedToCapacityRatioScorer scores each resource by shape (scaled
// from 0–10 to 0–100) at its utilisation, and rounds the weighted mean.
func requestedToCapacityRatioScorer(resources []ResourceSpec, shape []UtilizationShapePoint) scorer {
	f := brokenLinear(shape)
	return func(requested, allocatable []int64) int64 {
		var sum, weights int64
		for i := range requested {
			if allocatable[i] == 0 {
				continue
			}
			util := int64(MaxUtilization)
			if requested[i] <= allocatable[i] {
				util = requested[i] * MaxUtilization / allocatable[i]
			}
			sum += f(util) * resources[i].Weight
			weights += resources[i].Weight
		}
		if weights == 0 {
			return 0
		}
		return int64(math.Round(float64(sum) / float64(weights)))
	}
}

// brokenLinear interpolates shape, whose scores are scaled to
// MaxNodeScore; it is flat before the first and after the last point.
func brokenLinear(shape []UtilizationShapePoint) func(int64) int64 {
	scale := framework.MaxNodeScore / MaxCustomPriorityScore
	return func(p int64) int64 {
		for i, pt := range shape {
			if p > int64(pt.Utilization) {
				continue
			}
			if i == 0 {
				return int64(pt.Score) * scale
			}
			prev := shape[i-1]
			x0, y0 := int64(prev.Utilization), int64(prev.Score)*scale
			x1, y1 := int64(pt.Utilization), int64(pt.Score)*scale
			return y0 + (y1-y0)*(p-x0)/(x1-x0)
		}
		return int64(shape[len(shape)-1].Score) * scale
	}
}

// balancedScore is 100 × (1 − standard deviation of the used fractions),
// each fraction capped at 1.
func balancedScore(requested, allocatable []int64) int64 {
	var fractions []float64
	var total float64
	for i := range requested {
		if allocatable[i] == 0 {
			continue
		}
		f := min(float64(requested[i])/float64(allocatable[i]), 1)
		fractions = append(fractions, f)
		total += f
	}
	var std float64
	switch n := len(fractions); {
	case n == 2:
		std = math.Abs((fractions[0] - fractions[1]) / 2)
	case n > 2:
		mean := total / float64(n)
		var sq float64
		for _, f := range fractions {
			sq += (f - mean) * (f - mean)
		}
		std = math.Sqrt(sq / float64(n))
	}
	return int64((1 - std) * float64(framework.MaxNodeScore))
}

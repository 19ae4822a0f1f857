package plugins

import (
	"github.com/berth-dev/berth/internal/scheduler/framework"
	"github.com/berth-dev/berth/internal/scheduler/plugins/defaultbinder"
	"github.com/berth-dev/berth/internal/scheduler/plugins/imagelocality"
	"github.com/berth-dev/berth/internal/scheduler/plugins/nodeaffinity"
	"github.com/berth-dev/berth/internal/scheduler/plugins/nodename"
	"github.com/berth-dev/berth/internal/scheduler/plugins/nodeports"
	"github.com/berth-dev/berth/internal/scheduler/plugins/noderesources"
	"github.com/berth-dev/berth/internal/scheduler/plugins/nodeunschedulable"
	"github.com/berth-dev/berth/internal/scheduler/plugins/tainttoleration"
)

// Registry returns the factories of the in-tree plugins by name. It is a
// map literal, so a duplicate name does not compile.
func Registry() framework.Registry {
	return framework.Registry{
		defaultbinder.Name:                   defaultbinder.New,
		imagelocality.Name:                   imagelocality.New,
		nodename.Name:                        nodename.New,
		nodeunschedulable.Name:               nodeunschedulable.New,
		nodeports.Name:                       nodeports.New,
		noderesources.FitName:                noderesources.NewFit,
		noderesources.BalancedAllocationName: noderesources.NewBalancedAllocation,
		tainttoleration.Name:                 tainttoleration.New,
		nodeaffinity.Name:                    nodeaffinity.New,
	}
}

// DefaultPlugins returns the plugins the default profile enables, in
// kube-scheduler's order.
func DefaultPlugins() framework.Plugins {
	return framework.Plugins{
		PreFilter: []string{nodeaffinity.Name, nodeports.Name, noderesources.FitName},
		Filter: []string{
			nodeunschedulable.Name, nodename.Name, tainttoleration.Name,
			nodeaffinity.Name, nodeports.Name, noderesources.FitName,
		},
		PreScore: []string{tainttoleration.Name, nodeaffinity.Name, noderesources.FitName, noderesources.BalancedAllocationName},
		Score:    []string{tainttoleration.Name, nodeaffinity.Name, noderesources.FitName, noderesources.BalancedAllocationName, imagelocality.Name},
		Bind:     []string{defaultbinder.Name},
	}
}

// DefaultScoreWeights returns the weights of the default Score plugins.
func DefaultScoreWeights() map[string]int64 {
	return map[string]int64{
		tainttoleration.Name:                 3,
		nodeaffinity.Name:                    2,
		noderesources.FitName:                1,
		noderesources.BalancedAllocationName: 1,
		imagelocality.Name:                   1,
	}
}

package queue

import (
	"fmt"
	"strings"
)

// EventResource is the kind of object a cluster event is about.
type EventResource string

// The resources the queue knows about. Pod matches both AssignedPod and
// UnscheduledPod; WildCard matches everything.
const (
	Pod                   EventResource = "Pod"
	AssignedPod           EventResource = "AssignedPod"
	UnscheduledPod        EventResource = "UnscheduledPod"
	Node                  EventResource = "Node"
	PersistentVolume      EventResource = "PersistentVolume"
	PersistentVolumeClaim EventResource = "PersistentVolumeClaim"
	StorageClass          EventResource = "StorageClass"
	CSINode               EventResource = "CSINode"
	CSIDriver             EventResource = "CSIDriver"
	CSIStorageCapacity    EventResource = "CSIStorageCapacity"
	ResourceClaim         EventResource = "ResourceClaim"
	ResourceSlice         EventResource = "ResourceSlice"
	DeviceClass           EventResource = "DeviceClass"
	WildCard              EventResource = "*"
)

// ActionType is a bit set of what happened to the resource. The Update bits
// are fine-grained so plugins can register for just the changes that matter;
// Update is all of them.
type ActionType uint64

const (
	Add ActionType = 1 << iota
	Delete

	UpdateNodeAllocatable
	UpdateNodeLabel
	UpdateNodeTaint
	UpdateNodeCondition
	UpdateNodeAnnotation

	UpdatePodLabel
	UpdatePodScaleDown
	UpdatePodToleration
	UpdatePodSchedulingGatesEliminated
	// UpdatePodOther is any pod update not covered by the bits above.
	UpdatePodOther

	// UpdateOther is an update of a resource without finer bits.
	UpdateOther

	// Update is any update.
	Update = UpdateNodeAllocatable | UpdateNodeLabel | UpdateNodeTaint | UpdateNodeCondition |
		UpdateNodeAnnotation | UpdatePodLabel | UpdatePodScaleDown | UpdatePodToleration |
		UpdatePodSchedulingGatesEliminated | UpdatePodOther | UpdateOther

	// All is every action.
	All = Add | Delete | Update
)

var actionNames = []struct {
	a    ActionType
	name string
}{
	{Add, "Add"}, {Delete, "Delete"},
	{UpdateNodeAllocatable, "UpdateNodeAllocatable"}, {UpdateNodeLabel, "UpdateNodeLabel"},
	{UpdateNodeTaint, "UpdateNodeTaint"}, {UpdateNodeCondition, "UpdateNodeCondition"},
	{UpdateNodeAnnotation, "UpdateNodeAnnotation"}, {UpdatePodLabel, "UpdatePodLabel"},
	{UpdatePodScaleDown, "UpdatePodScaleDown"}, {UpdatePodToleration, "UpdatePodToleration"},
	{UpdatePodSchedulingGatesEliminated, "UpdatePodSchedulingGatesEliminated"},
	{UpdatePodOther, "UpdatePodOther"}, {UpdateOther, "UpdateOther"},
}

func (a ActionType) String() string {
	switch a {
	case All:
		return "All"
	case Update:
		return "Update"
	}
	var parts []string
	for _, n := range actionNames {
		if a&n.a != 0 {
			parts = append(parts, n.name)
		}
	}
	if len(parts) == 0 {
		return fmt.Sprintf("ActionType(%d)", uint64(a))
	}
	return strings.Join(parts, "|")
}

// ClusterEvent is something that happened in the cluster, or (in a
// HintRegistration) the set of such things a plugin cares about.
type ClusterEvent struct {
	Resource   EventResource
	ActionType ActionType
	// Label names the event in logs; optional.
	Label string
}

// Events the queue itself generates.
var (
	// UnschedulableTimeout moves pods that stayed unschedulable for
	// MaxInUnschedulable; it bypasses hints.
	UnschedulableTimeout = ClusterEvent{Resource: WildCard, ActionType: All, Label: "UnschedulableTimeout"}
	// ForceActivate is recorded when Activate is called for an in-flight pod.
	ForceActivate = ClusterEvent{Resource: WildCard, ActionType: All, Label: "ForceActivate"}
	// EventAssignedPodAdd is what AssignedPodAdded reports.
	EventAssignedPodAdd = ClusterEvent{Resource: AssignedPod, ActionType: Add, Label: "AssignedPodAdd"}
)

// IsWildCard reports whether the event matches every registration; wildcard
// events move pods regardless of hints.
func (e ClusterEvent) IsWildCard() bool {
	return e.Resource == WildCard && e.ActionType == All
}

// Match reports whether an incoming event is one this registration covers.
func (e ClusterEvent) Match(incoming ClusterEvent) bool {
	if e.IsWildCard() || incoming.IsWildCard() {
		return true
	}
	if e.ActionType&incoming.ActionType == 0 {
		return false
	}
	switch e.Resource {
	case WildCard, incoming.Resource:
		return true
	case Pod:
		return incoming.Resource == AssignedPod || incoming.Resource == UnscheduledPod
	}
	return false
}

func (e ClusterEvent) String() string {
	if e.Label != "" {
		return e.Label
	}
	return string(e.Resource) + "/" + e.ActionType.String()
}

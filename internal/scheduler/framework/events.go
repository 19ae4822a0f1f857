package framework

import (
	"context"

	corev1 "k8s.io/api/core/v1"
)

// EventResource is the kind of object a ClusterEvent is about.
type EventResource string

// The resources plugins register events for.
const (
	Pod                   EventResource = "Pod"
	Node                  EventResource = "Node"
	PersistentVolume      EventResource = "PersistentVolume"
	PersistentVolumeClaim EventResource = "PersistentVolumeClaim"
	StorageClass          EventResource = "StorageClass"
	CSINode               EventResource = "CSINode"
	WildCard              EventResource = "*"
)

// ActionType is a bitmask of what happened to the resource.
type ActionType int64

// The actions. The UpdateXxx values narrow Update to the fields that
// changed.
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
	// updateOther is any other update.
	updateOther

	// Update is any update.
	Update = UpdateNodeAllocatable | UpdateNodeLabel | UpdateNodeTaint | UpdateNodeCondition |
		UpdateNodeAnnotation | UpdatePodLabel | UpdatePodScaleDown | UpdatePodToleration |
		UpdatePodSchedulingGatesEliminated | updateOther
	// All is every action.
	All = Add | Delete | Update
)

// ClusterEvent is a change in the cluster that may make a rejected pod
// schedulable.
type ClusterEvent struct {
	Resource   EventResource
	ActionType ActionType
	// Label names the event in logs and metrics.
	Label string
}

// Match reports whether ev (a concrete event) is covered by the
// registered event e.
func (e ClusterEvent) Match(ev ClusterEvent) bool {
	return (e.Resource == WildCard || e.Resource == ev.Resource) && e.ActionType&ev.ActionType != 0
}

// QueueingHint is a plugin's verdict on whether an event may make a pod it
// rejected schedulable.
type QueueingHint int

const (
	// QueueSkip: the event cannot help; leave the pod where it is.
	QueueSkip QueueingHint = iota
	// Queue: the event may help; retry the pod.
	Queue
)

// QueueingHintFn decides for one event whether pod, rejected by the
// plugin, is worth retrying. oldObj is nil for Add, newObj nil for Delete.
// An error is treated as Queue.
type QueueingHintFn func(pod *corev1.Pod, oldObj, newObj any) (QueueingHint, error)

// ClusterEventWithHint is an event and an optional hint; a nil hint means
// Queue.
type ClusterEventWithHint struct {
	Event          ClusterEvent
	QueueingHintFn QueueingHintFn
}

// EnqueueExtensions is implemented by plugins that can reject pods
// (PreFilter, Filter, Reserve, Permit) to tell the queue which events may
// make such a pod schedulable. A rejecting plugin that does not implement
// it is assumed to care about every event.
type EnqueueExtensions interface {
	Plugin
	EventsToRegister(ctx context.Context) ([]ClusterEventWithHint, error)
}

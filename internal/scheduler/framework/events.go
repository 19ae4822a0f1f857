package framework

import (
	"context"

	"github.com/berth-dev/berth/internal/scheduler/queue"
)

// The event vocabulary is the scheduling queue's: plugins register events
// in the same terms the queue matches cluster changes with.
type (
	// EventResource is the kind of object a ClusterEvent is about.
	EventResource = queue.EventResource
	// ActionType is a bitmask of what happened to the resource.
	ActionType = queue.ActionType
	// ClusterEvent is a change in the cluster that may make a rejected
	// pod schedulable.
	ClusterEvent = queue.ClusterEvent
	// QueueingHint is a plugin's verdict on whether an event may make a
	// pod it rejected schedulable.
	QueueingHint = queue.QueueingHint
	// QueueingHintFn decides for one event whether pod, rejected by the
	// plugin, is worth retrying. oldObj is nil for Add, newObj nil for
	// Delete. An error is treated as Queue.
	QueueingHintFn = queue.QueueingHintFunc
)

// The resources plugins register events for.
const (
	Pod                   = queue.Pod
	AssignedPod           = queue.AssignedPod
	UnscheduledPod        = queue.UnscheduledPod
	Node                  = queue.Node
	PersistentVolume      = queue.PersistentVolume
	PersistentVolumeClaim = queue.PersistentVolumeClaim
	StorageClass          = queue.StorageClass
	CSINode               = queue.CSINode
	WildCard              = queue.WildCard
)

// The actions; the UpdateXxx values narrow Update to the fields that
// changed.
const (
	Add                                = queue.Add
	Delete                             = queue.Delete
	UpdateNodeAllocatable              = queue.UpdateNodeAllocatable
	UpdateNodeLabel                    = queue.UpdateNodeLabel
	UpdateNodeTaint                    = queue.UpdateNodeTaint
	UpdateNodeCondition                = queue.UpdateNodeCondition
	UpdateNodeAnnotation               = queue.UpdateNodeAnnotation
	UpdatePodLabel                     = queue.UpdatePodLabel
	UpdatePodScaleDown                 = queue.UpdatePodScaleDown
	UpdatePodToleration                = queue.UpdatePodToleration
	UpdatePodSchedulingGatesEliminated = queue.UpdatePodSchedulingGatesEliminated
	Update                             = queue.Update
	All                                = queue.All
)

// The hints.
const (
	// QueueSkip: the event cannot help; leave the pod where it is.
	QueueSkip = queue.QueueSkip
	// Queue: the event may help; retry the pod.
	Queue = queue.Queue
)

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

package scheduler

import (
	"reflect"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	toolscache "k8s.io/client-go/tools/cache"

	"github.com/berth-dev/berth/internal/scheduler/queue"
)

// addHandlers registers the pod and node handlers feeding the cache and
// the queue.
func (s *Scheduler) addHandlers() error {
	pods := s.informers.Core().V1().Pods()
	s.podLister = pods.Lister()
	reg, err := pods.Informer().AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    s.onPodAdd,
		UpdateFunc: s.onPodUpdate,
		DeleteFunc: s.onPodDelete,
	})
	if err != nil {
		return err
	}
	s.synced = append(s.synced, reg.HasSynced)
	reg, err = s.informers.Core().V1().Nodes().Informer().AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    s.onNodeAdd,
		UpdateFunc: s.onNodeUpdate,
		DeleteFunc: s.onNodeDelete,
	})
	if err != nil {
		return err
	}
	s.synced = append(s.synced, reg.HasSynced)
	return nil
}

func assigned(p *corev1.Pod) bool { return p.Spec.NodeName != "" }

func terminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// ours reports whether this scheduler is responsible for the pod.
func (s *Scheduler) ours(p *corev1.Pod) bool {
	name := p.Spec.SchedulerName
	if name == "" {
		name = corev1.DefaultSchedulerName
	}
	return name == s.name
}

func asPod(obj any) *corev1.Pod {
	if d, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	p, _ := obj.(*corev1.Pod)
	return p
}

func asNode(obj any) *corev1.Node {
	if d, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	n, _ := obj.(*corev1.Node)
	return n
}

var eventAssignedPodDelete = queue.ClusterEvent{Resource: queue.AssignedPod, ActionType: queue.Delete, Label: "AssignedPodDelete"}

func (s *Scheduler) onPodAdd(obj any) {
	p := asPod(obj)
	switch {
	case p == nil:
	case assigned(p):
		if !terminal(p) {
			s.cache.AddPod(p)
			s.queue.AssignedPodAdded(p)
		}
	case s.ours(p) && !terminal(p):
		s.queue.Add(p)
	}
}

func (s *Scheduler) onPodUpdate(oldObj, newObj any) {
	oldPod, newPod := asPod(oldObj), asPod(newObj)
	if oldPod == nil || newPod == nil {
		return
	}
	switch {
	case assigned(newPod):
		if !assigned(oldPod) && s.ours(oldPod) {
			s.queue.Delete(oldPod)
		}
		if terminal(newPod) {
			s.onPodDelete(newPod)
			return
		}
		s.cache.AddPod(newPod)
		if assigned(oldPod) {
			s.queue.AssignedPodUpdated(oldPod, newPod)
		} else {
			s.queue.AssignedPodAdded(newPod)
		}
	case s.ours(newPod):
		if terminal(newPod) {
			s.queue.Delete(newPod)
			return
		}
		s.queue.Update(oldPod, newPod)
	}
}

func (s *Scheduler) onPodDelete(obj any) {
	p := asPod(obj)
	switch {
	case p == nil:
	case assigned(p):
		s.cache.RemovePod(p)
		s.queue.MoveAllToActiveOrBackoffQueue(eventAssignedPodDelete, p, nil, nil)
	case s.ours(p):
		s.queue.Delete(p)
		// Deleted after it was assumed but before the informer saw it
		// bound: drop the assumption, its resources are free again.
		if s.cache.Has(p.UID) {
			s.cache.RemovePod(p)
			s.queue.MoveAllToActiveOrBackoffQueue(eventAssignedPodDelete, p, nil, nil)
		}
	}
}

func (s *Scheduler) onNodeAdd(obj any) {
	n := asNode(obj)
	if n == nil {
		return
	}
	s.cache.AddNode(n)
	s.queue.MoveAllToActiveOrBackoffQueue(queue.ClusterEvent{Resource: queue.Node, ActionType: queue.Add, Label: "NodeAdd"}, nil, n, nil)
}

func (s *Scheduler) onNodeUpdate(oldObj, newObj any) {
	oldNode, newNode := asNode(oldObj), asNode(newObj)
	if oldNode == nil || newNode == nil {
		return
	}
	s.cache.AddNode(newNode)
	if a := nodeChange(oldNode, newNode); a != 0 {
		s.queue.MoveAllToActiveOrBackoffQueue(queue.ClusterEvent{Resource: queue.Node, ActionType: a, Label: "NodeUpdate"}, oldNode, newNode, nil)
	}
}

func (s *Scheduler) onNodeDelete(obj any) {
	if n := asNode(obj); n != nil {
		s.cache.RemoveNode(n)
	}
}

// nodeChange returns the update bits of what changed between two versions
// of a node that may matter to scheduling; 0 when nothing did.
func nodeChange(oldNode, newNode *corev1.Node) queue.ActionType {
	var a queue.ActionType
	if !equality.Semantic.DeepEqual(oldNode.Status.Allocatable, newNode.Status.Allocatable) {
		a |= queue.UpdateNodeAllocatable
	}
	if !reflect.DeepEqual(oldNode.Labels, newNode.Labels) {
		a |= queue.UpdateNodeLabel
	}
	if !reflect.DeepEqual(oldNode.Spec.Taints, newNode.Spec.Taints) || oldNode.Spec.Unschedulable != newNode.Spec.Unschedulable {
		a |= queue.UpdateNodeTaint
	}
	if !reflect.DeepEqual(conditionStatuses(oldNode), conditionStatuses(newNode)) {
		a |= queue.UpdateNodeCondition
	}
	if !reflect.DeepEqual(oldNode.Annotations, newNode.Annotations) {
		a |= queue.UpdateNodeAnnotation
	}
	return a
}

// conditionStatuses ignores heartbeat times, which change on every status
// post.
func conditionStatuses(n *corev1.Node) map[corev1.NodeConditionType]corev1.ConditionStatus {
	m := make(map[corev1.NodeConditionType]corev1.ConditionStatus, len(n.Status.Conditions))
	for _, c := range n.Status.Conditions {
		m[c.Type] = c.Status
	}
	return m
}

package queue

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// isPodUpdated reports whether newPod differs from oldPod in anything that a
// scheduling decision could depend on: changes only to status (apart from
// the resource claims allocated to it) and to bookkeeping metadata
// (resourceVersion, generation, managedFields, finalizers) never make a pod
// schedulable.
func isPodUpdated(oldPod, newPod *corev1.Pod) bool {
	strip := func(p *corev1.Pod) *corev1.Pod {
		c := p.DeepCopy()
		c.ResourceVersion = ""
		c.Generation = 0
		c.ManagedFields = nil
		c.Finalizers = nil
		c.Status = corev1.PodStatus{ResourceClaimStatuses: p.Status.ResourceClaimStatuses}
		return c
	}
	return !equality.Semantic.DeepEqual(strip(oldPod), strip(newPod))
}

// podChangeEvents names the kinds of change between two versions of a pod,
// as fine-grained update actions on resource r. It returns at least one event.
func podChangeEvents(r EventResource, oldPod, newPod *corev1.Pod) []ClusterEvent {
	var acts []ActionType
	if !equality.Semantic.DeepEqual(oldPod.Labels, newPod.Labels) {
		acts = append(acts, UpdatePodLabel)
	}
	if requestsDecreased(oldPod, newPod) {
		acts = append(acts, UpdatePodScaleDown)
	}
	if !equality.Semantic.DeepEqual(oldPod.Spec.Tolerations, newPod.Spec.Tolerations) {
		acts = append(acts, UpdatePodToleration)
	}
	if len(oldPod.Spec.SchedulingGates) > 0 && len(newPod.Spec.SchedulingGates) == 0 {
		acts = append(acts, UpdatePodSchedulingGatesEliminated)
	}
	if len(acts) == 0 {
		acts = append(acts, UpdatePodOther)
	}
	evs := make([]ClusterEvent, len(acts))
	for i, a := range acts {
		evs[i] = ClusterEvent{Resource: r, ActionType: a}
	}
	return evs
}

// requestsDecreased reports whether some resource request of newPod is lower
// than oldPod's (summed over the regular containers), which frees room on a
// node or makes the pod itself fit more easily.
func requestsDecreased(oldPod, newPod *corev1.Pod) bool {
	before, after := podRequests(oldPod), podRequests(newPod)
	for name, q := range before {
		a, ok := after[name]
		if !ok || a.Cmp(q) < 0 {
			return true
		}
	}
	return false
}

func podRequests(p *corev1.Pod) corev1.ResourceList {
	out := corev1.ResourceList{}
	for _, c := range p.Spec.Containers {
		for name, q := range c.Resources.Requests {
			sum := out[name]
			if sum.Format == "" {
				sum = resource.Quantity{Format: q.Format}
			}
			sum.Add(q)
			out[name] = sum
		}
	}
	return out
}

// affinityMatches reports whether one of pod's required pod-affinity terms
// selects assigned, so that assigned being placed may make pod schedulable.
// A term with a namespace selector counts as matching: moving a pod too
// often only costs a retry, missing one strands it.
func affinityMatches(pod, assigned *corev1.Pod) bool {
	a := pod.Spec.Affinity
	if a == nil || a.PodAffinity == nil {
		return false
	}
	for _, term := range a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
		if termMatches(pod, &term, assigned) {
			return true
		}
	}
	return false
}

func termMatches(pod *corev1.Pod, term *corev1.PodAffinityTerm, assigned *corev1.Pod) bool {
	if term.NamespaceSelector == nil {
		nss := term.Namespaces
		if len(nss) == 0 {
			nss = []string{pod.Namespace}
		}
		found := false
		for _, ns := range nss {
			if ns == assigned.Namespace {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	sel, err := metav1.LabelSelectorAsSelector(term.LabelSelector)
	if err != nil {
		return true
	}
	return sel.Matches(labels.Set(assigned.Labels))
}

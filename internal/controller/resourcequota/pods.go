package resourcequota

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/selection"
	podresource "k8s.io/component-helpers/resource"
)

var podsResource = schema.GroupResource{Resource: "pods"}

// podNames are the resource names pods are charged for, besides hugepages
// and extended resources.
var podNames = map[corev1.ResourceName]bool{
	countName(podsResource):                 true,
	corev1.ResourcePods:                     true,
	corev1.ResourceCPU:                      true,
	corev1.ResourceMemory:                   true,
	corev1.ResourceEphemeralStorage:         true,
	corev1.ResourceRequestsCPU:              true,
	corev1.ResourceRequestsMemory:           true,
	corev1.ResourceRequestsEphemeralStorage: true,
	corev1.ResourceLimitsCPU:                true,
	corev1.ResourceLimitsMemory:             true,
	corev1.ResourceLimitsEphemeralStorage:   true,
}

func podEvaluator() evaluator {
	return evaluator{resource: podsResource, matches: podMatches, usage: podUsageOf, scope: podInScope}
}

func podMatches(name corev1.ResourceName) bool {
	s := string(name)
	return podNames[name] || strings.HasPrefix(s, corev1.ResourceHugePagesPrefix) ||
		strings.HasPrefix(s, corev1.ResourceRequestsHugePagesPrefix) ||
		(!isNative(name) && strings.HasPrefix(s, corev1.DefaultResourceRequestsPrefix))
}

func podUsageOf(obj runtime.Object, now time.Time) corev1.ResourceList {
	return podUsage(obj.(*corev1.Pod), now)
}

// podUsage is what pod is charged. Every stored pod counts for
// "count/pods"; compute resources and "pods" only while the pod is
// charged (podCharged).
func podUsage(pod *corev1.Pod, now time.Time) corev1.ResourceList {
	out := corev1.ResourceList{countName(podsResource): one()}
	if !podCharged(pod, now) {
		return out
	}
	// As upstream: in-place resizes count at the larger of spec and
	// status, pod-level resources and overhead are included.
	opts := podresource.PodResourcesOptions{UseStatusResources: true}
	return add(out, computeUsage(podresource.PodRequests(pod, opts), podresource.PodLimits(pod, opts)))
}

// computeUsage maps a pod's effective requests and limits to quota names.
func computeUsage(requests, limits corev1.ResourceList) corev1.ResourceList {
	out := corev1.ResourceList{corev1.ResourcePods: one()}
	for _, r := range []struct{ name, req, lim corev1.ResourceName }{
		{corev1.ResourceCPU, corev1.ResourceRequestsCPU, corev1.ResourceLimitsCPU},
		{corev1.ResourceMemory, corev1.ResourceRequestsMemory, corev1.ResourceLimitsMemory},
		{corev1.ResourceEphemeralStorage, corev1.ResourceRequestsEphemeralStorage, corev1.ResourceLimitsEphemeralStorage},
	} {
		if q, ok := requests[r.name]; ok {
			out[r.name] = q
			out[r.req] = q
		}
		if q, ok := limits[r.name]; ok {
			out[r.lim] = q
		}
	}
	for name, q := range requests {
		if strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix) {
			out[name] = q
			out[corev1.DefaultResourceRequestsPrefix+name] = q
		}
		if isExtended(name) {
			out[corev1.DefaultResourceRequestsPrefix+name] = q
		}
	}
	return out
}

// podCharged reports whether pod's compute resources count against
// quota: not once it is terminal, nor once it has outlived its deletion
// grace period (a pod stuck on a lost node must not block its
// replacement).
func podCharged(pod *corev1.Pod, now time.Time) bool {
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return false
	}
	if end, ok := graceEnd(pod); ok && now.After(end) {
		return false
	}
	return true
}

// graceEnd is when a deleted pod's grace period runs out, as upstream
// counts it (deletion timestamp plus the grace period).
func graceEnd(pod *corev1.Pod) (time.Time, bool) {
	if pod.DeletionTimestamp == nil || pod.DeletionGracePeriodSeconds == nil {
		return time.Time{}, false
	}
	return pod.DeletionTimestamp.Add(time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second), true
}

// podInScope reports whether pod falls in the scope sel describes.
func podInScope(sel corev1.ScopedResourceSelectorRequirement, obj runtime.Object) (bool, error) {
	pod := obj.(*corev1.Pod)
	switch sel.ScopeName {
	case corev1.ResourceQuotaScopeTerminating:
		return isTerminating(pod), nil
	case corev1.ResourceQuotaScopeNotTerminating:
		return !isTerminating(pod), nil
	case corev1.ResourceQuotaScopeBestEffort:
		return isBestEffort(pod), nil
	case corev1.ResourceQuotaScopeNotBestEffort:
		return !isBestEffort(pod), nil
	case corev1.ResourceQuotaScopePriorityClass:
		if sel.Operator == corev1.ScopeSelectorOpExists {
			return pod.Spec.PriorityClassName != "", nil
		}
		var set labels.Set
		if pod.Spec.PriorityClassName != "" {
			set = labels.Set{string(corev1.ResourceQuotaScopePriorityClass): pod.Spec.PriorityClassName}
		}
		return selectorMatches(sel, set)
	case corev1.ResourceQuotaScopeCrossNamespacePodAffinity:
		return crossNamespaceAffinity(pod), nil
	}
	return false, nil
}

// isTerminating: the pod has an active deadline, so it ends by itself.
func isTerminating(pod *corev1.Pod) bool {
	return pod.Spec.ActiveDeadlineSeconds != nil && *pod.Spec.ActiveDeadlineSeconds >= 0
}

// isBestEffort reports the pod's QoS class is BestEffort: the class in its
// status if set, else no container, init container or pod-level resources
// ask for or limit cpu or memory.
func isBestEffort(pod *corev1.Pod) bool {
	if pod.Status.QOSClass != "" {
		return pod.Status.QOSClass == corev1.PodQOSBestEffort
	}
	positive := func(l corev1.ResourceList) bool {
		for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if q, ok := l[name]; ok && q.Sign() > 0 {
				return true
			}
		}
		return false
	}
	if pod.Spec.Resources != nil && (positive(pod.Spec.Resources.Requests) || positive(pod.Spec.Resources.Limits)) {
		return false
	}
	for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range cs {
			if positive(c.Resources.Requests) || positive(c.Resources.Limits) {
				return false
			}
		}
	}
	return true
}

// crossNamespaceAffinity reports whether any pod (anti-)affinity term
// reaches beyond the pod's namespace.
func crossNamespaceAffinity(pod *corev1.Pod) bool {
	a := pod.Spec.Affinity
	if a == nil {
		return false
	}
	var terms []corev1.PodAffinityTerm
	if a.PodAffinity != nil {
		terms = append(terms, a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution...)
		for _, w := range a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			terms = append(terms, w.PodAffinityTerm)
		}
	}
	if a.PodAntiAffinity != nil {
		terms = append(terms, a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution...)
		for _, w := range a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			terms = append(terms, w.PodAffinityTerm)
		}
	}
	for _, t := range terms {
		if len(t.Namespaces) > 0 || t.NamespaceSelector != nil {
			return true
		}
	}
	return false
}

// selectorMatches evaluates a scope selector requirement against set, the
// object's value for the scope keyed by the scope name.
func selectorMatches(sel corev1.ScopedResourceSelectorRequirement, set labels.Set) (bool, error) {
	var op selection.Operator
	switch sel.Operator {
	case corev1.ScopeSelectorOpIn:
		op = selection.In
	case corev1.ScopeSelectorOpNotIn:
		op = selection.NotIn
	case corev1.ScopeSelectorOpExists:
		op = selection.Exists
	case corev1.ScopeSelectorOpDoesNotExist:
		op = selection.DoesNotExist
	default:
		return false, fmt.Errorf("scope selector operator %q is not supported", sel.Operator)
	}
	req, err := labels.NewRequirement(string(sel.ScopeName), op, sel.Values)
	if err != nil {
		return false, fmt.Errorf("scope selector for %s: %w", sel.ScopeName, err)
	}
	return labels.NewSelector().Add(*req).Matches(set), nil
}

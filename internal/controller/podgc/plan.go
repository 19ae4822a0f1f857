package podgc

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// reason says why a pod is collected.
type reason int

const (
	terminated             reason = iota // finished, over the threshold
	outOfService                         // terminating on an out-of-service node
	orphaned                             // bound to a node that is gone
	unscheduledTerminating               // terminating, never bound
)

// victim is a pod to delete and why.
type victim struct {
	pod    *corev1.Pod
	reason reason
}

// plan decides which pods to collect. nodes are the nodes known to exist;
// gone are node names confirmed deleted. It also returns the names of
// nodes pods are bound to that are not in nodes, to confirm later.
func plan(pods []*corev1.Pod, nodes []*corev1.Node, threshold int, gone map[string]bool) (victims []victim, missing []string) {
	byName := make(map[string]*corev1.Node, len(nodes))
	for _, n := range nodes {
		byName[n.Name] = n
	}
	chosen := map[*corev1.Pod]bool{}
	take := func(p *corev1.Pod, r reason) {
		if !chosen[p] {
			chosen[p] = true
			victims = append(victims, victim{p, r})
		}
	}

	if threshold > 0 {
		var done []*corev1.Pod
		for _, p := range pods {
			if isTerminated(p) {
				done = append(done, p)
			}
		}
		if n := len(done) - threshold; n > 0 {
			slices.SortFunc(done, oldestFirst)
			for _, p := range done[:n] {
				take(p, terminated)
			}
		}
	}
	for _, p := range pods {
		if p.DeletionTimestamp == nil || p.Spec.NodeName == "" {
			continue
		}
		if n := byName[p.Spec.NodeName]; n != nil && !nodeReady(n) && hasTaintKey(n, corev1.TaintNodeOutOfService) {
			take(p, outOfService)
		}
	}
	seen := map[string]bool{}
	for _, p := range pods {
		name := p.Spec.NodeName
		if name == "" || byName[name] != nil {
			continue
		}
		if gone[name] {
			take(p, orphaned)
		} else if !seen[name] {
			seen[name] = true
			missing = append(missing, name)
		}
	}
	for _, p := range pods {
		if p.DeletionTimestamp != nil && p.Spec.NodeName == "" {
			take(p, unscheduledTerminating)
		}
	}
	slices.Sort(missing)
	return victims, missing
}

func isTerminated(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// oldestFirst orders pods by creation, then name.
func oldestFirst(a, b *corev1.Pod) int {
	if c := a.CreationTimestamp.Compare(b.CreationTimestamp.Time); c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func hasTaintKey(n *corev1.Node, key string) bool {
	return slices.ContainsFunc(n.Spec.Taints, func(t corev1.Taint) bool { return t.Key == key })
}

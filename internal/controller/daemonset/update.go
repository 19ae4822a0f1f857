package daemonset

import (
	"context"
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// allowsSurge reports whether a rolling update may run a new pod next to
// the old one on a node.
func allowsSurge(ds *appsv1.DaemonSet) bool {
	n, err := surgeCount(ds, 1)
	return err == nil && n != 0
}

func surgeCount(ds *appsv1.DaemonSet, desired int) (int, error) {
	ru := ds.Spec.UpdateStrategy.RollingUpdate
	if ds.Spec.UpdateStrategy.Type != appsv1.RollingUpdateDaemonSetStrategyType || ru == nil || ru.MaxSurge == nil {
		return 0, nil
	}
	return intstr.GetScaledValueFromIntOrPercent(ru.MaxSurge, desired, true)
}

func unavailableCount(ds *appsv1.DaemonSet, desired int) (int, error) {
	ru := ds.Spec.UpdateStrategy.RollingUpdate
	if ds.Spec.UpdateStrategy.Type != appsv1.RollingUpdateDaemonSetStrategyType || ru == nil || ru.MaxUnavailable == nil {
		return 0, nil
	}
	return intstr.GetScaledValueFromIntOrPercent(ru.MaxUnavailable, desired, true)
}

// limits returns maxSurge, maxUnavailable and the number of nodes that
// should run the daemon; every such node gets an entry in nodePods.
func (s *syncer) limits(nodePods map[string][]*corev1.Pod) (maxSurge, maxUnavailable, desired int, err error) {
	for _, node := range s.nodes {
		if run, _ := shouldRun(node, s.ds); run {
			desired++
			if _, ok := nodePods[node.Name]; !ok {
				nodePods[node.Name] = nil
			}
		}
	}
	if maxUnavailable, err = unavailableCount(s.ds, desired); err != nil {
		return 0, 0, 0, fmt.Errorf("invalid maxUnavailable: %w", err)
	}
	if maxSurge, err = surgeCount(s.ds, desired); err != nil {
		return 0, 0, 0, fmt.Errorf("invalid maxSurge: %w", err)
	}
	if desired > 0 && maxUnavailable == 0 && maxSurge == 0 {
		// An impossible configuration: fall back to the default.
		maxUnavailable = 1
	}
	return maxSurge, maxUnavailable, desired, nil
}

// onePerKind returns the node's new and old pod (ignoring terminating
// ones); ok is false when there are several of either, which manage
// cleans up first.
func (s *syncer) onePerKind(pods []*corev1.Pod) (newPod, oldPod *corev1.Pod, ok bool) {
	for _, p := range pods {
		if p.DeletionTimestamp != nil {
			continue
		}
		if updated(p, s.ds, s.hash) {
			if newPod != nil {
				return nil, nil, false
			}
			newPod = p
		} else {
			if oldPod != nil {
				return nil, nil, false
			}
			oldPod = p
		}
	}
	return newPod, oldPod, true
}

// rollingUpdate replaces old pods. Without surge it deletes old pods
// (unavailable ones always, available ones while fewer than
// maxUnavailable nodes are unavailable) and lets manage create the new
// ones. With surge it creates new pods next to old ones (always where the
// old one is unavailable, elsewhere up to maxSurge at a time) and deletes
// an old pod once its replacement is available.
func (s *syncer) rollingUpdate(ctx context.Context) error {
	ds := s.ds
	nodePods := make(map[string][]*corev1.Pod, len(s.byNode))
	for k, v := range s.byNode {
		nodePods[k] = v
	}
	maxSurge, maxUnavailable, desired, err := s.limits(nodePods)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(nodePods))
	for n := range nodePods {
		names = append(names, n)
	}
	slices.SortFunc(names, strings.Compare)
	now := metav1.NewTime(s.now)
	isAvailable := func(p *corev1.Pod) bool { return available(p, ds.Spec.MinReadySeconds, now) }

	if maxSurge == 0 {
		unavailable := 0
		var replace, candidates []*corev1.Pod
		for _, name := range names {
			newPod, oldPod, ok := s.onePerKind(nodePods[name])
			if !ok {
				unavailable++
				continue
			}
			switch {
			case oldPod == nil && newPod == nil, oldPod != nil && newPod != nil:
				unavailable++
			case newPod != nil:
				if !isAvailable(newPod) {
					unavailable++
				}
			case !isAvailable(oldPod):
				replace = append(replace, oldPod)
				unavailable++
			case unavailable < maxUnavailable:
				candidates = append(candidates, oldPod)
			}
		}
		n := min(max(maxUnavailable-unavailable, 0), len(candidates))
		return s.syncNodes(ctx, append(replace, candidates[:n]...), nil)
	}

	var remove, notRunRemove []*corev1.Pod
	var allowed, candidates []string
	surged, availableN := 0, 0
	node := map[string]*corev1.Node{}
	for _, n := range s.nodes {
		node[n.Name] = n
	}
	runs := func(name string) bool {
		n, ok := node[name]
		if !ok {
			return false
		}
		run, _ := shouldRun(n, ds)
		return run
	}
	for _, name := range names {
		newPod, oldPod, ok := s.onePerKind(nodePods[name])
		if !ok {
			surged++
			continue
		}
		if oldPod != nil {
			if isAvailable(oldPod) {
				availableN++
			}
		} else if newPod != nil && isAvailable(newPod) {
			availableN++
		}
		switch {
		case oldPod == nil:
			// manage creates what is missing
		case newPod == nil && !isAvailable(oldPod):
			if !runs(name) {
				remove = append(remove, oldPod)
				continue
			}
			allowed = append(allowed, name)
		case newPod == nil:
			if !runs(name) {
				notRunRemove = append(notRunRemove, oldPod)
				continue
			}
			if surged < maxSurge {
				candidates = append(candidates, name)
			}
		case !isAvailable(newPod):
			surged++
		default:
			remove = append(remove, oldPod)
		}
	}
	// With surge the owner expects full availability: pods on nodes the
	// set no longer fits go only as others become available.
	if extra := min(availableN-desired, len(notRunRemove)); extra > 0 {
		remove = append(remove, notRunRemove[:extra]...)
	}
	n := min(max(maxSurge-surged, 0), len(candidates))
	return s.syncNodes(ctx, remove, append(allowed, candidates[:n]...))
}

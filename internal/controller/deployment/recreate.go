package deployment

import (
	"context"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// recreate moves a Recreate rollout one step: scale every old ReplicaSet
// to zero, wait for their pods to be gone, then create and scale up the
// new one.
func (s *sync) recreate(ctx context.Context, d *appsv1.Deployment, rss []*appsv1.ReplicaSet, pods map[types.UID][]*corev1.Pod) error {
	newRS, oldRSs, err := s.replicaSets(ctx, d, rss, false)
	if err != nil {
		return err
	}
	all := append(slices.Clone(oldRSs), newRS)
	down := false
	for _, rs := range active(oldRSs) {
		scaled, _, err := s.scaleRS(ctx, d, rs, 0)
		if err != nil {
			return err
		}
		down = down || scaled
	}
	if down {
		return s.syncRolloutStatus(ctx, all, newRS, d)
	}
	if oldPodsRunning(newRS, oldRSs, pods) {
		return s.syncRolloutStatus(ctx, all, newRS, d)
	}
	if newRS == nil {
		newRS, oldRSs, err = s.replicaSets(ctx, d, rss, true)
		if err != nil {
			return err
		}
		all = append(slices.Clone(oldRSs), newRS)
	}
	if _, _, err := s.scaleRS(ctx, d, newRS, replicas(d)); err != nil {
		return err
	}
	if complete(d, &d.Status) {
		if err := s.cleanup(ctx, d, oldRSs); err != nil {
			return err
		}
	}
	return s.syncRolloutStatus(ctx, all, newRS, d)
}

// oldPodsRunning reports whether any pod of an old ReplicaSet may still
// run: counted by their status, or seen not finished (being deleted
// counts, since its containers may still run).
func oldPodsRunning(newRS *appsv1.ReplicaSet, oldRSs []*appsv1.ReplicaSet, pods map[types.UID][]*corev1.Pod) bool {
	if sumStatus(oldRSs, func(s appsv1.ReplicaSetStatus) int32 { return s.Replicas }) > 0 {
		return true
	}
	for uid, list := range pods {
		if newRS != nil && newRS.UID == uid {
			continue
		}
		for _, p := range list {
			if p.Status.Phase != corev1.PodFailed && p.Status.Phase != corev1.PodSucceeded {
				return true
			}
		}
	}
	return false
}

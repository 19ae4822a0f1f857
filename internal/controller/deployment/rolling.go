package deployment

import (
	"context"
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
)

// rolling moves a RollingUpdate rollout one step: scale the new
// ReplicaSet up within maxSurge, else scale old ones down within
// maxUnavailable.
func (s *sync) rolling(ctx context.Context, d *appsv1.Deployment, rss []*appsv1.ReplicaSet) error {
	newRS, oldRSs, err := s.replicaSets(ctx, d, rss, true)
	if err != nil {
		return err
	}
	all := append(slices.Clone(oldRSs), newRS)
	up, err := s.reconcileNew(ctx, d, all, newRS)
	if err != nil {
		return err
	}
	if up {
		return s.syncRolloutStatus(ctx, all, newRS, d)
	}
	down, err := s.reconcileOld(ctx, d, all, active(oldRSs), newRS)
	if err != nil {
		return err
	}
	if down {
		return s.syncRolloutStatus(ctx, all, newRS, d)
	}
	if complete(d, &d.Status) {
		if err := s.cleanup(ctx, d, oldRSs); err != nil {
			return err
		}
	}
	return s.syncRolloutStatus(ctx, all, newRS, d)
}

func (s *sync) reconcileNew(ctx context.Context, d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) (bool, error) {
	switch {
	case rsReplicas(newRS) == replicas(d):
		return false, nil
	case rsReplicas(newRS) > replicas(d):
		scaled, _, err := s.scaleRS(ctx, d, newRS, replicas(d))
		return scaled, err
	}
	scaled, _, err := s.scaleRS(ctx, d, newRS, newRSReplicas(d, all, newRS))
	return scaled, err
}

// reconcileOld scales old ReplicaSets down: first their unavailable
// pods (which would otherwise block the rollout), then available ones as
// far as maxUnavailable allows.
func (s *sync) reconcileOld(ctx context.Context, d *appsv1.Deployment, all, oldRSs []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) (bool, error) {
	if sumSpec(oldRSs) == 0 {
		return false, nil
	}
	minAvailable := replicas(d) - maxUnavailable(d)
	newUnavailable := rsReplicas(newRS) - newRS.Status.AvailableReplicas
	maxScaledDown := sumSpec(all) - minAvailable - newUnavailable
	if maxScaledDown <= 0 {
		return false, nil
	}
	oldRSs, cleaned, err := s.cleanupUnhealthy(ctx, d, oldRSs, maxScaledDown)
	if err != nil {
		return false, nil
	}
	all = append(slices.Clone(oldRSs), newRS)
	scaled, err := s.scaleDownOld(ctx, d, all, oldRSs)
	if err != nil {
		return false, nil
	}
	return cleaned+scaled > 0, nil
}

// cleanupUnhealthy removes old ReplicaSets' unavailable replicas, oldest
// ReplicaSets first, at most maxCleanup.
func (s *sync) cleanupUnhealthy(ctx context.Context, d *appsv1.Deployment, oldRSs []*appsv1.ReplicaSet, maxCleanup int32) ([]*appsv1.ReplicaSet, int32, error) {
	oldRSs = slices.Clone(oldRSs)
	slices.SortFunc(oldRSs, byCreation)
	var total int32
	for i, rs := range oldRSs {
		if total >= maxCleanup {
			break
		}
		if rsReplicas(rs) == 0 || rsReplicas(rs) == rs.Status.AvailableReplicas {
			continue
		}
		n := min(maxCleanup-total, rsReplicas(rs)-rs.Status.AvailableReplicas)
		size := rsReplicas(rs) - n
		if size > rsReplicas(rs) {
			return nil, 0, fmt.Errorf("invalid scale down of %s/%s: %d -> %d", rs.Namespace, rs.Name, rsReplicas(rs), size)
		}
		_, updated, err := s.scaleRS(ctx, d, rs, size)
		if err != nil {
			return nil, total, err
		}
		total += n
		oldRSs[i] = updated
	}
	return oldRSs, total, nil
}

// scaleDownOld scales old ReplicaSets down, oldest first, as far as
// keeps minAvailable replicas available.
func (s *sync) scaleDownOld(ctx context.Context, d *appsv1.Deployment, all, oldRSs []*appsv1.ReplicaSet) (int32, error) {
	minAvailable := replicas(d) - maxUnavailable(d)
	available := sumStatus(all, func(s appsv1.ReplicaSetStatus) int32 { return s.AvailableReplicas })
	if available <= minAvailable {
		return 0, nil
	}
	oldRSs = slices.Clone(oldRSs)
	slices.SortFunc(oldRSs, byCreation)
	var total int32
	want := available - minAvailable
	for _, rs := range oldRSs {
		if total >= want {
			break
		}
		if rsReplicas(rs) == 0 {
			continue
		}
		n := min(rsReplicas(rs), want-total)
		if _, _, err := s.scaleRS(ctx, d, rs, rsReplicas(rs)-n); err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

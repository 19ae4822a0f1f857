package statefulset

import (
	"context"
	"errors"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// syncer holds one reconcile of one set.
type syncer struct {
	d                       Deps
	set                     *appsv1.StatefulSet
	now                     time.Time
	current, update         *appsv1.ControllerRevision
	currentTmpl, updateTmpl *corev1.PodTemplateSpec
	collisions              int32
	requeue                 time.Duration
}

// created reports whether pod exists (rather than being the template of
// one still to create).
func created(pod *corev1.Pod) bool { return pod.UID != "" }

// sync creates, repairs and deletes pods toward the spec and returns the
// status to record. A non-nil status comes with any error so progress is
// recorded anyway.
func (s *syncer) sync(ctx context.Context, pods []*corev1.Pod) (*appsv1.StatefulSetStatus, error) {
	set := s.set
	status := &appsv1.StatefulSetStatus{
		ObservedGeneration: set.Generation,
		CurrentRevision:    s.current.Name,
		UpdateRevision:     s.update.Name,
		CollisionCount:     &s.collisions,
		Conditions:         set.Status.Conditions,
	}
	replicas, condemned := s.partition(pods)
	if set.DeletionTimestamp != nil {
		s.countStatus(status, pods)
		return status, nil
	}
	firstUnhealthy := s.firstUnavailable(replicas, condemned)
	monotonic := set.Spec.PodManagementPolicy != appsv1.ParallelPodManagement

	// In OrderedReady mode each step stops the sync when it must wait for
	// a pod to be created, become ready or terminate.
	if stop, err := forAll(len(replicas), monotonic, func(i int) (bool, error) { return s.replica(ctx, replicas[i], monotonic) }); stop || err != nil {
		s.countStatus(status, replicas, condemned)
		return status, err
	}
	if _, err := forAll(len(condemned), monotonic, func(i int) (bool, error) { return false, s.fixClaims(ctx, condemned[i]) }); err != nil {
		s.countStatus(status, replicas, condemned)
		return status, err
	}
	if stop, err := forAll(len(condemned), monotonic, func(i int) (bool, error) {
		return s.condemn(ctx, condemned[i], firstUnhealthy, monotonic)
	}); stop || err != nil {
		s.countStatus(status, replicas, condemned)
		return status, err
	}
	s.countStatus(status, replicas, condemned)
	if set.Spec.UpdateStrategy.Type == appsv1.OnDeleteStatefulSetStrategyType {
		return status, nil
	}
	return status, s.rollingUpdate(ctx, replicas, status)
}

// forAll runs fn over 0..n-1. Monotonic runs end at the first fn asking
// to stop or failing, and report it; parallel runs visit every index,
// ignore requests to stop and join errors.
func forAll(n int, monotonic bool, fn func(i int) (stop bool, err error)) (bool, error) {
	var errs []error
	for i := range n {
		stop, err := fn(i)
		if monotonic && (stop || err != nil) {
			return true, err
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return false, errors.Join(errs...)
}

// partition places pods with ordinals in range at their index among the
// replicas (templates fill the gaps) and returns the others, condemned,
// highest ordinal first.
func (s *syncer) partition(pods []*corev1.Pod) (replicas, condemned []*corev1.Pod) {
	start, n := startOrdinal(s.set), replicasOf(s.set)
	replicas = make([]*corev1.Pod, n)
	for _, p := range pods {
		switch o := ordinalOf(p); {
		case inRange(s.set, o):
			replicas[o-start] = p
		case o >= 0:
			condemned = append(condemned, p)
		}
	}
	for i := range replicas {
		if replicas[i] == nil {
			replicas[i] = s.versionedPod(start + i)
		}
	}
	slices.SortFunc(condemned, func(a, b *corev1.Pod) int { return ordinalOf(b) - ordinalOf(a) })
	return replicas, condemned
}

// versionedPod is the pod to create at ordinal: at the current revision
// below the partition of a rolling update, at the update revision
// otherwise.
func (s *syncer) versionedPod(ordinal int) *corev1.Pod {
	set := s.set
	if st := set.Spec.UpdateStrategy; st.Type == appsv1.RollingUpdateStatefulSetStrategyType {
		start := startOrdinal(set)
		keep := false
		if st.RollingUpdate == nil {
			keep = ordinal < start+int(set.Status.CurrentReplicas)
		} else {
			keep = ordinal < start+partition(set)
		}
		if keep {
			return newPod(set, s.currentTmpl, ordinal, s.current.Name)
		}
	}
	return newPod(set, s.updateTmpl, ordinal, s.update.Name)
}

func partition(set *appsv1.StatefulSet) int {
	if ru := set.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		return int(*ru.Partition)
	}
	return 0
}

// firstUnavailable is the lowest unavailable replica, else the lowest
// unavailable condemned pod.
func (s *syncer) firstUnavailable(replicas, condemned []*corev1.Pod) *corev1.Pod {
	for _, p := range replicas {
		if unavailable(p, s.set.Spec.MinReadySeconds, s.now) {
			return p
		}
	}
	for i := len(condemned) - 1; i >= 0; i-- {
		if unavailable(condemned[i], s.set.Spec.MinReadySeconds, s.now) {
			return condemned[i]
		}
	}
	return nil
}

// replica brings one in-range pod along: it replaces finished pods,
// creates missing ones (with their claims), and, in OrderedReady mode,
// asks to stop until the pod is running, ready and available.
func (s *syncer) replica(ctx context.Context, pod *corev1.Pod, monotonic bool) (bool, error) {
	set := s.set
	if created(pod) && isFinished(pod) {
		// Failed and Succeeded pods alike are replaced: a pod's exit code
		// says nothing about why it stopped.
		if !isTerminating(pod) {
			if err := s.deletePod(ctx, pod); err != nil {
				return true, err
			}
		}
		return true, nil
	}
	if !created(pod) {
		stale, err := s.claimsStale(pod)
		if err != nil || stale {
			if stale {
				s.after(staleClaimRetry)
			}
			return true, err
		}
		if err := s.createPod(ctx, pod); err != nil {
			return true, err
		}
		return monotonic, nil
	}
	if pod.Status.Phase == corev1.PodPending {
		if err := s.createClaims(ctx, pod); err != nil {
			return true, err
		}
	}
	if monotonic && (isTerminating(pod) || !available(pod, set.Spec.MinReadySeconds, s.now)) {
		return true, nil
	}
	if err := s.fixClaims(ctx, pod); err != nil {
		return true, err
	}
	if !identityLabelsMatch(pod) {
		// Hostname and subdomain cannot change on an existing pod; only
		// the identity labels are repaired.
		if err := s.fixPod(ctx, pod); err != nil {
			return true, err
		}
	}
	return false, nil
}

// condemn deletes one pod beyond the replicas: in OrderedReady mode only
// when every other pod is healthy (or it is the first unhealthy one), and
// one at a time.
func (s *syncer) condemn(ctx context.Context, pod, firstUnhealthy *corev1.Pod, monotonic bool) (bool, error) {
	if isTerminating(pod) {
		return monotonic, nil
	}
	if monotonic && pod != firstUnhealthy && unavailable(pod, s.set.Spec.MinReadySeconds, s.now) {
		return true, nil
	}
	return true, s.deletePod(ctx, pod)
}

// rollingUpdate deletes pods not at the update revision, from the highest
// ordinal down to the partition, keeping at most maxUnavailable replicas
// unavailable; the next syncs recreate them at the update revision.
func (s *syncer) rollingUpdate(ctx context.Context, replicas []*corev1.Pod, status *appsv1.StatefulSetStatus) error {
	set := s.set
	maxUnavailable := 1
	if ru := set.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.MaxUnavailable != nil {
		n, err := intstr.GetScaledValueFromIntOrPercent(intstr.ValueOrDefault(ru.MaxUnavailable, intstr.FromInt32(1)), len(replicas), true)
		if err != nil {
			return err
		}
		maxUnavailable = max(n, 1)
	}
	down := 0
	for _, p := range replicas {
		if unavailable(p, set.Spec.MinReadySeconds, s.now) {
			down++
		}
	}
	budget := maxUnavailable - down
	for i := len(replicas) - 1; i >= partition(set) && budget > 0; i-- {
		p := replicas[i]
		if revisionOf(p) == s.update.Name || isTerminating(p) || !created(p) {
			continue
		}
		if err := s.deletePod(ctx, p); err != nil {
			return err
		}
		budget--
		status.CurrentReplicas--
	}
	return nil
}

// countStatus recomputes the replica counts of status from pod lists.
func (s *syncer) countStatus(status *appsv1.StatefulSetStatus, lists ...[]*corev1.Pod) {
	status.Replicas, status.ReadyReplicas, status.AvailableReplicas = 0, 0, 0
	status.CurrentReplicas, status.UpdatedReplicas = 0, 0
	for _, list := range lists {
		for _, p := range list {
			if !created(p) {
				continue
			}
			status.Replicas++
			if runningAndReady(p) {
				status.ReadyReplicas++
				if available(p, s.set.Spec.MinReadySeconds, s.now) {
					status.AvailableReplicas++
				}
			}
			if !isTerminating(p) {
				if revisionOf(p) == s.current.Name {
					status.CurrentReplicas++
				}
				if revisionOf(p) == s.update.Name {
					status.UpdatedReplicas++
				}
			}
		}
	}
}

// after asks for another look within d.
func (s *syncer) after(d time.Duration) {
	if s.requeue == 0 || d < s.requeue {
		s.requeue = d
	}
}

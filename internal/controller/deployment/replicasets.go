package deployment

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var kind = appsv1.SchemeGroupVersion.WithKind("Deployment")

// replicaSets splits rss into the new ReplicaSet (whose template is d's)
// and the old ones, bringing the new one's revision and annotations up to
// date; with create, a missing new ReplicaSet is created.
func (s *sync) replicaSets(ctx context.Context, d *appsv1.Deployment, rss []*appsv1.ReplicaSet, create bool) (*appsv1.ReplicaSet, []*appsv1.ReplicaSet, error) {
	existing := findNewRS(d, rss)
	oldRSs := findOldRSs(rss, existing)
	newRS, err := s.newReplicaSet(ctx, d, existing, oldRSs, create)
	if err != nil {
		return nil, nil, err
	}
	// Later steps of this sync see what was written, not the stale cache.
	for i := range rss {
		if existing != nil && newRS != nil && rss[i].UID == newRS.UID {
			rss[i] = newRS
		}
	}
	return newRS, oldRSs, nil
}

func (s *sync) newReplicaSet(ctx context.Context, d *appsv1.Deployment, existing *appsv1.ReplicaSet, oldRSs []*appsv1.ReplicaSet, create bool) (*appsv1.ReplicaSet, error) {
	newRevision := strconv.FormatInt(maxRevision(oldRSs)+1, 10)
	if existing != nil {
		rs := existing.DeepCopy()
		annotated := setNewRSAnnotations(d, rs, newRevision, true)
		if annotated || rs.Spec.MinReadySeconds != d.Spec.MinReadySeconds {
			rs.Spec.MinReadySeconds = d.Spec.MinReadySeconds
			return s.UpdateReplicaSet(ctx, rs)
		}
		needsUpdate := setDeploymentRevision(d, rs.Annotations[RevisionAnnotation])
		if hasProgressDeadline(d) && getCondition(d.Status, appsv1.DeploymentProgressing) == nil {
			setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonFoundNewRS,
				fmt.Sprintf("Found new replica set %q", rs.Name), s.Now()))
			needsUpdate = true
		}
		if needsUpdate {
			if err := s.updateStatus(ctx, d); err != nil {
				return nil, err
			}
		}
		return rs, nil
	}
	if !create {
		return nil, nil
	}
	template := *d.Spec.Template.DeepCopy()
	hash := ComputeHash(&template, d.Status.CollisionCount)
	template.Labels = withLabel(d.Spec.Template.Labels, hash)
	selector := d.Spec.Selector.DeepCopy()
	selector.MatchLabels = withLabel(selector.MatchLabels, hash)
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name:            d.Name + "-" + hash,
			Namespace:       d.Namespace,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(d, kind)},
			Labels:          template.Labels,
		},
		Spec: appsv1.ReplicaSetSpec{
			Replicas:        new(int32),
			MinReadySeconds: d.Spec.MinReadySeconds,
			Selector:        selector,
			Template:        template,
		},
	}
	n := newRSReplicas(d, append(slices.Clone(oldRSs), rs), rs)
	*rs.Spec.Replicas = n
	setNewRSAnnotations(d, rs, newRevision, false)
	created, err := s.CreateReplicaSet(ctx, rs)
	exists := false
	switch {
	case apierrors.IsAlreadyExists(err):
		exists = true
		found, getErr := s.GetReplicaSet(rs.Namespace, rs.Name)
		if getErr != nil {
			return nil, getErr
		}
		if ref := metav1.GetControllerOfNoCopy(found); ref != nil && ref.UID == d.UID && equalIgnoreHash(&d.Spec.Template, &found.Spec.Template) {
			// A stale cache: it is ours.
			created, err = found, nil
			break
		}
		// A hash collision: another template has this name. Bump the
		// collision count and try again with a new hash.
		if d.Status.CollisionCount == nil {
			d.Status.CollisionCount = new(int32)
		}
		*d.Status.CollisionCount++
		_ = s.updateStatus(ctx, d)
		return nil, err
	case apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause):
		return nil, err
	case err != nil:
		msg := fmt.Sprintf("Failed to create new replica set %q: %v", rs.Name, err)
		if hasProgressDeadline(d) {
			setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionFalse, ReasonFailedRSCreate, msg, s.Now()))
			_ = s.updateStatus(ctx, d)
		}
		s.Event(d, corev1.EventTypeWarning, ReasonFailedRSCreate, msg)
		return nil, err
	}
	if !exists && n > 0 {
		s.Event(d, corev1.EventTypeNormal, "ScalingReplicaSet", fmt.Sprintf("Scaled up replica set %s from 0 to %d", created.Name, n))
	}
	needsUpdate := setDeploymentRevision(d, newRevision)
	if !exists && hasProgressDeadline(d) {
		setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonNewRSCreated,
			fmt.Sprintf("Created new replica set %q", created.Name), s.Now()))
		needsUpdate = true
	}
	if needsUpdate {
		if err := s.updateStatus(ctx, d); err != nil {
			return nil, err
		}
	}
	return created, nil
}

// updateStatus writes d's status (and, through the status endpoint,
// nothing else) and keeps the stored resourceVersion in d.
func (s *sync) updateStatus(ctx context.Context, d *appsv1.Deployment) error {
	updated, err := s.UpdateStatus(ctx, d)
	if err != nil {
		return err
	}
	d.ResourceVersion = updated.ResourceVersion
	return nil
}

func withLabel(in map[string]string, hash string) map[string]string {
	out := make(map[string]string, len(in)+1)
	for k, v := range in {
		out[k] = v
	}
	out[appsv1.DefaultDeploymentUniqueLabelKey] = hash
	return out
}

// scaleRS sets rs's size and the Deployment's size annotations, recording
// a ScalingReplicaSet event when the size changed.
func (s *sync) scaleRS(ctx context.Context, d *appsv1.Deployment, rs *appsv1.ReplicaSet, size int32) (bool, *appsv1.ReplicaSet, error) {
	if rsReplicas(rs) == size {
		return false, rs, nil
	}
	op := "down"
	if rsReplicas(rs) < size {
		op = "up"
	}
	return s.scaleRSAs(ctx, d, rs, size, op)
}

func (s *sync) scaleRSAs(ctx context.Context, d *appsv1.Deployment, rs *appsv1.ReplicaSet, size int32, op string) (bool, *appsv1.ReplicaSet, error) {
	resize := rsReplicas(rs) != size
	maxR := replicas(d) + maxSurge(d)
	if !resize && !replicasAnnotationsNeedUpdate(rs, replicas(d), maxR) {
		return false, rs, nil
	}
	from := rsReplicas(rs)
	c := rs.DeepCopy()
	c.Spec.Replicas = &size
	setReplicasAnnotations(c, replicas(d), maxR)
	updated, err := s.UpdateReplicaSet(ctx, c)
	if err != nil {
		return false, rs, fmt.Errorf("scale replica set %s/%s: %w", rs.Namespace, rs.Name, err)
	}
	if resize {
		s.Event(d, corev1.EventTypeNormal, "ScalingReplicaSet", fmt.Sprintf("Scaled %s replica set %s from %d to %d", op, rs.Name, from, size))
	}
	return resize, updated, nil
}

// scale resizes the ReplicaSets for a new spec.replicas: all to the only
// active one, or, mid-rollout, in proportion to their sizes so that the
// rollout does not move faster or slower than it would have.
func (s *sync) scale(ctx context.Context, d *appsv1.Deployment, newRS *appsv1.ReplicaSet, oldRSs []*appsv1.ReplicaSet) error {
	if rs := activeOrLatest(newRS, oldRSs); rs != nil {
		if rsReplicas(rs) == replicas(d) {
			return nil
		}
		_, _, err := s.scaleRS(ctx, d, rs, replicas(d))
		return err
	}
	if isSaturated(d, newRS) {
		for _, old := range active(oldRSs) {
			if _, _, err := s.scaleRS(ctx, d, old, 0); err != nil {
				return err
			}
		}
		return nil
	}
	if !isRolling(d) {
		return nil
	}
	all := active(append(slices.Clone(oldRSs), newRS))
	allowed := int32(0)
	if replicas(d) > 0 {
		allowed = replicas(d) + maxSurge(d)
	}
	toAdd := allowed - sumSpec(all)
	op := ""
	switch {
	case toAdd > 0:
		slices.SortFunc(all, bySizeThen(true))
		op = "up"
	case toAdd < 0:
		slices.SortFunc(all, bySizeThen(false))
		op = "down"
	}
	sizes := make([]int32, len(all))
	added := int32(0)
	for i, rs := range all {
		sizes[i] = rsReplicas(rs)
		if toAdd != 0 {
			p := proportion(rs, d, toAdd, added)
			sizes[i] += p
			added += p
		}
	}
	for i, rs := range all {
		// Leftovers go to the largest ReplicaSet.
		if i == 0 && toAdd != 0 {
			sizes[i] = max(sizes[i]+toAdd-added, 0)
		}
		if _, _, err := s.scaleRSAs(ctx, d, rs, sizes[i], op); err != nil {
			return err
		}
	}
	return nil
}

func sortByRevision(rss []*appsv1.ReplicaSet) {
	slices.SortFunc(rss, func(a, b *appsv1.ReplicaSet) int {
		ra, rb := revision(a), revision(b)
		if ra == rb {
			return byCreation(a, b)
		}
		if ra < rb {
			return -1
		}
		return 1
	})
}

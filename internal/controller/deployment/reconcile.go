package deployment

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	"github.com/berth-dev/berth/internal/controller/worker"
)

// Deps are what reconcile needs, as small functions so tests need no
// fakes of whole clients.
type Deps struct {
	// Get returns the Deployment from the informer cache.
	Get func(namespace, name string) (*appsv1.Deployment, error)
	// ReplicaSets returns the ReplicaSets d controls, after adopting
	// matching orphans and releasing those that stopped matching.
	ReplicaSets func(ctx context.Context, d *appsv1.Deployment) ([]*appsv1.ReplicaSet, error)
	// Pods returns the pods matching d's selector, grouped by the UID of
	// the ReplicaSet (of rss) controlling them.
	Pods func(d *appsv1.Deployment, rss []*appsv1.ReplicaSet) (map[types.UID][]*corev1.Pod, error)
	// GetReplicaSet reads a ReplicaSet from the cache (after a create
	// found it already there).
	GetReplicaSet    func(namespace, name string) (*appsv1.ReplicaSet, error)
	CreateReplicaSet func(ctx context.Context, rs *appsv1.ReplicaSet) (*appsv1.ReplicaSet, error)
	UpdateReplicaSet func(ctx context.Context, rs *appsv1.ReplicaSet) (*appsv1.ReplicaSet, error)
	DeleteReplicaSet func(ctx context.Context, namespace, name string) error
	// UpdateStatus writes d's status and returns the stored Deployment.
	UpdateStatus func(ctx context.Context, d *appsv1.Deployment) (*appsv1.Deployment, error)
	// Event records an event on d.
	Event func(d *appsv1.Deployment, eventType, reason, message string)
	Now   func() time.Time
}

// sync is one reconcile of one Deployment; after is when to look again
// (a rollout that may time out).
type sync struct {
	Deps
	after time.Duration
}

// reconcile moves the Deployment named by key one step towards its spec.
func reconcile(ctx context.Context, deps Deps, key string) (worker.Result, error) {
	s := &sync{Deps: deps}
	err := s.deployment(ctx, key)
	return worker.Result{RequeueAfter: s.after}, err
}

func (s *sync) deployment(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	cached, err := s.Get(ns, name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	d := cached.DeepCopy()
	if d.Spec.Selector == nil || equality.Semantic.DeepEqual(d.Spec.Selector, &metav1.LabelSelector{}) {
		s.Event(d, corev1.EventTypeWarning, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.")
		if d.Status.ObservedGeneration < d.Generation {
			d.Status.ObservedGeneration = d.Generation
			_, err := s.UpdateStatus(ctx, d)
			return err
		}
		return nil
	}
	rss, err := s.ReplicaSets(ctx, d)
	if err != nil {
		return err
	}
	pods, err := s.Pods(d, rss)
	if err != nil {
		return err
	}
	if d.DeletionTimestamp != nil {
		newRS, oldRSs, err := s.replicaSets(ctx, d, rss, false)
		if err != nil {
			return err
		}
		return s.syncStatus(ctx, append(oldRSs, newRS), newRS, d)
	}
	// Record pause and resume in the Progressing condition, so that a
	// Deployment paused longer than its deadline does not time out when
	// resumed.
	if err := s.checkPaused(ctx, d); err != nil {
		return err
	}
	if d.Spec.Paused {
		return s.scaleOnly(ctx, d, rss)
	}
	scaling, err := s.isScalingEvent(ctx, d, rss)
	if err != nil {
		return err
	}
	if scaling {
		return s.scaleOnly(ctx, d, rss)
	}
	if d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		return s.recreate(ctx, d, rss, pods)
	}
	return s.rolling(ctx, d, rss)
}

func (s *sync) checkPaused(ctx context.Context, d *appsv1.Deployment) error {
	if !hasProgressDeadline(d) {
		return nil
	}
	c := getCondition(d.Status, appsv1.DeploymentProgressing)
	if c != nil && c.Reason == ReasonTimedOut {
		return nil
	}
	pausedCond := c != nil && c.Reason == ReasonPaused
	switch {
	case d.Spec.Paused && !pausedCond:
		setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionUnknown, ReasonPaused, "Deployment is paused", s.Now()))
	case !d.Spec.Paused && pausedCond:
		setCondition(&d.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionUnknown, ReasonResumed, "Deployment is resumed", s.Now()))
	default:
		return nil
	}
	updated, err := s.UpdateStatus(ctx, d)
	if err != nil {
		return err
	}
	*d = *updated.DeepCopy()
	return nil
}

// isScalingEvent reports whether spec.replicas changed since the active
// ReplicaSets were last sized (their desired-replicas annotation).
func (s *sync) isScalingEvent(ctx context.Context, d *appsv1.Deployment, rss []*appsv1.ReplicaSet) (bool, error) {
	newRS, oldRSs, err := s.replicaSets(ctx, d, rss, false)
	if err != nil {
		return false, err
	}
	for _, rs := range active(append(oldRSs, newRS)) {
		if desired, ok := intAnnotation(rs, DesiredReplicasAnnotation); ok && desired != replicas(d) {
			return true, nil
		}
	}
	return false, nil
}

// scaleOnly applies a change of spec.replicas (or a paused Deployment's
// state) without moving the rollout on.
func (s *sync) scaleOnly(ctx context.Context, d *appsv1.Deployment, rss []*appsv1.ReplicaSet) error {
	newRS, oldRSs, err := s.replicaSets(ctx, d, rss, false)
	if err != nil {
		return err
	}
	if err := s.scale(ctx, d, newRS, oldRSs); err != nil {
		return err
	}
	if d.Spec.Paused {
		if err := s.cleanup(ctx, d, oldRSs); err != nil {
			return err
		}
	}
	return s.syncStatus(ctx, append(oldRSs, newRS), newRS, d)
}

// cleanup deletes the oldest scaled-down ReplicaSets beyond
// revisionHistoryLimit.
func (s *sync) cleanup(ctx context.Context, d *appsv1.Deployment, oldRSs []*appsv1.ReplicaSet) error {
	if d.Spec.RevisionHistoryLimit == nil {
		return nil
	}
	var alive []*appsv1.ReplicaSet
	for _, rs := range oldRSs {
		if rs != nil && rs.DeletionTimestamp == nil {
			alive = append(alive, rs)
		}
	}
	diff := len(alive) - int(*d.Spec.RevisionHistoryLimit)
	if diff <= 0 {
		return nil
	}
	sortByRevision(alive)
	for _, rs := range alive[:diff] {
		if rs.Status.Replicas != 0 || rsReplicas(rs) != 0 || rs.Generation > rs.Status.ObservedGeneration {
			continue
		}
		if err := s.DeleteReplicaSet(ctx, rs.Namespace, rs.Name); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete old replica set %s/%s: %w", rs.Namespace, rs.Name, err)
		}
	}
	return nil
}

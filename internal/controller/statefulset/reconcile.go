package statefulset

import (
	"context"
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"

	"github.com/berth-dev/berth/internal/controller/claim"
	"github.com/berth-dev/berth/internal/controller/history"
	"github.com/berth-dev/berth/internal/controller/worker"
)

// Deps are what reconcile needs, as small functions so tests need no
// fakes of whole clients. Get and List read the informer caches; the rest
// call the API.
type Deps struct {
	GetSet        func(namespace, name string) (*appsv1.StatefulSet, error)
	FreshSet      func(ctx context.Context, namespace, name string) (*appsv1.StatefulSet, error)
	ListPods      func(namespace string) ([]*corev1.Pod, error)
	ListRevisions func(namespace string) ([]*appsv1.ControllerRevision, error)
	// GetClaim returns a NotFound error for a missing claim.
	GetClaim func(namespace, name string) (*corev1.PersistentVolumeClaim, error)

	CreatePod   func(ctx context.Context, pod *corev1.Pod) error
	DeletePod   func(ctx context.Context, pod *corev1.Pod) error
	PatchPod    func(ctx context.Context, namespace, name string, patch []byte) error
	CreateClaim func(ctx context.Context, pvc *corev1.PersistentVolumeClaim) error
	UpdateClaim func(ctx context.Context, pvc *corev1.PersistentVolumeClaim) error

	Revisions      history.Client
	UpdateRevision func(ctx context.Context, rev *appsv1.ControllerRevision) (*appsv1.ControllerRevision, error)
	DeleteRevision func(ctx context.Context, rev *appsv1.ControllerRevision) error
	PatchRevision  func(ctx context.Context, namespace, name string, patch []byte) error

	UpdateStatus func(ctx context.Context, set *appsv1.StatefulSet) error
	// Event records an event on obj (reason, message) as
	// "statefulset-controller".
	Event func(obj runtime.Object, eventType, reason, message string)
	Now   func() time.Time
}

// staleClaimRetry is how soon a set waiting for an old claim to go away
// is looked at again.
const staleClaimRetry = time.Second

// reconcile brings the StatefulSet named key in line with its spec.
func reconcile(ctx context.Context, d Deps, key string) (worker.Result, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return worker.Result{}, nil
	}
	set, err := d.GetSet(ns, name)
	if apierrors.IsNotFound(err) {
		return worker.Result{}, nil
	}
	if err != nil {
		return worker.Result{}, err
	}
	set = set.DeepCopy()
	selector, err := metav1.LabelSelectorAsSelector(set.Spec.Selector)
	if err != nil || selector.Empty() {
		// Validation forbids both; upstream ignores such sets too.
		return worker.Result{}, nil
	}
	pods, err := d.claimPods(ctx, set)
	if err != nil {
		return worker.Result{}, err
	}
	revisions, err := d.claimRevisions(ctx, set)
	if err != nil {
		return worker.Result{}, err
	}
	history.Sort(revisions)

	s := &syncer{d: d, set: set, now: d.Now()}
	if err := s.revisions(ctx, revisions); err != nil {
		return worker.Result{}, err
	}
	status, syncErr := s.sync(ctx, pods)
	if status != nil {
		if err := d.writeStatus(ctx, set, status); err != nil {
			syncErr = errors.Join(syncErr, err)
		}
	}
	if err := s.truncate(ctx, pods, revisions); err != nil {
		syncErr = errors.Join(syncErr, err)
	}
	if syncErr != nil {
		return worker.Result{}, syncErr
	}
	res := worker.Result{RequeueAfter: s.requeue}
	if set.Spec.MinReadySeconds > 0 && status != nil && status.AvailableReplicas != status.ReadyReplicas {
		// As upstream: look again once the ready pods may have become
		// available.
		if d := time.Duration(set.Spec.MinReadySeconds) * time.Second; res.RequeueAfter == 0 || d < res.RequeueAfter {
			res.RequeueAfter = d
		}
	}
	return res, nil
}

// claimPods returns set's pods after adopting orphans whose names and
// labels make them members and releasing those that no longer match.
func (d Deps) claimPods(ctx context.Context, set *appsv1.StatefulSet) ([]*corev1.Pod, error) {
	all, err := d.ListPods(set.Namespace)
	if err != nil {
		return nil, err
	}
	var candidates []*corev1.Pod
	for _, p := range all {
		if isMember(set, p) {
			candidates = append(candidates, p)
		}
	}
	m := d.manager(set, func(ctx context.Context, name string, patch []byte) error {
		return d.PatchPod(ctx, set.Namespace, name, patch)
	})
	return claim.Claim(ctx, m, candidates)
}

func (d Deps) claimRevisions(ctx context.Context, set *appsv1.StatefulSet) ([]*appsv1.ControllerRevision, error) {
	all, err := d.ListRevisions(set.Namespace)
	if err != nil {
		return nil, err
	}
	m := d.manager(set, func(ctx context.Context, name string, patch []byte) error {
		return d.PatchRevision(ctx, set.Namespace, name, patch)
	})
	return claim.Claim(ctx, m, all)
}

func (d Deps) manager(set *appsv1.StatefulSet, patch func(context.Context, string, []byte) error) *claim.Manager {
	selector, _ := metav1.LabelSelectorAsSelector(set.Spec.Selector)
	return &claim.Manager{
		Owner: set, OwnerKind: kind, Selector: selector, Patch: patch,
		CanAdopt: claim.OwnerCheck(set.UID, func(ctx context.Context) (metav1.Object, error) {
			return d.FreshSet(ctx, set.Namespace, set.Name)
		}),
	}
}

// writeStatus completes a finished rolling update and writes status if it
// differs from the set's.
func (d Deps) writeStatus(ctx context.Context, set *appsv1.StatefulSet, status *appsv1.StatefulSetStatus) error {
	completeRollingUpdate(set, status)
	if equality.Semantic.DeepEqual(&set.Status, status) {
		return nil
	}
	out := set.DeepCopy()
	out.Status = *status
	if err := d.UpdateStatus(ctx, out); err != nil {
		return fmt.Errorf("update status of statefulset %s/%s: %w", set.Namespace, set.Name, err)
	}
	return nil
}

// completeRollingUpdate makes the update revision current once every pod
// runs it and is ready.
func completeRollingUpdate(set *appsv1.StatefulSet, status *appsv1.StatefulSetStatus) {
	n := int32(replicasOf(set))
	if set.Spec.UpdateStrategy.Type == appsv1.RollingUpdateStatefulSetStrategyType &&
		status.UpdatedReplicas == n && status.ReadyReplicas == n && status.Replicas == n {
		status.CurrentReplicas = status.UpdatedReplicas
		status.CurrentRevision = status.UpdateRevision
	}
}

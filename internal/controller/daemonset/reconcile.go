package daemonset

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/flowcontrol"

	"github.com/berth-dev/berth/internal/controller/claim"
	"github.com/berth-dev/berth/internal/controller/expectations"
	"github.com/berth-dev/berth/internal/controller/history"
	"github.com/berth-dev/berth/internal/controller/worker"
	"github.com/berth-dev/berth/internal/podcondition"
)

// Event reasons, as upstream.
const (
	reasonFailedDaemonPod    = "FailedDaemonPod"
	reasonSucceededDaemonPod = "SucceededDaemonPod"
	reasonSelectingAll       = "SelectingAll"
)

// Deps are what reconcile needs, as small functions so tests need no
// fakes of whole clients. Get and List read the informer caches; the rest
// call the API.
type Deps struct {
	GetDaemonSet   func(namespace, name string) (*appsv1.DaemonSet, error)
	FreshDaemonSet func(ctx context.Context, namespace, name string) (*appsv1.DaemonSet, error)
	ListNodes      func() ([]*corev1.Node, error)
	ListPods       func(namespace string) ([]*corev1.Pod, error)
	ListRevisions  func(namespace string) ([]*appsv1.ControllerRevision, error)

	CreatePod func(ctx context.Context, namespace string, pod *corev1.Pod) (*corev1.Pod, error)
	DeletePod func(ctx context.Context, pod *corev1.Pod) error
	PatchPod  func(ctx context.Context, namespace, name string, patch []byte) error

	Revisions      history.Client
	UpdateRevision func(ctx context.Context, rev *appsv1.ControllerRevision) (*appsv1.ControllerRevision, error)
	DeleteRevision func(ctx context.Context, rev *appsv1.ControllerRevision) error
	PatchRevision  func(ctx context.Context, namespace, name string, patch []byte) error

	UpdateStatus func(ctx context.Context, ds *appsv1.DaemonSet) error
	Event        func(obj runtime.Object, eventType, reason, message string)
	Now          func() time.Time

	// Expectations holds the creations and deletions issued but not yet
	// seen by the pod informer, by DaemonSet key.
	Expectations *expectations.Expectations
	// Backoff spaces out deleting failed pods on one node.
	Backoff *flowcontrol.Backoff
}

func secondsOf(n int32) time.Duration { return time.Duration(n) * time.Second }

// reconcile brings the DaemonSet named key in line with its spec and the
// nodes.
func reconcile(ctx context.Context, d Deps, key string) (worker.Result, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return worker.Result{}, nil
	}
	ds, err := d.GetDaemonSet(ns, name)
	if apierrors.IsNotFound(err) {
		d.Expectations.Delete(key)
		return worker.Result{}, nil
	}
	if err != nil {
		return worker.Result{}, err
	}
	ds = ds.DeepCopy()
	nodes, err := d.ListNodes()
	if err != nil {
		return worker.Result{}, err
	}
	slices.SortFunc(nodes, func(a, b *corev1.Node) int { return strings.Compare(a.Name, b.Name) })
	if ds.Spec.Selector == nil || (len(ds.Spec.Selector.MatchLabels) == 0 && len(ds.Spec.Selector.MatchExpressions) == 0) {
		d.Event(ds, corev1.EventTypeWarning, reasonSelectingAll, "This daemon set is selecting all pods. A non-empty selector is required.")
		return worker.Result{}, nil
	}
	if ds.DeletionTimestamp != nil {
		// As upstream: the history and pods of a set being deleted may
		// already be gone, so its status cannot be trusted; leave it.
		return worker.Result{}, nil
	}
	s := &syncer{d: d, ds: ds, key: key, nodes: nodes, now: d.Now()}
	if err := s.loadPods(ctx); err != nil {
		return worker.Result{}, err
	}
	old, err := s.history(ctx)
	if err != nil {
		return worker.Result{}, fmt.Errorf("revisions of daemonset %s: %w", key, err)
	}
	if !d.Expectations.Satisfied(key) {
		// Only status, without raising observedGeneration: this
		// generation has not been acted on.
		return s.result(), s.writeStatus(ctx, false)
	}
	syncErr := s.manage(ctx)
	if syncErr == nil && d.Expectations.Satisfied(key) && ds.Spec.UpdateStrategy.Type == appsv1.RollingUpdateDaemonSetStrategyType {
		syncErr = s.rollingUpdate(ctx)
	}
	if syncErr == nil {
		syncErr = s.cleanupHistory(ctx, old)
	}
	if err := s.writeStatus(ctx, true); err != nil {
		syncErr = errors.Join(syncErr, err)
	}
	if syncErr != nil {
		return worker.Result{}, syncErr
	}
	return s.result(), nil
}

// syncer holds one reconcile of one DaemonSet.
type syncer struct {
	d          Deps
	ds         *appsv1.DaemonSet
	key        string
	nodes      []*corev1.Node
	now        time.Time
	hash       string
	collisions int32
	// byNode maps node names to the set's pods there (or pinned there),
	// leaving out terminal pods already being deleted.
	byNode  map[string][]*corev1.Pod
	pods    []*corev1.Pod
	requeue time.Duration
}

func (s *syncer) after(d time.Duration) {
	if d > 0 && (s.requeue == 0 || d < s.requeue) {
		s.requeue = d
	}
}

func (s *syncer) result() worker.Result { return worker.Result{RequeueAfter: s.requeue} }

// loadPods claims the set's pods and groups them by node.
func (s *syncer) loadPods(ctx context.Context) error {
	ds := s.ds
	all, err := s.d.ListPods(ds.Namespace)
	if err != nil {
		return err
	}
	m := s.manager(func(ctx context.Context, name string, patch []byte) error {
		return s.d.PatchPod(ctx, ds.Namespace, name, patch)
	})
	pods, err := claim.Claim(ctx, m, all)
	if err != nil {
		return err
	}
	s.pods = pods
	s.byNode = map[string][]*corev1.Pod{}
	for _, p := range pods {
		if terminal(p) && p.DeletionTimestamp != nil {
			continue
		}
		if n := targetNode(p); n != "" {
			s.byNode[n] = append(s.byNode[n], p)
		}
	}
	return nil
}

func terminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded
}

func (s *syncer) manager(patch func(context.Context, string, []byte) error) *claim.Manager {
	ds := s.ds
	selector, _ := metav1.LabelSelectorAsSelector(ds.Spec.Selector)
	return &claim.Manager{
		Owner: ds, OwnerKind: kind, Selector: selector, Patch: patch,
		CanAdopt: claim.OwnerCheck(ds.UID, func(ctx context.Context) (metav1.Object, error) {
			return s.d.FreshDaemonSet(ctx, ds.Namespace, ds.Name)
		}),
	}
}

// byAge orders a node's pods as upstream: scheduled first, then oldest,
// then by name.
func byAge(pods []*corev1.Pod) {
	slices.SortStableFunc(pods, func(a, b *corev1.Pod) int {
		as, bs := a.Spec.NodeName != "", b.Spec.NodeName != ""
		if as != bs {
			if as {
				return -1
			}
			return 1
		}
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			if a.CreationTimestamp.Before(&b.CreationTimestamp) {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
}

// writeStatus records the per-node counts; observedGeneration only when
// this generation was acted on.
func (s *syncer) writeStatus(ctx context.Context, observe bool) error {
	ds := s.ds
	st := ds.Status.DeepCopy()
	var desired, current, mis, readyN, upd, avail int32
	now := metav1.NewTime(s.now)
	for _, node := range s.nodes {
		run, _ := shouldRun(node, ds)
		pods := slices.Clone(s.byNode[node.Name])
		if !run {
			if len(pods) > 0 {
				mis++
			}
			continue
		}
		desired++
		if len(pods) == 0 {
			continue
		}
		current++
		byAge(pods)
		p := pods[0]
		if podcondition.Ready(p) {
			readyN++
			if available(p, ds.Spec.MinReadySeconds, now) {
				avail++
			}
		}
		if updated(p, ds, s.hash) {
			upd++
		}
	}
	st.DesiredNumberScheduled, st.CurrentNumberScheduled, st.NumberMisscheduled = desired, current, mis
	st.NumberReady, st.UpdatedNumberScheduled, st.NumberAvailable = readyN, upd, avail
	st.NumberUnavailable = desired - avail
	if observe {
		st.ObservedGeneration = ds.Generation
	}
	if s.collisions != 0 || st.CollisionCount != nil {
		st.CollisionCount = &s.collisions
	}
	if ds.Spec.MinReadySeconds > 0 && readyN != avail {
		s.after(secondsOf(ds.Spec.MinReadySeconds))
	}
	if equality.Semantic.DeepEqual(&ds.Status, st) {
		return nil
	}
	out := ds.DeepCopy()
	out.Status = *st
	if err := s.d.UpdateStatus(ctx, out); err != nil {
		return fmt.Errorf("update status of daemonset %s: %w", s.key, err)
	}
	return nil
}

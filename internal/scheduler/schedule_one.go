package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"

	"github.com/berth-dev/berth/internal/scheduler/framework"
	"github.com/berth-dev/berth/internal/scheduler/queue"
)

// scheduleOne pops one pod and runs its scheduling cycle; on success the
// binding cycle continues in a goroutine.
func (s *Scheduler) scheduleOne(ctx context.Context) {
	qp, err := s.queue.Pop(ctx)
	if err != nil {
		return
	}
	pod := qp.Pod
	if pod.DeletionTimestamp != nil || assigned(pod) || s.cache.Has(pod.UID) {
		s.queue.Done(pod.UID)
		return
	}
	cycle := s.queue.SchedulingCycle()
	log := s.log.With("pod", pod.Namespace+"/"+pod.Name)

	s.cache.UpdateSnapshot(s.snap)
	nodes, _ := s.snap.List()
	state := framework.NewCycleState()
	host, err := s.schedulePod(ctx, state, pod, nodes)
	if err != nil {
		s.fail(ctx, qp, err, cycle)
		return
	}

	assumed := pod.DeepCopy()
	assumed.Spec.NodeName = host
	if err := s.cache.AssumePod(assumed); err != nil {
		s.fail(ctx, qp, err, cycle)
		return
	}
	if st := s.fwk.RunReservePluginsReserve(ctx, state, assumed, host); !st.IsSuccess() {
		s.fwk.RunReservePluginsUnreserve(ctx, state, assumed, host)
		s.cache.ForgetPod(assumed)
		s.fail(ctx, qp, statusError(st), cycle)
		return
	}
	// Waiting permits are not supported yet: Wait fails the cycle.
	if st := s.fwk.RunPermitPlugins(ctx, state, assumed, host); !st.IsSuccess() {
		s.fwk.RunReservePluginsUnreserve(ctx, state, assumed, host)
		s.cache.ForgetPod(assumed)
		s.fail(ctx, qp, statusError(st), cycle)
		return
	}
	log.Debug("pod assumed", "node", host)
	s.binds.Go(func() { s.bind(ctx, state, qp, assumed, host, cycle) })
}

// errNoNodes fails a cycle when the cluster has no nodes at all; as
// upstream it is an error (retried with backoff), not a fit failure.
var errNoNodes = errors.New("no nodes available to schedule pods")

// schedulePod picks the node for pod, or returns a *framework.FitError
// when none fits, or another error.
func (s *Scheduler) schedulePod(ctx context.Context, state *framework.CycleState, pod *corev1.Pod, nodes []*framework.NodeInfo) (string, error) {
	if len(nodes) == 0 {
		return "", errNoNodes
	}
	feasible, diagnosis, st := s.fwk.FindFeasibleNodes(ctx, state, pod, nodes)
	if st.Code() == framework.Error {
		return "", st.AsError()
	}
	if len(feasible) == 0 {
		_, ps := s.fwk.RunPostFilterPlugins(ctx, state, pod, diagnosis.NodeToStatus)
		diagnosis.PostFilterMsg = ps.Message()
		return "", &framework.FitError{Pod: pod, NumAllNodes: len(nodes), Diagnosis: diagnosis}
	}
	if len(feasible) == 1 {
		return feasible[0].Node().Name, nil
	}
	if st := s.fwk.RunPreScorePlugins(ctx, state, pod, feasible); !st.IsSuccess() {
		return "", st.AsError()
	}
	scores, st := s.fwk.RunScorePlugins(ctx, state, pod, feasible)
	if !st.IsSuccess() {
		return "", st.AsError()
	}
	return s.selectHost(scores), nil
}

// selectHost returns the node with the highest total score, choosing
// uniformly among ties by reservoir sampling.
func (s *Scheduler) selectHost(scores []framework.NodePluginScores) string {
	best, ties := scores[0], 1
	for _, ns := range scores[1:] {
		switch {
		case ns.TotalScore > best.TotalScore:
			best, ties = ns, 1
		case ns.TotalScore == best.TotalScore:
			ties++
			if s.intn(ties) == 0 {
				best = ns
			}
		}
	}
	return best.Name
}

// rejection is a Reserve or Permit status that rejected the pod.
type rejection struct{ st *framework.Status }

func (r *rejection) Error() string { return r.st.Message() }

func statusError(st *framework.Status) error {
	if st.IsRejected() {
		return &rejection{st: st}
	}
	return st.AsError()
}

// bind runs PreBind and Bind for an assumed pod. On failure the assumption
// is forgotten and the pod handed back to the queue.
func (s *Scheduler) bind(ctx context.Context, state *framework.CycleState, qp *queue.QueuedPodInfo, assumed *corev1.Pod, host string, cycle int64) {
	st := s.fwk.RunPreBindPlugins(ctx, state, assumed, host)
	if st.IsSuccess() {
		st = s.fwk.RunBindPlugins(ctx, state, assumed, host)
	}
	if !st.IsSuccess() {
		s.fwk.RunReservePluginsUnreserve(ctx, state, assumed, host)
		s.cache.ForgetPod(assumed)
		// The forgotten pod's resources are free again for others.
		s.queue.MoveAllToActiveOrBackoffQueue(eventAssignedPodDelete, assumed, nil, nil)
		s.fail(ctx, qp, fmt.Errorf("binding rejected: %w", statusError(st)), cycle)
		return
	}
	s.fwk.RunPostBindPlugins(ctx, state, assumed, host)
	s.log.Debug("pod bound", "pod", assumed.Namespace+"/"+assumed.Name, "node", host)
	s.recorder.Eventf(assumed, corev1.EventTypeNormal, "Scheduled", "Successfully assigned %s/%s to %s", assumed.Namespace, assumed.Name, host)
	s.queue.Done(assumed.UID)
}

// fail reports a failed cycle on the pod (event and PodScheduled
// condition) and hands it back to the queue, unless it is gone or bound.
func (s *Scheduler) fail(ctx context.Context, qp *queue.QueuedPodInfo, err error, cycle int64) {
	pod := qp.Pod
	defer s.queue.Done(pod.UID)
	reason := corev1.PodReasonUnschedulable
	unschedulable := sets.New[string]()
	var fitErr *framework.FitError
	var rej *rejection
	switch {
	case errors.As(err, &fitErr):
		unschedulable = fitErr.Diagnosis.UnschedulablePlugins.Clone()
	case errors.As(err, &rej):
		if p := rej.st.Plugin(); p != "" {
			unschedulable.Insert(p)
		}
	default:
		reason = corev1.PodReasonSchedulerError
		s.log.Error("scheduling cycle failed", "pod", pod.Namespace+"/"+pod.Name, "err", err)
	}
	if unschedulable == nil {
		unschedulable = sets.New[string]()
	}
	msg := err.Error()
	s.recorder.Event(pod, corev1.EventTypeWarning, "FailedScheduling", msg)

	cur, gerr := s.podLister.Pods(pod.Namespace).Get(pod.Name)
	if gerr != nil || cur.UID != pod.UID || assigned(cur) || cur.DeletionTimestamp != nil {
		return
	}
	qp.Pod = cur
	qp.UnschedulablePlugins = unschedulable
	qp.PendingPlugins = sets.New[string]()
	if err := s.queue.AddUnschedulableIfNotPresent(qp, cycle); err != nil && !errors.Is(err, queue.ErrAlreadyQueued) {
		s.log.Error("requeue pod", "pod", pod.Namespace+"/"+pod.Name, "err", err)
	}
	if err := s.setUnschedulable(ctx, cur, reason, msg); err != nil {
		s.log.Error("update pod condition", "pod", pod.Namespace+"/"+pod.Name, "err", err)
	}
}

// setUnschedulable sets PodScheduled=False with reason and msg, unless
// the pod already has that condition.
func (s *Scheduler) setUnschedulable(ctx context.Context, pod *corev1.Pod, reason, msg string) error {
	transition := metav1.NewTime(s.clock.Now())
	for _, c := range pod.Status.Conditions {
		if c.Type != corev1.PodScheduled || c.Status != corev1.ConditionFalse {
			continue
		}
		if c.Reason == reason && c.Message == msg {
			return nil
		}
		transition = c.LastTransitionTime // the status itself did not change
	}
	patch := map[string]any{
		"status": map[string]any{"conditions": []corev1.PodCondition{{
			Type:               corev1.PodScheduled,
			Status:             corev1.ConditionFalse,
			Reason:             reason,
			Message:            msg,
			LastTransitionTime: transition,
		}}},
	}
	data, err := json.Marshal(patch)
	if err != nil {
		return err
	}
	_, err = s.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, data, metav1.PatchOptions{}, "status")
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("patch pod %s/%s status: %w", pod.Namespace, pod.Name, err)
	}
	return nil
}

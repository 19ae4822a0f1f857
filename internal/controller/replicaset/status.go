package replicaset

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/podcondition"
)

// calculateStatus is rs's status given its active and terminating pods
// (nil: not counted) and the error, if any, of this sync's creations or deletions. next is
// how long until a ready pod becomes available (0: none pending).
func calculateStatus(rs *appsv1.ReplicaSet, pods []*corev1.Pod, terminatingPods *int32, manageErr error, now time.Time) (st appsv1.ReplicaSetStatus, next time.Duration) {
	st = *rs.Status.DeepCopy()
	template := labels.SelectorFromSet(rs.Spec.Template.Labels)
	var labeled, readyN, available int32
	for _, p := range pods {
		if template.Matches(labels.Set(p.Labels)) {
			labeled++
		}
		switch in := availableIn(p, rs.Spec.MinReadySeconds, now); {
		case in == 0:
			readyN++
			available++
		case in > 0:
			readyN++
			if next == 0 || in < next {
				next = in
			}
		case podcondition.Ready(p):
			readyN++
		}
	}
	failure := condition(st, appsv1.ReplicaSetReplicaFailure)
	switch {
	case manageErr != nil && failure == nil:
		reason := ""
		if diff := len(pods) - int(replicas(rs)); diff < 0 {
			reason = "FailedCreate"
		} else if diff > 0 {
			reason = "FailedDelete"
		}
		st.Conditions = append(st.Conditions, appsv1.ReplicaSetCondition{
			Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(now), Reason: reason, Message: manageErr.Error(),
		})
	case manageErr == nil && failure != nil:
		var keep []appsv1.ReplicaSetCondition
		for _, c := range st.Conditions {
			if c.Type != appsv1.ReplicaSetReplicaFailure {
				keep = append(keep, c)
			}
		}
		st.Conditions = keep
	}
	st.Replicas = int32(len(pods))
	st.FullyLabeledReplicas = labeled
	st.ReadyReplicas = readyN
	st.AvailableReplicas = available
	st.TerminatingReplicas = terminatingPods
	st.ObservedGeneration = rs.Generation
	return st, next
}

func condition(st appsv1.ReplicaSetStatus, t appsv1.ReplicaSetConditionType) *appsv1.ReplicaSetCondition {
	for i := range st.Conditions {
		if st.Conditions[i].Type == t {
			return &st.Conditions[i]
		}
	}
	return nil
}

func statusEqual(a, b appsv1.ReplicaSetStatus) bool {
	return equality.Semantic.DeepEqual(a, b)
}

func replicas(rs *appsv1.ReplicaSet) int32 {
	return ptr.Deref(rs.Spec.Replicas, 1)
}

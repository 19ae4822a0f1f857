package replicaset

import (
	"math"
	"slices"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/podcondition"
)

// deletionCostAnnotation lets users rank pods for scale-down (lower goes
// first), as upstream's PodDeletionCost.
const deletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost"

// phaseOrder ranks pod phases for deletion: earlier phases go first.
var phaseOrder = map[corev1.PodPhase]int{corev1.PodPending: 0, corev1.PodUnknown: 1, corev1.PodRunning: 2}

// podsToDelete picks n pods of pods to delete, the least established
// first. related are the pods of the ReplicaSet's siblings (same owning
// controller), used to prefer pods doubled up on a node.
func podsToDelete(pods, related []*corev1.Pod, n int, now time.Time) []*corev1.Pod {
	if n >= len(pods) {
		return pods
	}
	onNode := map[string]int{}
	for _, p := range related {
		if active(p) {
			onNode[p.Spec.NodeName]++
		}
	}
	ranked := make([]rankedPod, len(pods))
	for i, p := range pods {
		ranked[i] = rankedPod{pod: p, colocated: onNode[p.Spec.NodeName]}
	}
	slices.SortStableFunc(ranked, func(a, b rankedPod) int {
		switch {
		case deleteFirst(a, b, now):
			return -1
		case deleteFirst(b, a, now):
			return 1
		}
		return 0
	})
	out := make([]*corev1.Pod, n)
	for i := range out {
		out[i] = ranked[i].pod
	}
	return out
}

type rankedPod struct {
	pod       *corev1.Pod
	colocated int // active related pods on the same node
}

// deleteFirst reports whether a should be deleted before b, in upstream's
// order: unassigned before assigned; pending before unknown before
// running; not ready before ready; lower deletion cost first; more pods
// doubled up on the node first; ready for less time first; more container
// restarts first; newer first. Times are compared on a logarithmic scale
// (pods of similar age are equal), ties broken by UID.
func deleteFirst(ra, rb rankedPod, now time.Time) bool {
	a, b := ra.pod, rb.pod
	if a.Spec.NodeName != b.Spec.NodeName && (a.Spec.NodeName == "" || b.Spec.NodeName == "") {
		return a.Spec.NodeName == ""
	}
	if pa, pb := phaseOrder[a.Status.Phase], phaseOrder[b.Status.Phase]; pa != pb {
		return pa < pb
	}
	if podcondition.Ready(a) != podcondition.Ready(b) {
		return !podcondition.Ready(a)
	}
	if ca, cb := deletionCost(a), deletionCost(b); ca != cb {
		return ca < cb
	}
	if ra.colocated != rb.colocated {
		return ra.colocated > rb.colocated
	}
	if podcondition.Ready(a) && podcondition.Ready(b) {
		ta, tb := podcondition.Get(a, corev1.PodReady).LastTransitionTime, podcondition.Get(b, corev1.PodReady).LastTransitionTime
		if !ta.Equal(&tb) {
			if r, ok := newerFirst(ta, tb, now, a, b); ok {
				return r
			}
		}
	}
	if ma, mb := maxRestarts(a), maxRestarts(b); ma != mb {
		return ma > mb
	}
	if sa, sb := maxSidecarRestarts(a), maxSidecarRestarts(b); sa != sb {
		return sa > sb
	}
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		if r, ok := newerFirst(a.CreationTimestamp, b.CreationTimestamp, now, a, b); ok {
			return r
		}
	}
	return false
}

// newerFirst orders two different times: a zero time first, then the
// newer on a log2 scale of age, then by UID; ok is false when it cannot
// tell.
func newerFirst(ta, tb metav1.Time, now time.Time, a, b *corev1.Pod) (bool, bool) {
	if ta.IsZero() || tb.IsZero() {
		return ta.IsZero(), true
	}
	if now.IsZero() {
		return ta.After(tb.Time), true
	}
	if d := logAge(ta, now) - logAge(tb, now); d != 0 {
		return d < 0, true
	}
	return a.UID < b.UID, true
}

func logAge(t metav1.Time, now time.Time) int64 {
	d := now.Sub(t.Time)
	if d <= 0 {
		return -1
	}
	return int64(math.Log2(float64(d)))
}

func deletionCost(p *corev1.Pod) int32 {
	v, ok := p.Annotations[deletionCostAnnotation]
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0
	}
	return int32(n)
}

func maxRestarts(p *corev1.Pod) int32 {
	var m int32
	for _, c := range p.Status.ContainerStatuses {
		m = max(m, c.RestartCount)
	}
	return m
}

// maxSidecarRestarts is the highest restart count among init containers
// that run alongside the main ones (restartPolicy Always).
func maxSidecarRestarts(p *corev1.Pod) int32 {
	sidecar := map[string]bool{}
	for _, c := range p.Spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			sidecar[c.Name] = true
		}
	}
	var m int32
	for _, c := range p.Status.InitContainerStatuses {
		if sidecar[c.Name] {
			m = max(m, c.RestartCount)
		}
	}
	return m
}

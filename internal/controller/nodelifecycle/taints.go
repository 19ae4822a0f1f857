package nodelifecycle

import (
	"context"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
)

var (
	// unreachableTaint marks a node whose kubelet stopped reporting.
	unreachableTaint = corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}
	// notReadyTaint marks a node whose kubelet reports it not ready.
	notReadyTaint = corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute}
)

// conditionTaints maps a node condition and status to the NoSchedule taint
// key it implies (upstream's TaintNodesByCondition).
var conditionTaints = map[corev1.NodeConditionType]map[corev1.ConditionStatus]string{
	corev1.NodeReady: {
		corev1.ConditionFalse:   corev1.TaintNodeNotReady,
		corev1.ConditionUnknown: corev1.TaintNodeUnreachable,
	},
	corev1.NodeMemoryPressure:     {corev1.ConditionTrue: corev1.TaintNodeMemoryPressure},
	corev1.NodeDiskPressure:       {corev1.ConditionTrue: corev1.TaintNodeDiskPressure},
	corev1.NodeNetworkUnavailable: {corev1.ConditionTrue: corev1.TaintNodeNetworkUnavailable},
	corev1.NodePIDPressure:        {corev1.ConditionTrue: corev1.TaintNodePIDPressure},
}

// managedNoScheduleKeys are the NoSchedule taint keys this controller owns.
var managedNoScheduleKeys = map[string]bool{
	corev1.TaintNodeNotReady:           true,
	corev1.TaintNodeUnreachable:        true,
	corev1.TaintNodeMemoryPressure:     true,
	corev1.TaintNodeDiskPressure:       true,
	corev1.TaintNodeNetworkUnavailable: true,
	corev1.TaintNodePIDPressure:        true,
	corev1.TaintNodeUnschedulable:      true,
}

// noScheduleDiff returns the NoSchedule taints node should gain and lose so
// that they mirror its conditions and spec.unschedulable.
func noScheduleDiff(node *corev1.Node) (add, remove []corev1.Taint) {
	var want []corev1.Taint
	for _, c := range node.Status.Conditions {
		if key, ok := conditionTaints[c.Type][c.Status]; ok {
			want = append(want, corev1.Taint{Key: key, Effect: corev1.TaintEffectNoSchedule})
		}
	}
	if node.Spec.Unschedulable {
		want = append(want, corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule})
	}
	var have []corev1.Taint
	for _, t := range node.Spec.Taints {
		if t.Effect == corev1.TaintEffectNoSchedule && managedNoScheduleKeys[t.Key] {
			have = append(have, t)
		}
	}
	for _, w := range want {
		if !hasTaint(have, w) {
			add = append(add, w)
		}
	}
	for _, h := range have {
		if !hasTaint(want, h) {
			remove = append(remove, h)
		}
	}
	return add, remove
}

// hasTaint reports whether taints hold one with t's key and effect.
func hasTaint(taints []corev1.Taint, t corev1.Taint) bool {
	return slices.ContainsFunc(taints, func(x corev1.Taint) bool { return x.Key == t.Key && x.Effect == t.Effect })
}

// swapTaints returns taints with remove dropped and add added (stamped
// with now), and whether anything changed.
func swapTaints(taints []corev1.Taint, add, remove []corev1.Taint, now time.Time) ([]corev1.Taint, bool) {
	out := make([]corev1.Taint, 0, len(taints)+len(add))
	changed := false
	for _, t := range taints {
		if hasTaint(remove, t) || hasTaint(add, t) && !sameTaint(t, add) {
			changed = true
			continue
		}
		out = append(out, t)
	}
	for _, a := range add {
		if hasTaint(out, a) {
			continue
		}
		a.TimeAdded = &metav1.Time{Time: now}
		out = append(out, a)
		changed = true
	}
	return out, changed
}

// sameTaint reports whether the taint in add with t's key and effect also
// has t's value.
func sameTaint(t corev1.Taint, add []corev1.Taint) bool {
	for _, a := range add {
		if a.Key == t.Key && a.Effect == t.Effect {
			return a.Value == t.Value
		}
	}
	return false
}

// updateTaints adds and removes taints on the named node, reading it fresh
// and retrying on conflicts.
func updateTaints(ctx context.Context, client kubernetes.Interface, name string, add, remove []corev1.Taint, now func() time.Time) error {
	nodes := client.CoreV1().Nodes()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		node, err := nodes.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		taints, changed := swapTaints(node.Spec.Taints, add, remove, now())
		if !changed {
			return nil
		}
		node.Spec.Taints = taints
		_, err = nodes.Update(ctx, node, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("update taints of node %q: %w", name, err)
	}
	return nil
}

// betaLabels are the deprecated labels kept equal to their stable ones.
var betaLabels = map[string]string{
	corev1.LabelOSStable:   "beta.kubernetes.io/os",
	corev1.LabelArchStable: "beta.kubernetes.io/arch",
}

// labelDiff returns the beta os and arch labels node lacks or has wrong.
func labelDiff(node *corev1.Node) map[string]string {
	out := map[string]string{}
	for stable, beta := range betaLabels {
		v, ok := node.Labels[stable]
		if !ok {
			continue
		}
		if cur, ok := node.Labels[beta]; !ok || cur != v {
			out[beta] = v
		}
	}
	return out
}

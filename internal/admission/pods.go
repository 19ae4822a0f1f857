package admission

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// defaultTolerationSeconds is how long pods tolerate a not-ready or
// unreachable node before eviction, as upstream's DefaultTolerationSeconds
// admission adds.
const defaultTolerationSeconds int64 = 300

// admitPod applies the pod admission upstream enables by default: Priority
// (spec.priority and preemptionPolicy from the PriorityClass) and
// DefaultTolerationSeconds.
func (a *Admission) admitPod(ctx context.Context, pod *corev1.Pod) error {
	if err := a.admitPriority(ctx, pod); err != nil {
		return err
	}
	addDefaultTolerations(pod)
	return nil
}

func (a *Admission) admitPriority(ctx context.Context, pod *corev1.Pod) error {
	gr := schema.GroupResource{Resource: "pods"}
	var class *schedulingv1.PriorityClass
	if name := pod.Spec.PriorityClassName; name != "" {
		obj, err := a.priorityClasses.Get(ctx, "", name, &metav1.GetOptions{ResourceVersion: "0"})
		if apierrors.IsNotFound(err) {
			obj, err = a.priorityClasses.Get(ctx, "", name, nil)
		}
		if apierrors.IsNotFound(err) {
			return apierrors.NewForbidden(gr, pod.Name, fmt.Errorf("no PriorityClass with name %s was found", name))
		}
		if err != nil {
			return err
		}
		class = obj.(*schedulingv1.PriorityClass)
	} else {
		list, err := a.priorityClasses.List(ctx, "", &metav1.ListOptions{ResourceVersion: "0"})
		if err != nil {
			return err
		}
		for i := range list.(*schedulingv1.PriorityClassList).Items {
			pc := &list.(*schedulingv1.PriorityClassList).Items[i]
			// The lowest-valued global default wins, as upstream.
			if pc.GlobalDefault && (class == nil || pc.Value < class.Value) {
				class = pc
			}
		}
	}
	var value int32
	policy := corev1.PreemptLowerPriority
	if class != nil {
		value = class.Value
		pod.Spec.PriorityClassName = class.Name
		if class.PreemptionPolicy != nil {
			policy = *class.PreemptionPolicy
		}
	}
	if pod.Spec.Priority != nil && *pod.Spec.Priority != value {
		return apierrors.NewForbidden(gr, pod.Name, fmt.Errorf("the integer value of priority (%d) must not be provided in pod spec; priority admission controller computed %d from the given PriorityClass name", *pod.Spec.Priority, value))
	}
	pod.Spec.Priority = &value
	if pod.Spec.PreemptionPolicy != nil && *pod.Spec.PreemptionPolicy != policy {
		return apierrors.NewForbidden(gr, pod.Name, fmt.Errorf("the string value of PreemptionPolicy (%s) must not be provided in pod spec; priority admission controller computed %s from the given PriorityClass name", *pod.Spec.PreemptionPolicy, policy))
	}
	pod.Spec.PreemptionPolicy = &policy
	return nil
}

// addDefaultTolerations lets pods ride out a short node outage: unless the
// pod already tolerates them, it tolerates the not-ready and unreachable
// NoExecute taints for five minutes.
func addDefaultTolerations(pod *corev1.Pod) {
	for _, key := range []string{corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable} {
		if toleratesNoExecute(pod.Spec.Tolerations, key) {
			continue
		}
		secs := defaultTolerationSeconds
		pod.Spec.Tolerations = append(pod.Spec.Tolerations, corev1.Toleration{
			Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &secs,
		})
	}
}

func toleratesNoExecute(ts []corev1.Toleration, key string) bool {
	for _, t := range ts {
		if (t.Effect == "" || t.Effect == corev1.TaintEffectNoExecute) && (t.Key == key || (t.Key == "" && t.Operator == corev1.TolerationOpExists)) {
			return true
		}
	}
	return false
}

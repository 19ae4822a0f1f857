package job

import (
	"fmt"
	"slices"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// failureVerdict is what spec.podFailurePolicy says about one failed pod.
type failureVerdict struct {
	// action of the first matching rule; empty when no rule matched.
	action batchv1.PodFailurePolicyAction
	// count is whether the failure counts against backoffLimit (false for
	// Ignore).
	count bool
	// failJob is the Job's failure message when the action is FailJob.
	failJob string
}

// matchFailurePolicy applies the rules in order; the first match decides.
// Without a policy, or with no match, the failure counts.
func matchFailurePolicy(p *batchv1.PodFailurePolicy, pod *corev1.Pod) failureVerdict {
	if p == nil {
		return failureVerdict{count: true}
	}
	for i, rule := range p.Rules {
		var what string
		switch {
		case rule.OnExitCodes != nil:
			cs := matchExitCodes(&pod.Status, rule.OnExitCodes)
			if cs == nil {
				continue
			}
			what = fmt.Sprintf("Container %s for pod %s/%s failed with exit code %v matching %v rule at index %d",
				cs.Name, pod.Namespace, pod.Name, cs.State.Terminated.ExitCode, rule.Action, i)
		case rule.OnPodConditions != nil:
			c := matchPodConditions(&pod.Status, rule.OnPodConditions)
			if c == nil {
				continue
			}
			what = fmt.Sprintf("Pod %s/%s has condition %v matching %v rule at index %d", pod.Namespace, pod.Name, c.Type, rule.Action, i)
		default:
			continue
		}
		switch rule.Action {
		case batchv1.PodFailurePolicyActionIgnore:
			return failureVerdict{action: rule.Action}
		case batchv1.PodFailurePolicyActionFailJob:
			return failureVerdict{action: rule.Action, count: true, failJob: what}
		case batchv1.PodFailurePolicyActionCount, batchv1.PodFailurePolicyActionFailIndex:
			return failureVerdict{action: rule.Action, count: true}
		}
	}
	return failureVerdict{count: true}
}

// matchExitCodes returns the first terminated container (init containers
// first) with a non-zero exit code the requirement matches.
func matchExitCodes(st *corev1.PodStatus, req *batchv1.PodFailurePolicyOnExitCodesRequirement) *corev1.ContainerStatus {
	for _, list := range [][]corev1.ContainerStatus{st.InitContainerStatuses, st.ContainerStatuses} {
		for i := range list {
			cs := &list[i]
			t := cs.State.Terminated
			if t == nil || t.ExitCode == 0 {
				continue
			}
			if req.ContainerName != nil && *req.ContainerName != cs.Name {
				continue
			}
			in := slices.Contains(req.Values, t.ExitCode)
			if (req.Operator == batchv1.PodFailurePolicyOnExitCodesOpIn) == in {
				return cs
			}
		}
	}
	return nil
}

func matchPodConditions(st *corev1.PodStatus, patterns []batchv1.PodFailurePolicyOnPodConditionsPattern) *corev1.PodCondition {
	for i := range st.Conditions {
		c := &st.Conditions[i]
		for _, p := range patterns {
			if c.Type == p.Type && c.Status == p.Status {
				return c
			}
		}
	}
	return nil
}

// matchSuccessPolicy reports whether the succeeded indexes meet a rule of
// spec.successPolicy, with upstream's message naming the first such rule.
func matchSuccessPolicy(p *batchv1.SuccessPolicy, completions int, succeeded indexSet) (string, bool) {
	if p == nil || len(succeeded) == 0 {
		return "", false
	}
	for i, rule := range p.Rules {
		met := false
		if rule.SucceededIndexes != nil {
			want := parseIndexes(*rule.SucceededIndexes, completions)
			if len(want) == 0 {
				continue
			}
			n := 0
			for _, sp := range want {
				for ix := sp.first; ix <= sp.last; ix++ {
					if succeeded.has(ix) {
						n++
					}
				}
			}
			if rule.SucceededCount != nil {
				met = n >= int(*rule.SucceededCount)
			} else {
				met = n == want.total()
			}
		} else if rule.SucceededCount != nil {
			met = succeeded.total() >= int(*rule.SucceededCount)
		}
		if met {
			return fmt.Sprintf("Matched rules at index %d", i), true
		}
	}
	return "", false
}

package job

import (
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

func TestIndexSets(t *testing.T) {
	for _, tc := range []struct {
		in          string
		completions int
		add         []int
		want        string
		total       int
	}{
		{in: "", completions: 5, want: "", total: 0},
		{in: "1", completions: 5, want: "1", total: 1},
		{in: "1,2", completions: 5, want: "1,2", total: 2},
		{in: "1-3", completions: 5, want: "1-3", total: 3},
		{in: "1,3-5,7", completions: 10, want: "1,3-5,7", total: 5},
		{in: "3,1,2", completions: 5, want: "1-3", total: 3},
		{in: "1-3,7", completions: 5, want: "1-3", total: 3}, // beyond completions
		{in: "x,2,4-a,-1,6-5", completions: 9, want: "2", total: 1},
		{in: "0,4", completions: 5, add: []int{2, 1, 3, 3}, want: "0-4", total: 5},
		{in: "", completions: 9, add: []int{8, 0, 5, 6}, want: "0,5,6,8", total: 4},
	} {
		s := parseIndexes(tc.in, tc.completions).with(tc.add)
		if got := s.String(); got != tc.want || s.total() != tc.total {
			t.Errorf("parse(%q)+%v = %q (total %d), want %q (%d)", tc.in, tc.add, got, s.total(), tc.want, tc.total)
		}
	}
	s := parseIndexes("1,3-5", 10)
	for i, want := range []bool{false, true, false, true, true, true, false} {
		if s.has(i) != want {
			t.Errorf("has(%d) = %v", i, !want)
		}
	}
}

func exited(code int32, container string) *corev1.Pod {
	p := podAt("p", corev1.PodFailed)
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: container, State: corev1.ContainerState{
		Terminated: &corev1.ContainerStateTerminated{ExitCode: code}}}}
	return p
}

func TestMatchFailurePolicy(t *testing.T) {
	policy := &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
		{Action: batchv1.PodFailurePolicyActionIgnore, OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{
			{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}},
		{Action: batchv1.PodFailurePolicyActionFailJob, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
			ContainerName: ptr.To("main"), Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{42}}},
		{Action: batchv1.PodFailurePolicyActionCount, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
			Operator: batchv1.PodFailurePolicyOnExitCodesOpNotIn, Values: []int32{1, 2}}},
		{Action: batchv1.PodFailurePolicyActionFailIndex, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
			Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{2}}},
	}}
	disrupted := exited(42, "main")
	disrupted.Status.Conditions = []corev1.PodCondition{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}
	for _, tc := range []struct {
		name string
		pod  *corev1.Pod
		want failureVerdict
	}{
		{"disruption is ignored first", disrupted, failureVerdict{action: batchv1.PodFailurePolicyActionIgnore}},
		{"exit 42 in main fails the job", exited(42, "main"), failureVerdict{action: batchv1.PodFailurePolicyActionFailJob, count: true,
			failJob: "Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 1"}},
		{"exit 42 elsewhere counts (NotIn 1,2)", exited(42, "side"), failureVerdict{action: batchv1.PodFailurePolicyActionCount, count: true}},
		{"exit 2 fails the index", exited(2, "main"), failureVerdict{action: batchv1.PodFailurePolicyActionFailIndex, count: true}},
		{"exit 1 matches nothing and counts", exited(1, "main"), failureVerdict{count: true}},
		{"exit 0 never matches exit-code rules", exited(0, "main"), failureVerdict{count: true}},
	} {
		if got := matchFailurePolicy(policy, tc.pod); got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
	if got := matchFailurePolicy(nil, exited(1, "main")); !got.count {
		t.Errorf("no policy: %+v", got)
	}
	cond := exited(1, "main")
	cond.Status.Conditions = []corev1.PodCondition{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}
	failOnCond := &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{Action: batchv1.PodFailurePolicyActionFailJob,
		OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}}}}
	if got := matchFailurePolicy(failOnCond, cond).failJob; got != "Pod ns/p has condition DisruptionTarget matching FailJob rule at index 0" {
		t.Errorf("condition message = %q", got)
	}
}

func TestMatchSuccessPolicy(t *testing.T) {
	succeeded := parseIndexes("0,2-4", 10)
	for _, tc := range []struct {
		name  string
		rules []batchv1.SuccessPolicyRule
		want  string
	}{
		{"indexes all succeeded", []batchv1.SuccessPolicyRule{{SucceededIndexes: ptr.To("2-4")}}, "Matched rules at index 0"},
		{"indexes missing one", []batchv1.SuccessPolicyRule{{SucceededIndexes: ptr.To("0-2")}}, ""},
		{"count within indexes", []batchv1.SuccessPolicyRule{{SucceededIndexes: ptr.To("0-2")}, {SucceededIndexes: ptr.To("0-3"), SucceededCount: ptr.To[int32](3)}}, "Matched rules at index 1"},
		{"count alone", []batchv1.SuccessPolicyRule{{SucceededCount: ptr.To[int32](5)}, {SucceededCount: ptr.To[int32](4)}}, "Matched rules at index 1"},
	} {
		msg, ok := matchSuccessPolicy(&batchv1.SuccessPolicy{Rules: tc.rules}, 10, succeeded)
		if msg != tc.want || ok != (tc.want != "") {
			t.Errorf("%s: got %q %v, want %q", tc.name, msg, ok, tc.want)
		}
	}
}

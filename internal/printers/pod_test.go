package printers

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// podBuilder builds test pods: newPod("p", "app").phase(...).status(...).obj().
type podBuilder struct{ p corev1.Pod }

func newPod(name string, containers ...string) *podBuilder {
	b := &podBuilder{p: corev1.Pod{ObjectMeta: objMeta(name)}}
	for _, c := range containers {
		b.p.Spec.Containers = append(b.p.Spec.Containers, corev1.Container{Name: c, Image: c + ":1"})
	}
	b.p.Status.Phase = corev1.PodPending
	return b
}

func (b *podBuilder) phase(p corev1.PodPhase) *podBuilder { b.p.Status.Phase = p; return b }
func (b *podBuilder) reason(r string) *podBuilder         { b.p.Status.Reason = r; return b }
func (b *podBuilder) deleted() *podBuilder {
	t := ago(time.Minute)
	b.p.DeletionTimestamp = &t
	return b
}

func (b *podBuilder) status(cs ...corev1.ContainerStatus) *podBuilder {
	b.p.Status.ContainerStatuses = append(b.p.Status.ContainerStatuses, cs...)
	return b
}

func (b *podBuilder) initContainers(names ...string) *podBuilder {
	for _, n := range names {
		b.p.Spec.InitContainers = append(b.p.Spec.InitContainers, corev1.Container{Name: n})
	}
	return b
}

func (b *podBuilder) sidecar(name string) *podBuilder {
	always := corev1.ContainerRestartPolicyAlways
	b.p.Spec.InitContainers = append(b.p.Spec.InitContainers, corev1.Container{Name: name, RestartPolicy: &always})
	return b
}

func (b *podBuilder) initStatus(cs ...corev1.ContainerStatus) *podBuilder {
	b.p.Status.InitContainerStatuses = append(b.p.Status.InitContainerStatuses, cs...)
	return b
}

func (b *podBuilder) condition(t corev1.PodConditionType, s corev1.ConditionStatus, reason string) *podBuilder {
	b.p.Status.Conditions = append(b.p.Status.Conditions, corev1.PodCondition{Type: t, Status: s, Reason: reason})
	return b
}

func (b *podBuilder) obj() *corev1.Pod { return &b.p }

func running(name string, ready bool) corev1.ContainerStatus {
	started := true
	return corev1.ContainerStatus{Name: name, Ready: ready, Started: &started,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: ago(5 * time.Minute)}}}
}

func waiting(name, reason string) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}}
}

func terminated(name, reason string, exitCode, signal int32) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		Reason: reason, ExitCode: exitCode, Signal: signal, FinishedAt: ago(time.Minute)}}}
}

// restarted records n restarts, the last of which ended finished ago.
func restarted(cs corev1.ContainerStatus, n int32, finished time.Duration) corev1.ContainerStatus {
	cs.RestartCount = n
	cs.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", FinishedAt: ago(finished)}
	return cs
}

func TestPodStatus(t *testing.T) {
	tests := []struct {
		name string
		pod  *corev1.Pod
		// want holds the Ready, Status and Restarts cells.
		want []interface{}
	}{
		{"pending", newPod("p", "app").obj(), []interface{}{"0/1", "Pending", "0"}},
		{"pending, image pulling", newPod("p", "app").status(waiting("app", "ContainerCreating")).obj(),
			[]interface{}{"0/1", "ContainerCreating", "0"}},
		{"running ready", newPod("p", "app").phase(corev1.PodRunning).status(running("app", true)).obj(),
			[]interface{}{"1/1", "Running", "0"}},
		{"running not ready", newPod("p", "app", "side").phase(corev1.PodRunning).
			status(running("app", true), running("side", false)).obj(),
			[]interface{}{"1/2", "Running", "0"}},
		{"scheduling gated", newPod("p", "app").condition(corev1.PodScheduled, corev1.ConditionFalse, corev1.PodReasonSchedulingGated).obj(),
			[]interface{}{"0/1", "SchedulingGated", "0"}},
		{"init container running", newPod("p", "app").initContainers("init1", "init2").
			initStatus(terminated("init1", "Completed", 0, 0), running("init2", false)).
			status(waiting("app", "PodInitializing")).obj(),
			[]interface{}{"0/1", "Init:1/2", "0"}},
		{"init container waiting to start", newPod("p", "app").initContainers("init").
			initStatus(waiting("init", "PodInitializing")).status(waiting("app", "PodInitializing")).obj(),
			[]interface{}{"0/1", "Init:0/1", "0"}},
		{"init container crash looping", newPod("p", "app").initContainers("init").
			initStatus(restarted(waiting("init", "CrashLoopBackOff"), 4, 30*time.Second)).
			status(waiting("app", "PodInitializing")).obj(),
			[]interface{}{"0/1", "Init:CrashLoopBackOff", "4 (30s ago)"}},
		{"init container failed", newPod("p", "app").initContainers("init").
			initStatus(terminated("init", "Error", 1, 0)).obj(),
			[]interface{}{"0/1", "Init:Error", "0"}},
		{"init container exit code", newPod("p", "app").initContainers("init").
			initStatus(terminated("init", "", 2, 0)).obj(),
			[]interface{}{"0/1", "Init:ExitCode:2", "0"}},
		{"init container signal", newPod("p", "app").initContainers("init").
			initStatus(terminated("init", "", 137, 9)).obj(),
			[]interface{}{"0/1", "Init:Signal:9", "0"}},
		{"pod initializing", newPod("p", "app").initContainers("init").
			initStatus(terminated("init", "Completed", 0, 0)).status(waiting("app", "PodInitializing")).obj(),
			[]interface{}{"0/1", "PodInitializing", "0"}},
		{"crash loop back-off", newPod("p", "app").phase(corev1.PodRunning).
			status(restarted(waiting("app", "CrashLoopBackOff"), 3, 2*time.Minute)).obj(),
			[]interface{}{"0/1", "CrashLoopBackOff", "3 (2m ago)"}},
		{"restarts without a last termination", newPod("p", "app").phase(corev1.PodRunning).
			status(func() corev1.ContainerStatus { c := running("app", true); c.RestartCount = 3; return c }()).obj(),
			[]interface{}{"1/1", "Running", "3"}},
		{"completed", newPod("p", "app").phase(corev1.PodSucceeded).status(terminated("app", "Completed", 0, 0)).obj(),
			[]interface{}{"0/1", "Completed", "0"}},
		{"error", newPod("p", "app").phase(corev1.PodFailed).status(terminated("app", "Error", 1, 0)).obj(),
			[]interface{}{"0/1", "Error", "0"}},
		{"exit code", newPod("p", "app").phase(corev1.PodFailed).status(terminated("app", "", 3, 0)).obj(),
			[]interface{}{"0/1", "ExitCode:3", "0"}},
		{"signal", newPod("p", "app").phase(corev1.PodFailed).status(terminated("app", "", 143, 15)).obj(),
			[]interface{}{"0/1", "Signal:15", "0"}},
		{"evicted", newPod("p", "app").phase(corev1.PodFailed).reason("Evicted").obj(),
			[]interface{}{"0/1", "Evicted", "0"}},
		{"one completed, one running, pod ready", newPod("p", "a", "b").phase(corev1.PodRunning).
			status(running("a", true), terminated("b", "Completed", 0, 0)).
			condition(corev1.PodReady, corev1.ConditionTrue, "").obj(),
			[]interface{}{"1/2", "Running", "0"}},
		{"one completed, one running, pod not ready", newPod("p", "a", "b").phase(corev1.PodRunning).
			status(running("a", true), terminated("b", "Completed", 0, 0)).
			condition(corev1.PodReady, corev1.ConditionFalse, "").obj(),
			[]interface{}{"1/2", "NotReady", "0"}},
		{"sidecar", newPod("p", "app").sidecar("proxy").phase(corev1.PodRunning).
			initStatus(restarted(running("proxy", true), 2, 3*time.Minute)).
			status(restarted(running("app", true), 1, 4*time.Minute)).
			condition(corev1.PodInitialized, corev1.ConditionTrue, "").obj(),
			[]interface{}{"2/2", "Running", "3 (3m ago)"}},
		{"sidecar not started yet", newPod("p", "app").sidecar("proxy").
			initStatus(waiting("proxy", "ContainerCreating")).status(waiting("app", "PodInitializing")).obj(),
			[]interface{}{"0/2", "Init:ContainerCreating", "0"}},
		{"terminating", newPod("p", "app").phase(corev1.PodRunning).status(running("app", true)).deleted().obj(),
			[]interface{}{"1/1", "Terminating", "0"}},
		{"deleted after completion", newPod("p", "app").phase(corev1.PodSucceeded).
			status(terminated("app", "Completed", 0, 0)).deleted().obj(),
			[]interface{}{"0/1", "Completed", "0"}},
		{"node lost", newPod("p", "app").phase(corev1.PodRunning).reason("NodeLost").
			status(running("app", true)).deleted().obj(),
			[]interface{}{"1/1", "Unknown", "0"}},
		{"spurious init container status", newPod("p", "app").initStatus(running("ghost", true)).obj(),
			[]interface{}{"0/1", "Init:0/0", "0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cells := rowOfKind(t, podKind, tt.pod)
			if diff := cmp.Diff(tt.want, cells[1:4]); diff != "" {
				t.Errorf("Ready, Status, Restarts (-want +got):\n%s", diff)
			}
		})
	}
}

var podKind = corev1.SchemeGroupVersion.WithKind("Pod").GroupKind()

func TestPodRow(t *testing.T) {
	gated := newPod("web", "app").phase(corev1.PodRunning).status(running("app", true)).
		condition(corev1.PodReady, corev1.ConditionTrue, "").
		condition("example.com/lb", corev1.ConditionTrue, "").obj()
	gated.Spec.NodeName = "node-1"
	gated.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "example.com/lb"}, {ConditionType: "example.com/dns"}}
	gated.Status.PodIP = "10.0.0.9"
	gated.Status.PodIPs = []corev1.PodIP{{IP: "10.0.0.7"}, {IP: "fd00::7"}}
	gated.Status.NominatedNodeName = "node-2"

	tests := []struct {
		name string
		pod  *corev1.Pod
		want []interface{}
	}{
		{"unscheduled", newPod("p", "app").obj(),
			[]interface{}{"p", "0/1", "Pending", "0", "10m", "<none>", "<none>", "<none>", "<none>"}},
		{"placed, with readiness gates", gated,
			[]interface{}{"web", "1/1", "Running", "0", "10m", "10.0.0.7", "node-1", "node-2", "1/2"}},
		{"no creation time", &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "x"}},
			[]interface{}{"x", "0/0", "", "0", "<unknown>", "<none>", "<none>", "<none>", "<none>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, rowOfKind(t, podKind, tt.pod)); diff != "" {
				t.Errorf("row (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPodTemplateRow(t *testing.T) {
	pt := &corev1.PodTemplate{ObjectMeta: objMeta("tmpl")}
	pt.Template.Labels = map[string]string{"app": "web", "tier": "front"}
	pt.Template.Spec.Containers = []corev1.Container{{Name: "a", Image: "nginx"}, {Name: "b", Image: "busybox"}}
	want := []interface{}{"tmpl", "a,b", "nginx,busybox", "app=web,tier=front"}
	if diff := cmp.Diff(want, rowOfKind(t, corev1.SchemeGroupVersion.WithKind("PodTemplate").GroupKind(), pt)); diff != "" {
		t.Errorf("row (-want +got):\n%s", diff)
	}
}

package e2e

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// rolloutKubelet plays the scheduler and the kubelets through client-go:
// it binds pods to a node, reports them Running and Ready (unless gated)
// and finishes graceful deletions.
type rolloutKubelet struct {
	mu    sync.Mutex
	ready func(*corev1.Pod) bool
}

func startRolloutKubelet(t *testing.T, c kubernetes.Interface, ns string) *rolloutKubelet {
	k := &rolloutKubelet{ready: func(*corev1.Pod) bool { return true }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			k.step(ctx, c, ns)
			select {
			case <-ctx.Done():
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return k
}

func (k *rolloutKubelet) gate(f func(*corev1.Pod) bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.ready = f
}

func (k *rolloutKubelet) step(ctx context.Context, c kubernetes.Interface, ns string) {
	pods, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return
	}
	k.mu.Lock()
	readyFn := k.ready
	k.mu.Unlock()
	for i := range pods.Items {
		p := &pods.Items[i]
		switch {
		case p.DeletionTimestamp != nil:
			_ = c.CoreV1().Pods(ns).Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To(int64(0))})
		case p.Spec.NodeName == "":
			_ = c.CoreV1().Pods(ns).Bind(ctx, &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: p.Name},
				Target: corev1.ObjectReference{Kind: "Node", Name: "node-1"}}, metav1.CreateOptions{})
		default:
			want := corev1.ConditionFalse
			if readyFn(p) {
				want = corev1.ConditionTrue
			}
			if p.Status.Phase == corev1.PodRunning && len(p.Status.Conditions) == 1 && p.Status.Conditions[0].Status == want {
				continue
			}
			p.Status.Phase = corev1.PodRunning
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: want, LastTransitionTime: metav1.Now()}}
			_, _ = c.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{})
		}
	}
}

// rolloutImages lists the images of the live pods of ns.
func rolloutImages(t *testing.T, c kubernetes.Interface, ns string) map[string]int {
	t.Helper()
	pods, err := c.CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil {
			out[p.Spec.Containers[0].Image]++
		}
	}
	return out
}

// rolloutSettled waits until the namespace runs exactly want pods of one
// image (old pods gone).
func rolloutSettled(t *testing.T, c kubernetes.Interface, ns, image string, want int) {
	t.Helper()
	var got map[string]int
	err := wait.PollUntilContextTimeout(t.Context(), 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		got = rolloutImages(t, c, ns)
		return len(got) == 1 && got[image] == want, nil
	})
	if err != nil {
		t.Fatalf("pods never settled on %d × %s: %v", want, image, got)
	}
}

// waitDeploymentPods waits until the controllers have given Deployment
// name its ReplicaSet and n pods (there is no kubelet: they stay pending).
func waitDeploymentPods(t *testing.T, k *kubectl, name string, n int32) {
	t.Helper()
	var d appsv1.Deployment
	err := wait.PollUntilContextTimeout(t.Context(), 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		k.getJSON(&d, "get", "deployment", name)
		return d.Status.ObservedGeneration == d.Generation && d.Status.Replicas == n && d.Status.UpdatedReplicas == n, nil
	})
	if err != nil {
		t.Fatalf("deployment %s never had %d pods: %+v", name, n, d.Status)
	}
}

// rolloutHistory is the table of `kubectl rollout history deployment/web`
// (after its "deployment.apps/web" title line).
func rolloutHistory(t *testing.T, k *kubectl) table {
	t.Helper()
	out := k.ok("rollout", "history", "deployment/web")
	title, rest, _ := strings.Cut(out, "\n")
	tables := parseTables(rest)
	if strings.TrimSpace(title) != "deployment.apps/web" || len(tables) != 1 || tables[0].column("CHANGE-CAUSE") != 1 {
		t.Fatalf("rollout history output:\n%s", out)
	}
	return tables[0]
}

// The rollout commands users run, with the stock kubectl, against a berth
// process whose controllers do the work; the test plays the kubelet.
func TestRollout(t *testing.T) {
	s := startServer(t)
	k := s.kubectl(t)
	c := s.client(t)
	const ns = "default"
	kubelet := startRolloutKubelet(t, c, ns)
	status := func() string {
		t.Helper()
		return k.ok("rollout", "status", "deployment/web", "--timeout=60s")
	}
	const done = "deployment \"web\" successfully rolled out\n"

	if out := strings.TrimSpace(k.ok("create", "deployment", "web", "--image=nginx:1", "--replicas=3")); out != "deployment.apps/web created" {
		t.Fatalf("create deployment: %q", out)
	}
	if out := status(); !strings.HasSuffix(out, done) {
		t.Fatalf("rollout status: %q", out)
	}
	rolloutSettled(t, c, ns, "nginx:1", 3)

	k.ok("scale", "deployment/web", "--replicas=4")
	if out := status(); !strings.HasSuffix(out, done) {
		t.Fatalf("rollout status after scale: %q", out)
	}
	rolloutSettled(t, c, ns, "nginx:1", 4)

	// rollout status must wait while new pods are not ready, report the
	// progress as upstream words it, and finish once they are.
	kubelet.gate(func(p *corev1.Pod) bool { return p.Spec.Containers[0].Image != "nginx:2" })
	k.ok("set", "image", "deployment/web", "nginx=nginx:2")
	k.ok("annotate", "deployment/web", "kubernetes.io/change-cause=to nginx:2")
	watch := k.start("rollout", "status", "deployment/web", "--timeout=60s")
	watch.until(30*time.Second, `Waiting for deployment "web" rollout to finish: `)
	var d appsv1.Deployment
	k.getJSON(&d, "get", "deployment", "web")
	if d.Status.UpdatedReplicas == 4 && d.Status.AvailableReplicas == 4 && d.Status.Replicas == 4 {
		t.Fatalf("rollout complete although new pods are not ready: %+v", d.Status)
	}
	kubelet.gate(func(*corev1.Pod) bool { return true })
	watch.until(30*time.Second, strings.TrimSpace(done))
	k.getJSON(&d, "get", "deployment", "web")
	if d.Status.UpdatedReplicas != 4 || d.Status.AvailableReplicas != 4 || d.Status.Replicas != 4 || d.Annotations["deployment.kubernetes.io/revision"] != "2" {
		t.Fatalf("after rollout status returned: revision %q, status %+v", d.Annotations["deployment.kubernetes.io/revision"], d.Status)
	}
	rolloutSettled(t, c, ns, "nginx:2", 4)

	history := rolloutHistory(t, k)
	if history.row("1") == nil || history.row("2") == nil {
		t.Fatalf("rollout history: %+v", history)
	}
	if cause := history.row("2")[1]; cause != "to nginx:2" {
		t.Errorf("revision 2 CHANGE-CAUSE %q, want the deployment's annotation", cause)
	}
	if cause := history.row("1")[1]; cause != "<none>" {
		t.Errorf("revision 1 CHANGE-CAUSE %q, want <none>", cause)
	}
	if out := k.ok("rollout", "history", "deployment/web", "--revision=1"); !strings.Contains(out, "Image:\tnginx:1") && !strings.Contains(out, "nginx:1") {
		t.Errorf("history of revision 1 lacks its image:\n%s", out)
	}

	if out := strings.TrimSpace(k.ok("rollout", "undo", "deployment/web")); out != "deployment.apps/web rolled back" {
		t.Fatalf("rollout undo: %q", out)
	}
	if out := status(); !strings.HasSuffix(out, done) {
		t.Fatalf("rollout status after undo: %q", out)
	}
	rolloutSettled(t, c, ns, "nginx:1", 4)
	if history = rolloutHistory(t, k); history.row("1") != nil || history.row("2") == nil || history.row("3") == nil {
		t.Fatalf("history after undo should have revisions 2 and 3 (1 became 3): %+v", history)
	}

	k.ok("rollout", "pause", "deployment/web")
	k.ok("set", "image", "deployment/web", "nginx=nginx:3")
	if r := k.fails("rollout", "undo", "deployment/web"); !strings.Contains(r.stderr, "you cannot rollback a paused deployment") {
		t.Errorf("undo of a paused deployment: %s", r)
	}
	k.ok("scale", "deployment/web", "--replicas=2")
	err := wait.PollUntilContextTimeout(t.Context(), 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		k.getJSON(&d, "get", "deployment", "web")
		return d.Status.ObservedGeneration == d.Generation && d.Status.Replicas == 2, nil
	})
	if err != nil {
		t.Fatalf("paused deployment did not scale: %+v", d.Status)
	}
	if imgs := rolloutImages(t, c, ns); imgs["nginx:3"] != 0 {
		t.Fatalf("paused deployment rolled out: %v", imgs)
	}
	k.ok("rollout", "resume", "deployment/web")
	if out := status(); !strings.HasSuffix(out, done) {
		t.Fatalf("rollout status after resume: %q", out)
	}
	rolloutSettled(t, c, ns, "nginx:3", 2)

	if out := strings.TrimSpace(k.ok("rollout", "restart", "deployment/web")); out != "deployment.apps/web restarted" {
		t.Fatalf("rollout restart: %q", out)
	}
	if out := status(); !strings.HasSuffix(out, done) {
		t.Fatalf("rollout status after restart: %q", out)
	}
	err = wait.PollUntilContextTimeout(t.Context(), 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		pods, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		n := 0
		for _, p := range pods.Items {
			if p.Annotations["kubectl.kubernetes.io/restartedAt"] == "" {
				return false, nil
			}
			n++
		}
		return n == 2, nil
	})
	if err != nil {
		t.Fatalf("pods were not all replaced by the restart: %v", err)
	}
	k.getJSON(&d, "get", "deployment", "web")
	if d.Annotations["deployment.kubernetes.io/revision"] != "5" {
		t.Errorf("revision after restart %q, want 5", d.Annotations["deployment.kubernetes.io/revision"])
	}
}

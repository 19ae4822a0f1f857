package integration

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/testutil"
)

// deployKubelet plays the scheduler and the kubelet of one namespace:
// it binds pods to a node, reports them Running (Ready when ready says
// so) and finishes graceful deletions unless told to hold them.
type deployKubelet struct {
	c  kubernetes.Interface
	ns string

	mu    sync.Mutex
	ready func(*corev1.Pod) bool
	hold  bool
}

func deployStartKubelet(t *testing.T, c kubernetes.Interface, ns string) *deployKubelet {
	k := &deployKubelet{c: c, ns: ns, ready: func(*corev1.Pod) bool { return true }}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			k.step(ctx)
			select {
			case <-ctx.Done():
			case <-time.After(15 * time.Millisecond):
			}
		}
	}()
	return k
}

func (k *deployKubelet) setReady(f func(*corev1.Pod) bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.ready = f
}

func (k *deployKubelet) holdDeletes(hold bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.hold = hold
}

func (k *deployKubelet) step(ctx context.Context) {
	list, err := k.c.CoreV1().Pods(k.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return
	}
	k.mu.Lock()
	readyFn, hold := k.ready, k.hold
	k.mu.Unlock()
	for i := range list.Items {
		p := &list.Items[i]
		switch {
		case p.DeletionTimestamp != nil:
			if !hold {
				_ = k.c.CoreV1().Pods(k.ns).Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To(int64(0))})
			}
		case p.Spec.NodeName == "":
			_ = k.c.CoreV1().Pods(k.ns).Bind(ctx, &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: p.Name},
				Target: corev1.ObjectReference{Kind: "Node", Name: "node-1"}}, metav1.CreateOptions{})
		default:
			want := readyFn(p)
			if p.Status.Phase == corev1.PodRunning && deployPodReady(p) == want {
				continue
			}
			_ = rsSetReady(ctx, k.c, p, want)
		}
	}
}

func deployPodReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// deployWait polls the Deployment until ok accepts it.
func deployWait(t *testing.T, c kubernetes.Interface, ns, name, what string, ok func(*appsv1.Deployment) bool) *appsv1.Deployment {
	t.Helper()
	var last *appsv1.Deployment
	err := rsWaitLong(t.Context(), func(ctx context.Context) (bool, error) {
		d, err := c.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = d
		return ok(d), nil
	})
	if err != nil {
		t.Fatalf("waiting for deployment %s: %s: %v; last status %+v", name, what, err, last.Status)
	}
	return last
}

// deployComplete is `kubectl rollout status`'s test for done.
func deployComplete(d *appsv1.Deployment) bool {
	n := *d.Spec.Replicas
	return d.Generation <= d.Status.ObservedGeneration && d.Status.UpdatedReplicas == n &&
		d.Status.Replicas == n && d.Status.AvailableReplicas == n
}

func deployCondition(d *appsv1.Deployment, t appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range d.Status.Conditions {
		if d.Status.Conditions[i].Type == t {
			return &d.Status.Conditions[i]
		}
	}
	return nil
}

// deployRSs lists the ReplicaSets of ns by name.
func deployRSs(ctx context.Context, c kubernetes.Interface, ns string) (map[string]appsv1.ReplicaSet, error) {
	list, err := c.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := map[string]appsv1.ReplicaSet{}
	for _, rs := range list.Items {
		out[rs.Name] = rs
	}
	return out, nil
}

func deploySetImage(t *testing.T, c kubernetes.Interface, ns, name, image string) {
	t.Helper()
	patch := fmt.Sprintf(`{"spec":{"template":{"spec":{"containers":[{"name":"app","image":%q}]}}}}`, image)
	if _, err := c.AppsV1().Deployments(ns).Patch(t.Context(), name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}

// A rolling update replaces every pod while the ReplicaSets never add up
// to more than replicas+maxSurge (25% of 5 rounds up to 2) and ready pods
// never drop below replicas-maxUnavailable (25% of 5 rounds down to 1),
// with new pods becoming ready one at a time, at the test's pace; both
// bounds are actually reached.
func TestDeploymentRollingUpdateBounds(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"replicaset", "deployment"}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	k := deployStartKubelet(t, c, ns)
	in := deployment("web", 5)
	in.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{
		MaxSurge: ptr.To(intstr.FromString("25%")), MaxUnavailable: ptr.To(intstr.FromString("25%"))}
	if _, err := c.AppsV1().Deployments(ns).Create(ctx, in, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	d := deployWait(t, c, ns, "web", "first rollout", deployComplete)
	if got := d.Annotations["deployment.kubernetes.io/revision"]; got != "1" {
		t.Errorf("revision %q, want 1", got)
	}
	rss, err := deployRSs(ctx, c, ns)
	if err != nil || len(rss) != 1 {
		t.Fatalf("replica sets %v, %v", rss, err)
	}
	var oldHash string
	for _, rs := range rss {
		oldHash = rs.Labels["pod-template-hash"]
		if rs.Name != "web-"+oldHash || rs.Spec.Selector.MatchLabels["pod-template-hash"] != oldHash || rs.Spec.Template.Labels["pod-template-hash"] != oldHash {
			t.Fatalf("replica set %s: hash label/selector %v %v", rs.Name, rs.Labels, rs.Spec.Selector)
		}
		if rs.Annotations["deployment.kubernetes.io/desired-replicas"] != "5" || rs.Annotations["deployment.kubernetes.io/max-replicas"] != "7" {
			t.Errorf("annotations %v", rs.Annotations)
		}
	}

	// New pods become ready only when the test allows, one at a time.
	var mu sync.Mutex
	allowed := map[string]bool{}
	k.setReady(func(p *corev1.Pod) bool {
		mu.Lock()
		defer mu.Unlock()
		return p.Labels["pod-template-hash"] == oldHash || allowed[p.Name]
	})
	type sample struct{ specSum, readyPods int }
	var samples []sample
	monitorCtx, stop := context.WithCancel(ctx)
	monitored := make(chan struct{})
	go func() {
		defer close(monitored)
		for monitorCtx.Err() == nil {
			rss, err1 := deployRSs(monitorCtx, c, ns)
			pods, err2 := c.CoreV1().Pods(ns).List(monitorCtx, metav1.ListOptions{})
			if err1 == nil && err2 == nil {
				s := sample{}
				for _, rs := range rss {
					s.specSum += int(*rs.Spec.Replicas)
				}
				for _, p := range pods.Items {
					if p.DeletionTimestamp == nil && deployPodReady(&p) {
						s.readyPods++
					}
				}
				samples = append(samples, s)
			}
			select {
			case <-monitorCtx.Done():
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	deploySetImage(t, c, ns, "web", "nginx:2")
	err = rsWaitLong(ctx, func(ctx context.Context) (bool, error) {
		d, err := c.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		if deployComplete(d) && d.Status.UpdatedReplicas == 5 && d.Status.ObservedGeneration == d.Generation && d.Status.Replicas == 5 {
			return true, nil
		}
		// Let one more new pod become ready.
		pods, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, p := range pods.Items {
			if p.Labels["pod-template-hash"] != oldHash && !allowed[p.Name] && p.Status.Phase == corev1.PodRunning {
				allowed[p.Name] = true
				break
			}
		}
		return false, nil
	})
	stop()
	<-monitored
	if err != nil {
		t.Fatalf("rollout did not finish: %v", err)
	}
	maxSpec, minReady := 0, 100
	for _, s := range samples {
		maxSpec = max(maxSpec, s.specSum)
		minReady = min(minReady, s.readyPods)
	}
	if maxSpec > 7 || minReady < 4 {
		t.Fatalf("bounds broken: replica sets summed to %d (max 7), ready pods fell to %d (min 4)", maxSpec, minReady)
	}
	if maxSpec != 7 || minReady != 4 {
		t.Errorf("bounds not used: replica sets summed to at most %d (surge allows 7), ready pods at least %d (4 allowed)", maxSpec, minReady)
	}
	d = deployWait(t, c, ns, "web", "progressing condition", func(d *appsv1.Deployment) bool {
		p := deployCondition(d, appsv1.DeploymentProgressing)
		return p != nil && p.Reason == "NewReplicaSetAvailable" && p.Status == corev1.ConditionTrue
	})
	if a := deployCondition(d, appsv1.DeploymentAvailable); a == nil || a.Reason != "MinimumReplicasAvailable" {
		t.Errorf("Available condition %+v", a)
	}
	if d.Annotations["deployment.kubernetes.io/revision"] != "2" {
		t.Errorf("revision %q, want 2", d.Annotations["deployment.kubernetes.io/revision"])
	}
	poll(t, "scaling events", func(ctx context.Context) (bool, error) {
		evs, err := c.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		up, down := false, false
		for _, e := range evs.Items {
			if e.Reason != "ScalingReplicaSet" || e.Source.Component != "deployment-controller" {
				continue
			}
			up = up || e.Message == fmt.Sprintf("Scaled up replica set web-%s from 0 to 5", oldHash)
			down = down || strings.HasPrefix(e.Message, fmt.Sprintf("Scaled down replica set web-%s from 5 to ", oldHash))
		}
		return up && down, nil
	})
}

// Rolling back (as kubectl rollout undo does: the old ReplicaSet's
// template copied into the Deployment) reuses the old ReplicaSet, which
// takes the next revision; history beyond revisionHistoryLimit is deleted.
func TestDeploymentRollbackAndHistory(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"replicaset", "deployment"}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	deployStartKubelet(t, c, ns)
	in := deployment("web", 2)
	in.Spec.RevisionHistoryLimit = ptr.To(int32(1))
	if _, err := c.AppsV1().Deployments(ns).Create(ctx, in, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deployWait(t, c, ns, "web", "v1", deployComplete)
	deploySetImage(t, c, ns, "web", "nginx:2")
	deployWait(t, c, ns, "web", "v2", func(d *appsv1.Deployment) bool {
		return deployComplete(d) && d.Annotations["deployment.kubernetes.io/revision"] == "2"
	})
	rss, err := deployRSs(ctx, c, ns)
	if err != nil {
		t.Fatal(err)
	}
	var v1 appsv1.ReplicaSet
	for _, rs := range rss {
		if rs.Annotations["deployment.kubernetes.io/revision"] == "1" {
			v1 = rs
		}
	}
	if v1.Name == "" {
		t.Fatalf("no revision 1 replica set in %v", rss)
	}
	// kubectl rollout undo: the old template, without its hash label.
	tmpl := v1.Spec.Template.DeepCopy()
	delete(tmpl.Labels, "pod-template-hash")
	d, err := c.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d.Spec.Template = *tmpl
	if _, err := c.AppsV1().Deployments(ns).Update(ctx, d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	d = deployWait(t, c, ns, "web", "rolled back", func(d *appsv1.Deployment) bool {
		return deployComplete(d) && d.Annotations["deployment.kubernetes.io/revision"] == "3"
	})
	if img := d.Spec.Template.Spec.Containers[0].Image; img != "nginx" {
		t.Fatalf("image %q after rollback", img)
	}
	poll(t, "old replica set reused with revision 3, history 1", func(ctx context.Context) (bool, error) {
		rss, err := deployRSs(ctx, c, ns)
		if err != nil {
			return false, err
		}
		rs, ok := rss[v1.Name]
		return ok && len(rss) == 2 && *rs.Spec.Replicas == 2 && rs.Annotations["deployment.kubernetes.io/revision"] == "3" &&
			rs.Annotations["deployment.kubernetes.io/revision-history"] == "1", nil
	})
	// A third template: the limit of 1 keeps only the latest old one.
	deploySetImage(t, c, ns, "web", "nginx:3")
	deployWait(t, c, ns, "web", "v3", func(d *appsv1.Deployment) bool {
		return deployComplete(d) && d.Annotations["deployment.kubernetes.io/revision"] == "4"
	})
	poll(t, "history cleaned to 1 old replica set", func(ctx context.Context) (bool, error) {
		rss, err := deployRSs(ctx, c, ns)
		if err != nil {
			return false, err
		}
		_, kept := rss[v1.Name]
		return len(rss) == 2 && kept, nil
	})
}

// Recreate scales the old ReplicaSet to zero and creates the new one only
// once the old pods are gone, not merely terminating.
func TestDeploymentRecreate(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"replicaset", "deployment"}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	k := deployStartKubelet(t, c, ns)
	in := deployment("db", 3)
	in.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	if _, err := c.AppsV1().Deployments(ns).Create(ctx, in, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deployWait(t, c, ns, "db", "v1", deployComplete)
	k.holdDeletes(true)
	deploySetImage(t, c, ns, "db", "nginx:2")
	poll(t, "old pods terminating", func(ctx context.Context) (bool, error) {
		pods, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		n := 0
		for _, p := range pods.Items {
			if p.DeletionTimestamp != nil {
				n++
			}
		}
		return n == 3 && len(pods.Items) == 3, nil
	})
	// While they terminate, nothing new starts.
	if err := rsQuiet(ctx, time.Second); err != nil {
		t.Fatal(err)
	}
	rss, err := deployRSs(ctx, c, ns)
	if err != nil {
		t.Fatal(err)
	}
	if len(rss) != 1 {
		t.Fatalf("a new replica set exists while old pods terminate: %d replica sets", len(rss))
	}
	k.holdDeletes(false)
	deployWait(t, c, ns, "db", "v2", func(d *appsv1.Deployment) bool {
		return deployComplete(d) && d.Annotations["deployment.kubernetes.io/revision"] == "2"
	})
}

// A paused Deployment takes template changes without rolling them out,
// still applies scaling, says so in its Progressing condition, and rolls
// out once resumed.
func TestDeploymentPauseResume(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"replicaset", "deployment"}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	deployStartKubelet(t, c, ns)
	if _, err := c.AppsV1().Deployments(ns).Create(ctx, deployment("web", 2), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deployWait(t, c, ns, "web", "v1", deployComplete)
	patch := func(p string) {
		t.Helper()
		if _, err := c.AppsV1().Deployments(ns).Patch(ctx, "web", types.StrategicMergePatchType, []byte(p), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	patch(`{"spec":{"paused":true}}`)
	deploySetImage(t, c, ns, "web", "nginx:2")
	patch(`{"spec":{"replicas":4}}`)
	d := deployWait(t, c, ns, "web", "paused and scaled", func(d *appsv1.Deployment) bool {
		p := deployCondition(d, appsv1.DeploymentProgressing)
		return d.Status.ObservedGeneration == d.Generation && p != nil && p.Reason == "DeploymentPaused" &&
			p.Status == corev1.ConditionUnknown && d.Status.Replicas == 4 && d.Status.AvailableReplicas == 4
	})
	if d.Status.UpdatedReplicas != 0 {
		t.Fatalf("paused deployment rolled out %d replicas", d.Status.UpdatedReplicas)
	}
	rss, _ := deployRSs(ctx, c, ns)
	if len(rss) != 1 {
		t.Fatalf("paused deployment made a new replica set: %d", len(rss))
	}
	patch(`{"spec":{"paused":false}}`)
	deployWait(t, c, ns, "web", "resumed and rolled out", func(d *appsv1.Deployment) bool {
		p := deployCondition(d, appsv1.DeploymentProgressing)
		return deployComplete(d) && d.Status.UpdatedReplicas == 4 && p != nil && p.Reason == "NewReplicaSetAvailable"
	})
	poll(t, "resumed condition was recorded (event-free check: the rollout's events)", func(ctx context.Context) (bool, error) {
		evs, err := c.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, e := range evs.Items {
			if e.Reason == "ScalingReplicaSet" && strings.Contains(e.Message, "from 2 to 4") {
				return true, nil
			}
		}
		return false, nil
	})
}

// A rollout whose pods never become ready times out after
// progressDeadlineSeconds, with no other event to wake the controller.
func TestDeploymentProgressDeadline(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"replicaset", "deployment"}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	in := deployment("stuck", 2)
	in.Spec.ProgressDeadlineSeconds = ptr.To(int32(2))
	if _, err := c.AppsV1().Deployments(ns).Create(ctx, in, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	d := deployWait(t, c, ns, "stuck", "timed out", func(d *appsv1.Deployment) bool {
		p := deployCondition(d, appsv1.DeploymentProgressing)
		return p != nil && p.Reason == "ProgressDeadlineExceeded"
	})
	// Not before the deadline: measured from the ReplicaSet's creation in
	// the server's own (second-truncated) timestamps, not the test's clock.
	rsets, err := c.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{})
	if err != nil || len(rsets.Items) != 1 {
		t.Fatalf("replica sets: %v, %d; want one", err, len(rsets.Items))
	}
	if p := deployCondition(d, appsv1.DeploymentProgressing); p.LastTransitionTime.Sub(rsets.Items[0].CreationTimestamp.Time) < time.Second {
		t.Errorf("timed out at %v, ReplicaSet created at %v: before the 2s deadline", p.LastTransitionTime, rsets.Items[0].CreationTimestamp)
	}
	p := deployCondition(d, appsv1.DeploymentProgressing)
	if p.Status != corev1.ConditionFalse || !strings.HasPrefix(p.Message, `ReplicaSet "stuck-`) || !strings.HasSuffix(p.Message, `" has timed out progressing.`) {
		t.Errorf("condition %+v", p)
	}
	if a := deployCondition(d, appsv1.DeploymentAvailable); a == nil || a.Status != corev1.ConditionFalse || a.Reason != "MinimumReplicasUnavailable" {
		t.Errorf("Available condition %+v", a)
	}
	if d.Status.UnavailableReplicas != 2 {
		t.Errorf("unavailableReplicas %d, want 2", d.Status.UnavailableReplicas)
	}
}

// A ReplicaSet that cannot create pods passes its ReplicaFailure
// condition up to the Deployment.
func TestDeploymentReplicaFailure(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"replicaset", "deployment"}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	in := deployment("doomed", 1)
	in.Spec.Template.Spec.PriorityClassName = "deploy-missing-" + ns
	if _, err := c.AppsV1().Deployments(ns).Create(ctx, in, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	d := deployWait(t, c, ns, "doomed", "ReplicaFailure", func(d *appsv1.Deployment) bool {
		return deployCondition(d, appsv1.DeploymentReplicaFailure) != nil
	})
	f := deployCondition(d, appsv1.DeploymentReplicaFailure)
	if f.Status != corev1.ConditionTrue || f.Reason != "FailedCreate" || !strings.Contains(f.Message, "PriorityClass") {
		t.Errorf("condition %+v", f)
	}
}

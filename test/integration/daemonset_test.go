package integration

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/testutil"
)

func daemonSet(name string) *appsv1.DaemonSet {
	labels := map[string]string{"app": name}
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "agent", Image: "agent:1"}}},
			},
		},
	}
}

// daemonsetNode creates a Ready node with labels and taints.
func daemonsetNode(t *testing.T, c kubernetes.Interface, name string, labels map[string]string, taints ...corev1.Taint) {
	t.Helper()
	ctx := t.Context()
	n, err := c.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec: corev1.NodeSpec{Taints: taints}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create node %s: %v", name, err)
	}
	t.Cleanup(func() { _ = c.CoreV1().Nodes().Delete(context.Background(), name, metav1.DeleteOptions{}) })
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastHeartbeatTime: metav1.Now()}}
	if _, err := c.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("node %s status: %v", name, err)
	}
}

// daemonsetTarget is the node a daemon pod is pinned to by its affinity.
func daemonsetTarget(p *corev1.Pod) string {
	if p.Spec.NodeName != "" {
		return p.Spec.NodeName
	}
	if a := p.Spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
			for _, f := range term.MatchFields {
				if f.Key == "metadata.name" && len(f.Values) == 1 {
					return f.Values[0]
				}
			}
		}
	}
	return ""
}

// daemonsetPodsByNode lists the live pods of ns by target node.
func daemonsetPodsByNode(ctx context.Context, c kubernetes.Interface, ns string) (map[string][]corev1.Pod, error) {
	pods, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := map[string][]corev1.Pod{}
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil {
			out[daemonsetTarget(&p)] = append(out[daemonsetTarget(&p)], p)
		}
	}
	return out, nil
}

// daemonsetRun plays scheduler and kubelet: binds every pending daemon pod
// to the node it is pinned to and marks it Running and Ready, and finishes
// the graceful deletion of terminating pods.
func daemonsetRun(ctx context.Context, c kubernetes.Interface, ns string) error {
	pods, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for i := range pods.Items {
		p := &pods.Items[i]
		if p.DeletionTimestamp != nil {
			err := c.CoreV1().Pods(ns).Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)})
			if err != nil && !apierrors.IsNotFound(err) {
				return fmt.Errorf("finish deleting %s: %w", p.Name, err)
			}
			continue
		}
		if p.Status.Phase == corev1.PodRunning {
			continue
		}
		if p.Spec.NodeName == "" {
			err := c.CoreV1().Pods(ns).Bind(ctx, &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: p.Name, UID: p.UID},
				Target: corev1.ObjectReference{Kind: "Node", Name: daemonsetTarget(p)}}, metav1.CreateOptions{})
			if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
				return fmt.Errorf("bind %s: %w", p.Name, err)
			}
			if p, err = c.CoreV1().Pods(ns).Get(ctx, p.Name, metav1.GetOptions{}); err != nil {
				if apierrors.IsNotFound(err) {
					continue
				}
				return err
			}
		}
		if err := statefulsetMarkReady(ctx, c, p); err != nil {
			return err
		}
	}
	return nil
}

// A DaemonSet pins one pod to each node its nodeSelector and tolerations
// admit (the automatic tolerations included), follows a node added later,
// and leaves a node whose new NoExecute taint it does not tolerate.
func TestDaemonSetPlacesOnePodPerEligibleNode(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"daemonset"}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	ssd := map[string]string{"disk": "ssd"}
	daemonsetNode(t, c, "ds-n1", ssd)
	daemonsetNode(t, c, "ds-n2", ssd)
	daemonsetNode(t, c, "ds-tainted", ssd, corev1.Taint{Key: "dedicated", Value: "db", Effect: corev1.TaintEffectNoSchedule})
	daemonsetNode(t, c, "ds-hdd", map[string]string{"disk": "hdd"})
	daemonsetNode(t, c, "ds-cordoned", ssd, corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule})
	ds := daemonSet("agent")
	ds.Spec.Template.Spec.NodeSelector = ssd
	if _, err := c.AppsV1().DaemonSets(ns).Create(ctx, ds, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []string{"ds-cordoned", "ds-n1", "ds-n2"}
	var byNode map[string][]corev1.Pod
	poll(t, "a pod on each eligible node", func(ctx context.Context) (bool, error) {
		var err error
		byNode, err = daemonsetPodsByNode(ctx, c, ns)
		return slices.Equal(slices.Sorted(maps.Keys(byNode)), want), err
	})
	for node, pods := range byNode {
		if len(pods) != 1 {
			t.Fatalf("node %s has %d pods", node, len(pods))
		}
		p := pods[0]
		if p.Spec.NodeName != "" {
			t.Errorf("%s: nodeName %q set by the controller; upstream leaves it to the scheduler", p.Name, p.Spec.NodeName)
		}
		if p.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] == "" || p.Labels["pod-template-generation"] != "1" {
			t.Errorf("%s labels = %v", p.Name, p.Labels)
		}
		var tols []string
		for _, tol := range p.Spec.Tolerations {
			tols = append(tols, fmt.Sprintf("%s:%s", tol.Key, tol.Effect))
		}
		wantTols := []string{"node.kubernetes.io/not-ready:NoExecute", "node.kubernetes.io/unreachable:NoExecute",
			"node.kubernetes.io/disk-pressure:NoSchedule", "node.kubernetes.io/memory-pressure:NoSchedule",
			"node.kubernetes.io/pid-pressure:NoSchedule", "node.kubernetes.io/unschedulable:NoSchedule"}
		if diff := cmp.Diff(wantTols, tols); diff != "" {
			t.Errorf("%s tolerations (-want +got):\n%s", p.Name, diff)
		}
	}
	set := daemonsetWaitStatus(t, c, ns, "agent", "status of 3 scheduled", func(s appsv1.DaemonSetStatus) bool {
		return s.DesiredNumberScheduled == 3 && s.CurrentNumberScheduled == 3
	})
	if st := set.Status; st.NumberMisscheduled != 0 || st.NumberReady != 0 || st.UpdatedNumberScheduled != 3 || st.NumberUnavailable != 3 || st.ObservedGeneration != set.Generation {
		t.Errorf("status before the pods run = %+v", st)
	}
	poll(t, "pods ready", func(ctx context.Context) (bool, error) {
		if err := daemonsetRun(ctx, c, ns); err != nil {
			return false, err
		}
		s, err := c.AppsV1().DaemonSets(ns).Get(ctx, "agent", metav1.GetOptions{})
		return err == nil && s.Status.NumberReady == 3 && s.Status.NumberAvailable == 3 && s.Status.NumberUnavailable == 0, err
	})

	daemonsetNode(t, c, "ds-n3", ssd)
	poll(t, "a pod on the new node", func(ctx context.Context) (bool, error) {
		byNode, err := daemonsetPodsByNode(ctx, c, ns)
		return len(byNode["ds-n3"]) == 1, err
	})

	taint := `{"spec":{"taints":[{"key":"evict","value":"yes","effect":"NoExecute"}]}}`
	if _, err := c.CoreV1().Nodes().Patch(ctx, "ds-n2", types.MergePatchType, []byte(taint), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "the pod leaving the NoExecute node", func(ctx context.Context) (bool, error) {
		byNode, err := daemonsetPodsByNode(ctx, c, ns)
		return err == nil && len(byNode["ds-n2"]) == 0 && len(byNode) == 3, err
	})
	// Still terminating on its node, the pod is counted as misscheduled.
	daemonsetWaitStatus(t, c, ns, "agent", "misscheduled pod", func(s appsv1.DaemonSetStatus) bool {
		return s.DesiredNumberScheduled == 3 && s.NumberMisscheduled == 1
	})
	// Its kubelet finishes the deletion; the set no longer counts the node.
	poll(t, "desired 3 again", func(ctx context.Context) (bool, error) {
		if err := daemonsetRun(ctx, c, ns); err != nil {
			return false, err
		}
		s, err := c.AppsV1().DaemonSets(ns).Get(ctx, "agent", metav1.GetOptions{})
		st := s.Status
		return err == nil && st.DesiredNumberScheduled == 3 && st.CurrentNumberScheduled == 3 && st.NumberMisscheduled == 0 && st.NumberAvailable == 3, err
	})
}

func daemonsetWaitStatus(t *testing.T, c kubernetes.Interface, ns, name, what string, ok func(appsv1.DaemonSetStatus) bool) *appsv1.DaemonSet {
	t.Helper()
	var last *appsv1.DaemonSet
	poll(t, what, func(ctx context.Context) (bool, error) {
		s, err := c.AppsV1().DaemonSets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = s
		return ok(s.Status), nil
	})
	return last
}

// A rolling update replaces every pod with one of the new template,
// taking down at most maxUnavailable nodes' daemons at a time.
func TestDaemonSetRollingUpdate(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"daemonset"}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	for i := range 3 {
		daemonsetNode(t, c, fmt.Sprintf("ru-n%d", i), nil)
	}
	ds := daemonSet("agent")
	ds.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType,
		RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: ptr.To(intstr.FromInt32(1))}}
	if _, err := c.AppsV1().DaemonSets(ns).Create(ctx, ds, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "3 available daemons", func(ctx context.Context) (bool, error) {
		if err := daemonsetRun(ctx, c, ns); err != nil {
			return false, err
		}
		s, err := c.AppsV1().DaemonSets(ns).Get(ctx, "agent", metav1.GetOptions{})
		return err == nil && s.Status.NumberAvailable == 3, err
	})
	patch := `{"spec":{"template":{"spec":{"containers":[{"name":"agent","image":"agent:2"}]}}}}`
	if _, err := c.AppsV1().DaemonSets(ns).Patch(ctx, "agent", types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	minAvailable := 3
	poll(t, "every daemon replaced", func(ctx context.Context) (bool, error) {
		byNode, err := daemonsetPodsByNode(ctx, c, ns)
		if err != nil {
			return false, err
		}
		avail, fresh := 0, 0
		for _, pods := range byNode {
			for _, p := range pods {
				if p.Status.Phase == corev1.PodRunning {
					avail++
					if p.Spec.Containers[0].Image == "agent:2" {
						fresh++
					}
				}
			}
		}
		minAvailable = min(minAvailable, avail)
		if err := daemonsetRun(ctx, c, ns); err != nil {
			return false, err
		}
		s, err := c.AppsV1().DaemonSets(ns).Get(ctx, "agent", metav1.GetOptions{})
		return err == nil && fresh == 3 && s.Status.UpdatedNumberScheduled == 3 && s.Status.NumberAvailable == 3, err
	})
	if minAvailable < 2 {
		t.Errorf("saw only %d available daemons during the update, maxUnavailable is 1", minAvailable)
	}
	set, _ := c.AppsV1().DaemonSets(ns).Get(ctx, "agent", metav1.GetOptions{})
	byNode, _ := daemonsetPodsByNode(ctx, c, ns)
	revs, err := c.AppsV1().ControllerRevisions(ns).List(ctx, metav1.ListOptions{})
	if err != nil || len(revs.Items) != 2 {
		t.Fatalf("revisions = %v, %v; want 2", revs, err)
	}
	var newest appsv1.ControllerRevision
	for _, r := range revs.Items {
		if r.Revision > newest.Revision {
			newest = r
		}
	}
	for node, pods := range byNode {
		if len(pods) != 1 || pods[0].Labels[appsv1.DefaultDaemonSetUniqueLabelKey] != newest.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] ||
			pods[0].Labels["pod-template-generation"] != fmt.Sprint(set.Generation) {
			t.Errorf("node %s pods = %d, labels %v; want one at revision %s", node, len(pods), pods[0].Labels, newest.Name)
		}
	}
}

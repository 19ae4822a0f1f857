package integration

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/testutil"
)

func podNames(items []corev1.Pod) []string {
	out := make([]string, 0, len(items))
	for _, p := range items {
		out = append(out, p.Name)
	}
	return out
}

func TestFieldSelectors(t *testing.T) {
	srv := testutil.StartServer(t)
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	pods := c.CoreV1().Pods(ns)
	for _, p := range []*corev1.Pod{pod("on-a").Node("node-a").Obj(), pod("on-b").Node("node-b").Obj(), pod("pending").Labels("tier", "web").Obj()} {
		if _, err := pods.Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	running, err := pods.Get(ctx, "on-b", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	running.Status.Phase = corev1.PodRunning
	if _, err := pods.UpdateStatus(ctx, running, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		opts   metav1.ListOptions
		want   []string
		code   int32
		reason metav1.StatusReason
		msg    string
	}{
		{name: "spec.nodeName", opts: metav1.ListOptions{FieldSelector: "spec.nodeName=node-a"}, want: []string{"on-a"}},
		{name: "unscheduled", opts: metav1.ListOptions{FieldSelector: "spec.nodeName="}, want: []string{"pending"}},
		{name: "status.phase", opts: metav1.ListOptions{FieldSelector: "status.phase=Pending"}, want: []string{"on-a", "pending"}},
		{name: "not equal", opts: metav1.ListOptions{FieldSelector: "status.phase!=Pending"}, want: []string{"on-b"}},
		{name: "metadata.name", opts: metav1.ListOptions{FieldSelector: "metadata.name=on-b"}, want: []string{"on-b"}},
		{name: "combined with labels", opts: metav1.ListOptions{FieldSelector: "status.phase=Pending", LabelSelector: "tier=web"}, want: []string{"pending"}},
		{name: "paginated", opts: metav1.ListOptions{FieldSelector: "status.phase=Pending", Limit: 1}, want: []string{"on-a"}},
		{name: "unsupported field", opts: metav1.ListOptions{FieldSelector: "spec.dnsPolicy=Default"}, code: 400, reason: metav1.StatusReasonBadRequest, msg: `field label not supported: spec.dnsPolicy`},
		{name: "spec.restartPolicy", opts: metav1.ListOptions{FieldSelector: "spec.restartPolicy=Always"}, want: []string{"on-a", "on-b", "pending"}},
		{name: "field selector syntax", opts: metav1.ListOptions{FieldSelector: "spec.nodeName"}, code: 400, reason: metav1.StatusReasonBadRequest},
		{name: "label selector syntax", opts: metav1.ListOptions{LabelSelector: "tier in (web"}, code: 400, reason: metav1.StatusReasonBadRequest, msg: "unable to parse requirement"},
		{name: "label selector bad value", opts: metav1.ListOptions{LabelSelector: "tier=not a value"}, code: 400, reason: metav1.StatusReasonBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := pods.List(ctx, tc.opts)
			if tc.code != 0 {
				st := wantStatus(t, err, tc.code, tc.reason)
				if !strings.Contains(st.Message, tc.msg) {
					t.Errorf("message = %q, want it to contain %q", st.Message, tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, podNames(l.Items)); diff != "" {
				t.Errorf("pods (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("watch with unsupported field", func(t *testing.T) {
		_, err := pods.Watch(ctx, metav1.ListOptions{FieldSelector: "spec.dnsPolicy=Default"})
		wantStatus(t, err, 400, metav1.StatusReasonBadRequest)
	})

	t.Run("other kinds", func(t *testing.T) {
		// Every kind supports metadata.name and metadata.namespace.
		l, err := c.CoreV1().Namespaces().List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + ns})
		if err != nil || len(l.Items) != 1 {
			t.Fatalf("namespaces by name: %v, %d items", err, len(l.Items))
		}
		if _, err := c.CoreV1().ConfigMaps("").List(ctx, metav1.ListOptions{FieldSelector: "metadata.namespace=" + ns}); err != nil {
			t.Errorf("configmaps by namespace: %v", err)
		}
		_, err = c.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{FieldSelector: "data.k=v"})
		wantStatus(t, err, 400, metav1.StatusReasonBadRequest)
	})
}

func TestBinding(t *testing.T) {
	srv := testutil.StartServer(t)
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	pods := c.CoreV1().Pods(ns)
	p, err := pods.Create(ctx, pod("bind-me").Obj(), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	binding := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "bind-me"}, Target: corev1.ObjectReference{Kind: "Node", Name: "node-1"}}
	if err := pods.Bind(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := pods.Get(ctx, "bind-me", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.NodeName != "node-1" {
		t.Errorf("nodeName = %q, want node-1", got.Spec.NodeName)
	}
	var scheduled *corev1.PodCondition
	for i := range got.Status.Conditions {
		if got.Status.Conditions[i].Type == corev1.PodScheduled {
			scheduled = &got.Status.Conditions[i]
		}
	}
	if scheduled == nil || scheduled.Status != corev1.ConditionTrue {
		t.Errorf("conditions = %+v, want PodScheduled=True", got.Status.Conditions)
	}
	if got.ResourceVersion == p.ResourceVersion {
		t.Errorf("binding did not write the pod")
	}

	binding.Target.Name = "node-2"
	err = pods.Bind(ctx, binding, metav1.CreateOptions{})
	st := wantStatus(t, err, 409, metav1.StatusReasonConflict)
	if !strings.Contains(st.Message, "already assigned to node") {
		t.Errorf("message = %q, want it to say the pod is already assigned", st.Message)
	}

	t.Run("missing pod", func(t *testing.T) {
		err := pods.Bind(ctx, &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "nope"}, Target: corev1.ObjectReference{Kind: "Node", Name: "n"}}, metav1.CreateOptions{})
		wantStatus(t, err, 404, metav1.StatusReasonNotFound)
	})
	t.Run("stale uid precondition", func(t *testing.T) {
		if _, err := pods.Create(ctx, pod("uid").Obj(), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		b := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "uid", UID: "not-the-uid"}, Target: corev1.ObjectReference{Kind: "Node", Name: "n"}}
		err := pods.Bind(ctx, b, metav1.CreateOptions{})
		if !apierrors.IsConflict(err) {
			t.Errorf("bind with wrong uid: %v, want Conflict", err)
		}
	})
}

func TestEviction(t *testing.T) {
	// The test writes budgets' status itself: no disruption controller.
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	pods := c.CoreV1().Pods(ns)
	evict := func(name string) error {
		return c.PolicyV1().Evictions(ns).Evict(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}})
	}

	t.Run("no PDB", func(t *testing.T) {
		if _, err := pods.Create(ctx, pod("free").Obj(), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := evict("free"); err != nil {
			t.Fatal(err)
		}
		if _, err := pods.Get(ctx, "free", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("evicted pod: %v, want NotFound", err)
		}
	})

	t.Run("missing pod", func(t *testing.T) {
		wantStatus(t, evict("nope"), 404, metav1.StatusReasonNotFound)
	})

	t.Run("PDB allows no disruption", func(t *testing.T) {
		if _, err := pods.Create(ctx, pod("guarded").Labels("app", "guarded").Node("n1").Obj(), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		running, _ := pods.Get(ctx, "guarded", metav1.GetOptions{})
		running.Status.Phase = corev1.PodRunning
		running.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
		if _, err := pods.UpdateStatus(ctx, running, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		pdbs := c.PolicyV1().PodDisruptionBudgets(ns)
		pdb, err := pdbs.Create(ctx, &policyv1.PodDisruptionBudget{
			ObjectMeta: metav1.ObjectMeta{Name: "guard"},
			Spec: policyv1.PodDisruptionBudgetSpec{
				MinAvailable: ptr.To(intstr.FromInt32(1)),
				Selector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app": "guarded"}},
			},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		pdb.Status = policyv1.PodDisruptionBudgetStatus{ObservedGeneration: pdb.Generation, DisruptionsAllowed: 0, CurrentHealthy: 1, DesiredHealthy: 1, ExpectedPods: 1}
		if pdb, err = pdbs.UpdateStatus(ctx, pdb, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		st := wantStatus(t, evict("guarded"), 429, metav1.StatusReasonTooManyRequests)
		if st.Details == nil || len(st.Details.Causes) == 0 || st.Details.Causes[0].Type != policyv1.DisruptionBudgetCause {
			t.Errorf("details = %+v, want cause %s", st.Details, policyv1.DisruptionBudgetCause)
		}
		if got, err := pods.Get(ctx, "guarded", metav1.GetOptions{}); err != nil || got.DeletionTimestamp != nil {
			t.Errorf("pod after refused eviction: %v, deletionTimestamp %v", err, got.DeletionTimestamp)
		}

		// Once the budget allows a disruption, the eviction goes through
		// and consumes it.
		pdb.Status.DisruptionsAllowed = 1
		if _, err = pdbs.UpdateStatus(ctx, pdb, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := evict("guarded"); err != nil {
			t.Fatalf("evict with a disruption allowed: %v", err)
		}
		after, err := pdbs.Get(ctx, "guard", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if after.Status.DisruptionsAllowed != 0 || after.Status.DisruptedPods["guarded"].Time.IsZero() {
			t.Errorf("pdb status after eviction: allowed=%d disrupted=%v, want 0 and the pod recorded", after.Status.DisruptionsAllowed, after.Status.DisruptedPods)
		}
		got, err := pods.Get(ctx, "guarded", metav1.GetOptions{})
		if err != nil || got.DeletionTimestamp == nil {
			t.Fatalf("evicted bound pod: %v, deletionTimestamp %v; want terminating", err, got)
		}
		var cond *corev1.PodCondition
		for i := range got.Status.Conditions {
			if got.Status.Conditions[i].Type == corev1.DisruptionTarget {
				cond = &got.Status.Conditions[i]
			}
		}
		if cond == nil || cond.Status != corev1.ConditionTrue || cond.Reason != "EvictionByEvictionAPI" {
			t.Errorf("evicted pod conditions = %+v, want DisruptionTarget=True reason EvictionByEvictionAPI", got.Status.Conditions)
		}
	})

	// A budget with one healthy pod to spare; then an unready pod and a
	// dry run, neither of which may charge it.
	guarded := func(t *testing.T, name string, ready bool) {
		t.Helper()
		if _, err := pods.Create(ctx, pod(name).Labels("app", "spare").Node("n1").Obj(), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		p, _ := pods.Get(ctx, name, metav1.GetOptions{})
		p.Status.Phase = corev1.PodRunning
		st := corev1.ConditionFalse
		if ready {
			st = corev1.ConditionTrue
		}
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: st}}
		if _, err := pods.UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	pdbs := c.PolicyV1().PodDisruptionBudgets(ns)
	spare, err := pdbs.Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "spare"},
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromInt32(1)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "spare"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	spare.Status = policyv1.PodDisruptionBudgetStatus{ObservedGeneration: spare.Generation, DisruptionsAllowed: 1, CurrentHealthy: 2, DesiredHealthy: 1, ExpectedPods: 3}
	if _, err := pdbs.UpdateStatus(ctx, spare, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	allowed := func() int32 {
		got, err := pdbs.Get(ctx, "spare", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return got.Status.DisruptionsAllowed
	}

	t.Run("dry run charges nothing", func(t *testing.T) {
		guarded(t, "dry", true)
		err := c.PolicyV1().Evictions(ns).Evict(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "dry", Namespace: ns},
			DeleteOptions: &metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}}})
		if err != nil {
			t.Fatal(err)
		}
		if n := allowed(); n != 1 {
			t.Errorf("disruptionsAllowed after a dry-run eviction = %d, want 1", n)
		}
		if got, err := pods.Get(ctx, "dry", metav1.GetOptions{}); err != nil || got.DeletionTimestamp != nil || len(got.Status.Conditions) != 1 {
			t.Errorf("pod after dry-run eviction: %v %+v, want untouched", err, got)
		}
	})

	t.Run("unready pod with a healthy budget", func(t *testing.T) {
		guarded(t, "sick", false)
		if err := evict("sick"); err != nil {
			t.Fatal(err)
		}
		if n := allowed(); n != 1 {
			t.Errorf("disruptionsAllowed after evicting an unready pod = %d, want 1 (not charged)", n)
		}
		if got, err := pods.Get(ctx, "sick", metav1.GetOptions{}); err != nil || got.DeletionTimestamp == nil {
			t.Errorf("unready pod after eviction: %v, want terminating", err)
		}
	})
}

package daemonset

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func TestNodeEligibility(t *testing.T) {
	taint := func(key string, effect corev1.TaintEffect) corev1.Taint {
		return corev1.Taint{Key: key, Value: "v", Effect: effect}
	}
	tests := []struct {
		name              string
		node              func(*corev1.Node)
		ds                func(*appsv1.DaemonSet)
		wantRun, wantStay bool
	}{
		{name: "plain node", wantRun: true, wantStay: true},
		{name: "nodeSelector matches", node: func(n *corev1.Node) { n.Labels["disk"] = "ssd" },
			ds: func(d *appsv1.DaemonSet) { d.Spec.Template.Spec.NodeSelector = map[string]string{"disk": "ssd"} }, wantRun: true, wantStay: true},
		{name: "nodeSelector does not match",
			ds: func(d *appsv1.DaemonSet) { d.Spec.Template.Spec.NodeSelector = map[string]string{"disk": "ssd"} }},
		{name: "required node affinity does not match", ds: func(d *appsv1.DaemonSet) {
			d.Spec.Template.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
				NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a"}}}}}}}}
		}},
		{name: "required node affinity on the node name", ds: func(d *appsv1.DaemonSet) {
			d.Spec.Template.Spec.Affinity = pinToNode(nil, "n")
		}, wantRun: true, wantStay: true},
		{name: "template nodeName elsewhere", ds: func(d *appsv1.DaemonSet) { d.Spec.Template.Spec.NodeName = "other" }},
		{name: "NoSchedule taint repels new pods but keeps running ones",
			node: func(n *corev1.Node) { n.Spec.Taints = []corev1.Taint{taint("dedicated", corev1.TaintEffectNoSchedule)} }, wantStay: true},
		{name: "NoExecute taint evicts",
			node: func(n *corev1.Node) { n.Spec.Taints = []corev1.Taint{taint("dedicated", corev1.TaintEffectNoExecute)} }},
		{name: "PreferNoSchedule is ignored",
			node: func(n *corev1.Node) {
				n.Spec.Taints = []corev1.Taint{taint("dedicated", corev1.TaintEffectPreferNoSchedule)}
			}, wantRun: true, wantStay: true},
		{name: "tolerated taint",
			node: func(n *corev1.Node) { n.Spec.Taints = []corev1.Taint{taint("dedicated", corev1.TaintEffectNoExecute)} },
			ds: func(d *appsv1.DaemonSet) {
				d.Spec.Template.Spec.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpExists}}
			}, wantRun: true, wantStay: true},
		{name: "automatic tolerations: not-ready and unreachable",
			node: func(n *corev1.Node) {
				n.Spec.Taints = []corev1.Taint{{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute}, {Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}}
			}, wantRun: true, wantStay: true},
		{name: "automatic tolerations: pressure and unschedulable",
			node: func(n *corev1.Node) {
				n.Spec.Taints = []corev1.Taint{{Key: corev1.TaintNodeDiskPressure, Effect: corev1.TaintEffectNoSchedule},
					{Key: corev1.TaintNodeMemoryPressure, Effect: corev1.TaintEffectNoSchedule}, {Key: corev1.TaintNodePIDPressure, Effect: corev1.TaintEffectNoSchedule},
					{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}}
			}, wantRun: true, wantStay: true},
		{name: "network-unavailable repels pods off the host network",
			node: func(n *corev1.Node) {
				n.Spec.Taints = []corev1.Taint{{Key: corev1.TaintNodeNetworkUnavailable, Effect: corev1.TaintEffectNoSchedule}}
			},
			wantStay: true},
		{name: "network-unavailable is tolerated on the host network",
			node: func(n *corev1.Node) {
				n.Spec.Taints = []corev1.Taint{{Key: corev1.TaintNodeNetworkUnavailable, Effect: corev1.TaintEffectNoSchedule}}
			},
			ds: func(d *appsv1.DaemonSet) { d.Spec.Template.Spec.HostNetwork = true }, wantRun: true, wantStay: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, ds := node("n"), newDS()
			if tt.node != nil {
				tt.node(n)
			}
			if tt.ds != nil {
				tt.ds(ds)
			}
			run, stay := shouldRun(n, ds)
			if run != tt.wantRun || stay != tt.wantStay {
				t.Errorf("shouldRun = %v, %v; want %v, %v", run, stay, tt.wantRun, tt.wantStay)
			}
		})
	}
}

func TestPodTemplate(t *testing.T) {
	ds := newDS()
	ds.Generation = 4
	ds.Spec.Template.Spec.Tolerations = []corev1.Toleration{{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](30)}}
	tmpl := podTemplate(ds, "abc")
	if tmpl.Labels["controller-revision-hash"] != "abc" || tmpl.Labels["pod-template-generation"] != "4" {
		t.Errorf("labels = %v", tmpl.Labels)
	}
	if len(tmpl.Spec.Tolerations) != 6 || tmpl.Spec.Tolerations[0].TolerationSeconds != nil {
		t.Errorf("tolerations = %+v; want the 6 daemon ones, not-ready without tolerationSeconds", tmpl.Spec.Tolerations)
	}
	ds.Annotations = map[string]string{"deprecated.daemonset.template.generation": "2"}
	if got := podTemplate(ds, "").Labels["pod-template-generation"]; got != "2" {
		t.Errorf("generation label with the annotation = %q, want 2", got)
	}
	a := pinToNode(&corev1.Affinity{PodAffinity: &corev1.PodAffinity{}}, "n1")
	if targetNode(&corev1.Pod{Spec: corev1.PodSpec{Affinity: a}}) != "n1" || a.PodAffinity == nil {
		t.Errorf("pinned affinity = %+v", a)
	}
}

func TestManage(t *testing.T) {
	tainted := node("tainted")
	tainted.Spec.Taints = []corev1.Taint{{Key: "k", Effect: corev1.TaintEffectNoSchedule}}
	w := newWorld(newDS(), node("a"), node("b"), tainted)
	got, _, err := w.sync()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"create a", "create b"}, got); diff != "" {
		t.Fatalf("first sync (-want +got):\n%s", diff)
	}
	w.readyAll()
	if got, _, _ := w.sync(); got != nil {
		t.Fatalf("steady state did %v", got)
	}
	st := w.ds.Status
	want := appsv1.DaemonSetStatus{DesiredNumberScheduled: 2, CurrentNumberScheduled: 2, NumberReady: 2, NumberAvailable: 2, UpdatedNumberScheduled: 2, ObservedGeneration: 1}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("status (-want +got):\n%s", diff)
	}

	// A failed pod is deleted, and within the backoff not again.
	w.onNode("a")[0].Status.Phase = corev1.PodFailed
	got, _, _ = w.sync()
	if diff := cmp.Diff([]string{"delete a"}, got); diff != "" {
		t.Fatalf("failed pod (-want +got):\n%s", diff)
	}
	if got, _, _ := w.sync(); !slices.Equal(got, []string{"create a"}) {
		t.Fatalf("after deleting the failed pod: %v", got)
	}
	w.onNode("a")[0].Status.Phase = corev1.PodFailed
	got, requeue, _ := w.sync()
	if got != nil || requeue <= 0 || requeue > failedBackoffInitial {
		t.Fatalf("failed again within the backoff: did %v, requeue %v", got, requeue)
	}
	w.clock.Step(2 * failedBackoffInitial)
	if got, _, _ := w.sync(); !slices.Equal(got, []string{"delete a"}) {
		t.Fatalf("after the backoff: %v", got)
	}
	if !slices.Contains(w.events, reasonFailedDaemonPod) {
		t.Errorf("events %v lack %s", w.events, reasonFailedDaemonPod)
	}
	w.sync()
	w.readyAll()

	// A second pod on a node: the newest goes. A pod on a node that no
	// longer fits goes.
	extra := w.onNode("b")[0].DeepCopy()
	extra.Name, extra.UID, extra.CreationTimestamp = "agent-extra", "extra", metav1.NewTime(t0.Add(time.Hour))
	w.pods[extra.Name] = extra
	w.nodes["a"].Labels["gone"] = "yes"
	w.ds.Spec.Template.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
		NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "gone", Operator: corev1.NodeSelectorOpDoesNotExist}}}}}}}
	got, _, _ = w.sync()
	if diff := cmp.Diff([]string{"delete a", "delete b"}, got); diff != "" {
		t.Fatalf("cleanup (-want +got):\n%s", diff)
	}
	if _, ok := w.pods["agent-extra"]; ok {
		t.Errorf("the newer of two pods on b was kept")
	}
}

func TestRollingUpdate(t *testing.T) {
	bump := func(w *world) { w.ds.Spec.Template.Spec.Containers[0].Image = "img:2"; w.ds.Generation++ }
	tests := []struct {
		name   string
		strat  func(*appsv1.RollingUpdateDaemonSet)
		rounds [][]string // actions of each sync after the bump; pods made ready between syncs
	}{
		{"maxUnavailable 1 replaces one node at a time", nil, [][]string{
			{"delete n0"}, {"create n0"}, {"delete n1"}, {"create n1"}, {"delete n2"}, {"create n2"}, nil,
		}},
		{"maxUnavailable 2", func(r *appsv1.RollingUpdateDaemonSet) { r.MaxUnavailable = ptr.To(intstr.FromInt32(2)) }, [][]string{
			{"delete n0", "delete n1"}, {"create n0", "create n1"}, {"delete n2"}, {"create n2"}, nil,
		}},
		{"maxUnavailable 100% replaces everything at once", func(r *appsv1.RollingUpdateDaemonSet) { r.MaxUnavailable = ptr.To(intstr.FromString("100%")) }, [][]string{
			{"delete n0", "delete n1", "delete n2"}, {"create n0", "create n1", "create n2"}, nil,
		}},
		{"maxSurge 1 creates before deleting", func(r *appsv1.RollingUpdateDaemonSet) {
			r.MaxUnavailable = ptr.To(intstr.FromInt32(0))
			r.MaxSurge = ptr.To(intstr.FromInt32(1))
		}, [][]string{
			{"create n0"}, {"delete n0"}, {"create n1"}, {"delete n1"}, {"create n2"}, {"delete n2"}, nil,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := newDS()
			if tt.strat != nil {
				tt.strat(ds.Spec.UpdateStrategy.RollingUpdate)
			}
			w := newWorld(ds, node("n0"), node("n1"), node("n2"))
			w.sync()
			w.readyAll()
			w.sync()
			bump(w)
			for i, want := range tt.rounds {
				got, _, err := w.sync()
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("sync %d (-want +got):\n%s", i, diff)
				}
				w.readyAll()
			}
			if st := w.ds.Status; st.UpdatedNumberScheduled != 3 || st.NumberAvailable != 3 || len(w.revs) != 2 {
				t.Errorf("status %+v with %d revisions", st, len(w.revs))
			}
		})
	}
}

// An unavailable old pod is replaced at once, outside the budget, as
// upstream; the budget still bounds the available ones.
func TestRollingUpdateReplacesUnavailableFirst(t *testing.T) {
	w := newWorld(newDS(), node("n0"), node("n1"), node("n2"))
	w.sync()
	w.readyAll()
	w.sync()
	w.onNode("n2")[0].Status.Conditions[0].Status = corev1.ConditionFalse
	w.ds.Spec.Template.Spec.Containers[0].Image = "img:2"
	w.ds.Generation = 2
	got, _, _ := w.sync()
	if diff := cmp.Diff([]string{"delete n2"}, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
}

func TestOnDelete(t *testing.T) {
	ds := newDS()
	ds.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: appsv1.OnDeleteDaemonSetStrategyType}
	w := newWorld(ds, node("n0"), node("n1"))
	w.sync()
	w.readyAll()
	w.ds.Spec.Template.Spec.Containers[0].Image = "img:2"
	w.ds.Generation = 2
	if got, _, _ := w.sync(); got != nil {
		t.Fatalf("OnDelete did %v", got)
	}
	if w.ds.Status.UpdatedNumberScheduled != 0 {
		t.Errorf("updated = %d, want 0", w.ds.Status.UpdatedNumberScheduled)
	}
	delete(w.pods, w.onNode("n1")[0].Name)
	if got, _, _ := w.sync(); !slices.Equal(got, []string{"create n1"}) {
		t.Fatalf("after deleting n1's pod: %v", got)
	}
	if p := w.onNode("n1")[0]; p.Spec.Containers[0].Image != "img:2" || p.Labels["pod-template-generation"] != "2" {
		t.Errorf("recreated pod runs %s, labels %v", p.Spec.Containers[0].Image, p.Labels)
	}
}

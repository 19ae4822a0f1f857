package plugins

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"

	"github.com/berth-dev/berth/internal/scheduler/framework"
	st "github.com/berth-dev/berth/internal/scheduler/testing"
)

func TestRegistryNamesMatchPlugins(t *testing.T) {
	for name, factory := range Registry() {
		p, err := factory(t.Context(), nil, nil)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if p.Name() != name {
			t.Errorf("registered as %q but Name() = %q", name, p.Name())
		}
	}
}

func TestRegistryMergeRejectsDuplicates(t *testing.T) {
	r := Registry()
	if err := r.Merge(framework.Registry{"NodeName": nil}); err == nil {
		t.Error("Merge accepted a duplicate name")
	}
}

func newDefaultFramework(t *testing.T, nodes []*framework.NodeInfo) *framework.Framework {
	t.Helper()
	f, err := framework.New(t.Context(), Registry(), framework.Config{
		Plugins:      DefaultPlugins(),
		ScoreWeights: DefaultScoreWeights(),
		Snapshot:     framework.NewSnapshot(nodes...),
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestDefaultProfileFitError runs the default filters over three nodes
// and checks the message users would see.
func TestDefaultProfileFitError(t *testing.T) {
	nodes := []*framework.NodeInfo{
		st.NodeInfo(st.Node("small").Capacity("cpu", "1", "memory", "4Gi").Obj()),
		st.NodeInfo(st.Node("gpu1").Capacity("cpu", "8", "memory", "4Gi").Taint("dedicated", "gpu", corev1.TaintEffectNoSchedule).Obj()),
		st.NodeInfo(st.Node("gpu2").Capacity("cpu", "8", "memory", "4Gi").Taint("dedicated", "gpu", corev1.TaintEffectNoSchedule).Obj()),
	}
	f := newDefaultFramework(t, nodes)
	pod := st.Pod("p").Req("cpu", "2").Obj()
	feasible, d, s := f.FindFeasibleNodes(t.Context(), framework.NewCycleState(), pod, nodes)
	if !s.IsSuccess() || len(feasible) != 0 {
		t.Fatalf("feasible = %d nodes, status %v; want none, success", len(feasible), s)
	}
	d.PostFilterMsg = "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod"
	fe := &framework.FitError{Pod: pod, NumAllNodes: len(nodes), Diagnosis: d}
	want := "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: gpu}. " +
		"preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
	if got := fe.Error(); got != want {
		t.Errorf("FitError\n got %q\nwant %q", got, want)
	}
	if diff := cmp.Diff([]string{"NodeResourcesFit", "TaintToleration"}, sets.List(d.UnschedulablePlugins)); diff != "" {
		t.Errorf("UnschedulablePlugins (-want +got):\n%s", diff)
	}
}

// TestDefaultProfileScores places a pod among feasible nodes and checks
// the weighted totals.
func TestDefaultProfileScores(t *testing.T) {
	nodes := []*framework.NodeInfo{
		st.NodeInfo(st.Node("busy").Capacity("cpu", "4", "memory", "4Gi").Obj(),
			st.Pod("e").Req("cpu", "3", "memory", "1Gi").Obj()),
		st.NodeInfo(st.Node("soft-tainted").Capacity("cpu", "4", "memory", "4Gi").Taint("spot", "", corev1.TaintEffectPreferNoSchedule).Obj()),
		st.NodeInfo(st.Node("ssd").Capacity("cpu", "4", "memory", "4Gi").Label("disk", "ssd").Obj()),
		st.NodeInfo(st.Node("cordoned").Capacity("cpu", "4", "memory", "4Gi").Unschedulable().Obj()),
	}
	f := newDefaultFramework(t, nodes)
	pod := st.Pod("p").Req("cpu", "1", "memory", "1Gi").PreferredNodeAffinityIn(10, "disk", "ssd").Obj()
	state := framework.NewCycleState()
	feasible, d, s := f.FindFeasibleNodes(t.Context(), state, pod, nodes)
	if !s.IsSuccess() {
		t.Fatal(s)
	}
	if len(feasible) != 3 || d.NodeToStatus["cordoned"].Message() != "node(s) were unschedulable" {
		t.Fatalf("feasible = %d, diagnosis = %v", len(feasible), d.NodeToStatus)
	}
	if s := f.RunPreScorePlugins(t.Context(), state, pod, feasible); !s.IsSuccess() {
		t.Fatal(s)
	}
	got, s := f.RunScorePlugins(t.Context(), state, pod, feasible)
	if !s.IsSuccess() {
		t.Fatal(s)
	}
	total := map[string]int64{}
	for _, n := range got {
		total[n.Name] = n.TotalScore
	}
	// TaintToleration ×3, NodeAffinity ×2, Fit ×1, BalancedAllocation ×1
	// (ImageLocality ×1 gives 0: the nodes report no images):
	//   busy:          100*3 +   0*2 + (0+50)/2=25 + (1-|1-.5|/2)*100=75 → 400
	//   soft-tainted:    0*3 +   0*2 + (75+75)/2=75 + 100               → 175
	//   ssd:           100*3 + 100*2 + 75 + 100                          → 675
	want := map[string]int64{"busy": 400, "soft-tainted": 175, "ssd": 675}
	if diff := cmp.Diff(want, total); diff != "" {
		t.Errorf("total scores (-want +got):\n%s", diff)
	}
}

func TestEnqueueExtensions(t *testing.T) {
	f := newDefaultFramework(t, nil)
	var names []string
	for _, e := range f.EnqueueExtensions() {
		evs, err := e.EventsToRegister(t.Context())
		if err != nil || len(evs) == 0 {
			t.Errorf("%s: %d events, err %v", e.Name(), len(evs), err)
		}
		names = append(names, e.Name())
	}
	want := []string{"NodeAffinity", "NodeName", "NodePorts", "NodeResourcesFit", "NodeUnschedulable", "TaintToleration"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("plugins with events (-want +got):\n%s", diff)
	}
}

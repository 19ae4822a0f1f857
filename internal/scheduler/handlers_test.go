package scheduler

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/berth-dev/berth/internal/scheduler/framework"
	"github.com/berth-dev/berth/internal/scheduler/plugins"
	"github.com/berth-dev/berth/internal/scheduler/plugins/noderesources"
	"github.com/berth-dev/berth/internal/scheduler/queue"
	st "github.com/berth-dev/berth/internal/scheduler/testing"
)

func TestNodeChange(t *testing.T) {
	base := func() *corev1.Node {
		n := st.Node("n").Capacity("cpu", "4").Label("a", "1").Obj()
		n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
		return n
	}
	tests := []struct {
		name   string
		change func(n *corev1.Node)
		want   queue.ActionType
	}{
		{"nothing", func(*corev1.Node) {}, 0},
		{"heartbeat only", func(n *corev1.Node) { n.Status.Conditions[0].Reason = "KubeletReady" }, 0},
		{"label", func(n *corev1.Node) { n.Labels["a"] = "2" }, queue.UpdateNodeLabel},
		{"taint", func(n *corev1.Node) { n.Spec.Taints = []corev1.Taint{{Key: "k", Effect: corev1.TaintEffectNoSchedule}} }, queue.UpdateNodeTaint},
		{"cordon", func(n *corev1.Node) { n.Spec.Unschedulable = true }, queue.UpdateNodeTaint},
		{"condition", func(n *corev1.Node) { n.Status.Conditions[0].Status = corev1.ConditionFalse }, queue.UpdateNodeCondition},
		{"annotation", func(n *corev1.Node) { n.Annotations = map[string]string{"x": "y"} }, queue.UpdateNodeAnnotation},
		{"allocatable and label", func(n *corev1.Node) {
			n.Status.Allocatable = st.Node("x").Capacity("cpu", "8").Obj().Status.Allocatable
			n.Labels["b"] = "1"
		}, queue.UpdateNodeAllocatable | queue.UpdateNodeLabel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oldNode, newNode := base(), base()
			tt.change(newNode)
			if got := nodeChange(oldNode, newNode); got != tt.want {
				t.Errorf("nodeChange = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBuildHints(t *testing.T) {
	enabled := plugins.DefaultPlugins()
	fwk, err := framework.New(t.Context(), plugins.Registry(), framework.Config{Plugins: enabled, ScoreWeights: plugins.DefaultScoreWeights()})
	if err != nil {
		t.Fatal(err)
	}
	hints, err := buildHints(t.Context(), fwk, enabled)
	if err != nil {
		t.Fatal(err)
	}
	for _, names := range [][]string{enabled.PreFilter, enabled.Filter} {
		for _, name := range names {
			if len(hints[name]) == 0 {
				t.Errorf("rejecting plugin %q has no events", name)
			}
		}
	}
	// NodeResourcesFit registers node additions: a new node may fit.
	nodeAdd := queue.ClusterEvent{Resource: queue.Node, ActionType: queue.Add}
	found := false
	for _, r := range hints[noderesources.FitName] {
		found = found || r.Event.Match(nodeAdd)
	}
	if !found {
		t.Errorf("NodeResourcesFit hints %v do not match %v", hints[noderesources.FitName], nodeAdd)
	}
}

package plugins

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/berth-dev/berth/internal/scheduler/framework"
	st "github.com/berth-dev/berth/internal/scheduler/testing"
)

// BenchmarkDefaultProfile filters and scores one pod over 1,000 nodes of
// ten pods each with the default plugins.
func BenchmarkDefaultProfile(b *testing.B) {
	nodes := make([]*framework.NodeInfo, 1000)
	for i := range nodes {
		n := st.Node(fmt.Sprintf("n%d", i)).Capacity("cpu", "16", "memory", "64Gi").Label("zone", fmt.Sprint(i%3))
		if i%10 == 0 {
			n.Taint("dedicated", "gpu", corev1.TaintEffectNoSchedule)
		}
		var pods []*corev1.Pod
		for j := range 10 {
			pods = append(pods, st.Pod(fmt.Sprintf("p%d-%d", i, j)).Req("cpu", "500m", "memory", "1Gi").Obj())
		}
		nodes[i] = st.NodeInfo(n.Obj(), pods...)
	}
	f, err := framework.New(b.Context(), Registry(), framework.Config{
		Plugins: DefaultPlugins(), ScoreWeights: DefaultScoreWeights(), Snapshot: framework.NewSnapshot(nodes...),
	})
	if err != nil {
		b.Fatal(err)
	}
	pod := st.Pod("p").Req("cpu", "1", "memory", "2Gi").PreferredNodeAffinityIn(5, "zone", "1").Obj()
	b.ReportAllocs()
	for b.Loop() {
		state := framework.NewCycleState()
		feasible, _, s := f.FindFeasibleNodes(b.Context(), state, pod, nodes)
		if !s.IsSuccess() {
			b.Fatal(s)
		}
		if s := f.RunPreScorePlugins(b.Context(), state, pod, feasible); !s.IsSuccess() {
			b.Fatal(s)
		}
		if _, s := f.RunScorePlugins(b.Context(), state, pod, feasible); !s.IsSuccess() {
			b.Fatal(s)
		}
	}
}

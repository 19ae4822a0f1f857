package scheduler

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth-dev/berth/internal/scheduler/framework"
	st "github.com/berth-dev/berth/internal/scheduler/testing"
)

// summary is what a test checks of a snapshot: per node, its pods and
// requested milli-cpu.
type summary struct {
	Pods     []string
	MilliCPU int64
}

func summarize(t *testing.T, s *snapshot) map[string]summary {
	t.Helper()
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]summary{}
	for _, ni := range list {
		var pods []string
		for _, pi := range ni.Pods {
			pods = append(pods, pi.Pod.Name)
		}
		slices.Sort(pods)
		out[ni.Node().Name] = summary{Pods: pods, MilliCPU: ni.Requested.MilliCPU}
	}
	return out
}

func TestCache(t *testing.T) {
	n1 := st.Node("n1").Capacity("cpu", "4").Obj()
	n2 := st.Node("n2").Capacity("cpu", "4").Obj()
	bound := st.Pod("bound").Node("n1").Req("cpu", "1").Obj()
	p := st.Pod("p").Node("n2").Req("cpu", "500m").Obj()
	orphan := st.Pod("orphan").Node("gone").Req("cpu", "1").Obj()

	tests := []struct {
		name string
		ops  func(t *testing.T, c *cache)
		want map[string]summary
	}{
		{
			name: "nodes and bound pods",
			ops: func(t *testing.T, c *cache) {
				c.AddNode(n1)
				c.AddNode(n2)
				c.AddPod(bound)
			},
			want: map[string]summary{"n1": {Pods: []string{"bound"}, MilliCPU: 1000}, "n2": {}},
		},
		{
			name: "assumed pod is seen",
			ops: func(t *testing.T, c *cache) {
				c.AddNode(n1)
				c.AddNode(n2)
				if err := c.AssumePod(p); err != nil {
					t.Fatal(err)
				}
				if !c.IsAssumed(p.UID) {
					t.Error("pod not assumed")
				}
				if err := c.AssumePod(p); err == nil {
					t.Error("assuming twice succeeded")
				}
			},
			want: map[string]summary{"n1": {}, "n2": {Pods: []string{"p"}, MilliCPU: 500}},
		},
		{
			name: "forget drops the assumption",
			ops: func(t *testing.T, c *cache) {
				c.AddNode(n1)
				c.AddNode(n2)
				if err := c.AssumePod(p); err != nil {
					t.Fatal(err)
				}
				c.ForgetPod(p)
				if c.Has(p.UID) {
					t.Error("forgotten pod still cached")
				}
			},
			want: map[string]summary{"n1": {}, "n2": {}},
		},
		{
			name: "confirm keeps the pod once, forget is then a no-op",
			ops: func(t *testing.T, c *cache) {
				c.AddNode(n1)
				c.AddNode(n2)
				if err := c.AssumePod(p); err != nil {
					t.Fatal(err)
				}
				c.AddPod(p)
				if c.IsAssumed(p.UID) {
					t.Error("confirmed pod still assumed")
				}
				c.ForgetPod(p)
			},
			want: map[string]summary{"n1": {}, "n2": {Pods: []string{"p"}, MilliCPU: 500}},
		},
		{
			name: "confirmed on another node moves",
			ops: func(t *testing.T, c *cache) {
				c.AddNode(n1)
				c.AddNode(n2)
				if err := c.AssumePod(p); err != nil {
					t.Fatal(err)
				}
				moved := p.DeepCopy()
				moved.Spec.NodeName = "n1"
				c.AddPod(moved)
			},
			want: map[string]summary{"n1": {Pods: []string{"p"}, MilliCPU: 500}, "n2": {}},
		},
		{
			name: "pods of unknown nodes and removed nodes are left out",
			ops: func(t *testing.T, c *cache) {
				c.AddNode(n1)
				c.AddNode(n2)
				c.AddPod(orphan)
				c.AddPod(p)
				c.RemoveNode(n2)
			},
			want: map[string]summary{"n1": {}},
		},
		{
			name: "assumed pod deleted before its binding was seen",
			ops: func(t *testing.T, c *cache) {
				c.AddNode(n2)
				if err := c.AssumePod(p); err != nil {
					t.Fatal(err)
				}
				unbound := p.DeepCopy()
				unbound.Spec.NodeName = ""
				c.RemovePod(unbound)
			},
			want: map[string]summary{"n2": {}},
		},
		{
			name: "removed pod frees the node",
			ops: func(t *testing.T, c *cache) {
				c.AddNode(n1)
				c.AddPod(bound)
				c.RemovePod(bound)
			},
			want: map[string]summary{"n1": {}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCache()
			s := newSnapshot()
			// A snapshot taken before the operations must be refreshed
			// correctly, not only a fresh one.
			c.UpdateSnapshot(s)
			tt.ops(t, c)
			c.UpdateSnapshot(s)
			if diff := cmp.Diff(tt.want, summarize(t, s)); diff != "" {
				t.Errorf("snapshot (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSnapshotClonesOnlyChangedNodes(t *testing.T) {
	c := newCache()
	c.AddNode(st.Node("n1").Capacity("cpu", "4").Obj())
	c.AddNode(st.Node("n2").Capacity("cpu", "4").Obj())
	s := newSnapshot()
	c.UpdateSnapshot(s)
	before := map[string]*framework.NodeInfo{}
	for name, it := range s.infos {
		before[name] = it.info
	}
	if err := c.AssumePod(st.Pod("p").Node("n2").Req("cpu", "1").Obj()); err != nil {
		t.Fatal(err)
	}
	c.UpdateSnapshot(s)
	if s.infos["n1"].info != before["n1"] {
		t.Error("unchanged n1 was copied again")
	}
	if s.infos["n2"].info == before["n2"] {
		t.Error("changed n2 was not refreshed")
	}
	if len(before["n2"].Pods) != 0 {
		t.Error("the earlier snapshot saw a later change")
	}
	ni, err := s.Get("n2")
	if err != nil || len(ni.Pods) != 1 {
		t.Errorf("Get(n2) = %v, %v; want one pod", ni, err)
	}
}

func TestSelectHost(t *testing.T) {
	s := &Scheduler{intn: func(n int) int { return 0 }} // always take the newest tie
	scores := []framework.NodePluginScores{{Name: "a", TotalScore: 5}, {Name: "b", TotalScore: 9}, {Name: "c", TotalScore: 9}, {Name: "d", TotalScore: 1}}
	if got := s.selectHost(scores); got != "c" {
		t.Errorf("selectHost = %q, want c", got)
	}
	s.intn = func(n int) int { return n - 1 } // never replace
	if got := s.selectHost(scores); got != "b" {
		t.Errorf("selectHost = %q, want b", got)
	}
}

package endpointslice

import (
	"testing"

	discoveryv1 "k8s.io/api/discovery/v1"
)

// BenchmarkPlanSteadyState plans a 1000-pod Service whose ten slices are
// up to date but for one pod that turned unready: the common sync.
func BenchmarkPlanSteadyState(b *testing.B) {
	svc := testService()
	ps := pods(1000)
	var existing []*discoveryv1.EndpointSlice
	for i := 0; i < len(ps); i += 100 {
		existing = append(existing, existingSlice(svc, "web-"+string(rune('a'+i/100)), ps[i:i+100]))
	}
	ps[500] = testPod("p500", "10.0.2.1").Port("http", 8080).NotReady().Obj()
	p := planner{svc: svc, pods: ps, node: nodes, max: 100}
	b.ReportAllocs()
	for b.Loop() {
		ch, _, err := p.plan(existing)
		if err != nil || len(ch.update) != 1 {
			b.Fatalf("plan: %d updates, %v", len(ch.update), err)
		}
	}
}

// BenchmarkPlanNewService plans 1000 pods from scratch.
func BenchmarkPlanNewService(b *testing.B) {
	p := planner{svc: testService(), pods: pods(1000), node: nodes, max: 100}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := p.plan(nil); err != nil {
			b.Fatal(err)
		}
	}
}

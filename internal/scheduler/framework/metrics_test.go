package framework_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	testclock "k8s.io/utils/clock/testing"

	"github.com/berth-dev/berth/internal/scheduler/framework"
	st "github.com/berth-dev/berth/internal/scheduler/testing"
)

// slowPlugin takes two seconds of the fake clock in PreFilter and
// rejects the pod.
type slowPlugin struct{ clock *testclock.FakeClock }

func (*slowPlugin) Name() string { return "MetricsSlow" }

func (p *slowPlugin) PreFilter(context.Context, *framework.CycleState, *corev1.Pod, []*framework.NodeInfo) (*framework.PreFilterResult, *framework.Status) {
	p.clock.Step(2 * time.Second)
	return nil, framework.NewStatus(framework.Unschedulable, "slow and picky")
}

func (*slowPlugin) PreFilterExtensions() framework.PreFilterExtensions { return nil }

func TestRuntimeTimesExtensionPointsAndPlugins(t *testing.T) {
	clk := testclock.NewFakeClock(time.Unix(0, 0))
	r := framework.Registry{"MetricsSlow": func(context.Context, any, framework.Handle) (framework.Plugin, error) {
		return &slowPlugin{clock: clk}, nil
	}}
	f, err := framework.New(t.Context(), r, framework.Config{
		ProfileName: "metrics-test",
		Plugins:     framework.Plugins{PreFilter: []string{"MetricsSlow"}},
		Clock:       clk,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.RunPreFilterPlugins(t.Context(), framework.NewCycleState(), st.Pod("p").Obj(), nil)

	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(framework.Collectors()...)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		family string
		labels map[string]string
	}{
		{"scheduler_framework_extension_point_duration_seconds", map[string]string{"extension_point": "PreFilter", "status": "Unschedulable", "profile": "metrics-test"}},
		{"scheduler_plugin_execution_duration_seconds", map[string]string{"plugin": "MetricsSlow", "extension_point": "PreFilter", "status": "Unschedulable"}},
	}
	// The loop reads client_model values without naming their types, so
	// that this test adds no direct dependency.
	for _, c := range checks {
		var count uint64
		var sum float64
		found := false
		for _, mf := range families {
			if mf.GetName() != c.family {
				continue
			}
		metrics:
			for _, m := range mf.GetMetric() {
				for _, lp := range m.GetLabel() {
					if v, ok := c.labels[lp.GetName()]; ok && v != lp.GetValue() {
						continue metrics
					}
				}
				found = true
				count, sum = m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()
			}
		}
		if !found {
			t.Errorf("%s%v: no series", c.family, c.labels)
			continue
		}
		if count != 1 || sum != 2 {
			t.Errorf("%s%v: count %d sum %v, want 1 and 2s", c.family, c.labels, count, sum)
		}
	}
}

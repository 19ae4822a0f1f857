package framework_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
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
	for _, c := range checks {
		h := findHistogram(families, c.family, c.labels)
		if h == nil {
			t.Errorf("%s%v: no series", c.family, c.labels)
			continue
		}
		if h.GetSampleCount() != 1 || h.GetSampleSum() != 2 {
			t.Errorf("%s%v: count %d sum %v, want 1 and 2s", c.family, c.labels, h.GetSampleCount(), h.GetSampleSum())
		}
	}
}

func findHistogram(families []*dto.MetricFamily, name string, labels map[string]string) *dto.Histogram {
	for _, mf := range families {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue metrics
				}
			}
			return m.GetHistogram()
		}
	}
	return nil
}

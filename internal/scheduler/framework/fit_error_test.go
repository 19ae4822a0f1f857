package framework_test

import (
	"fmt"
	"testing"

	"github.com/berth-dev/berth/internal/scheduler/framework"
)

func TestFitErrorMessage(t *testing.T) {
	unschedulable := func(reasons ...string) *framework.Status {
		return framework.NewStatus(framework.Unschedulable, reasons...)
	}
	taint := framework.NewStatus(framework.UnschedulableAndUnresolvable, "node(s) had untolerated taint {dedicated: gpu}")
	many := framework.NodeToStatus{}
	for i := range 10 {
		many[fmt.Sprintf("a%d", i)] = unschedulable("Insufficient memory")
	}
	many["b0"] = unschedulable("Insufficient cpu")
	many["b1"] = unschedulable("Insufficient cpu")

	tests := []struct {
		name       string
		numNodes   int
		diagnosis  framework.Diagnosis
		wantString string
	}{
		{
			name:     "mixed reasons with preemption message",
			numNodes: 3,
			diagnosis: framework.Diagnosis{
				NodeToStatus:  framework.NodeToStatus{"n1": unschedulable("Insufficient cpu"), "n2": taint, "n3": taint},
				PostFilterMsg: "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod",
			},
			wantString: "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: gpu}. " +
				"preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
		},
		{
			name:     "every reason of a status is counted",
			numNodes: 2,
			diagnosis: framework.Diagnosis{NodeToStatus: framework.NodeToStatus{
				"n1": unschedulable("Insufficient cpu", "Insufficient memory"),
				"n2": unschedulable("Insufficient memory", "Too many pods"),
			}},
			wantString: "0/2 nodes are available: 1 Insufficient cpu, 1 Too many pods, 2 Insufficient memory.",
		},
		{
			name:       "counts sort as strings, as upstream",
			numNodes:   12,
			diagnosis:  framework.Diagnosis{NodeToStatus: many},
			wantString: "0/12 nodes are available: 10 Insufficient memory, 2 Insufficient cpu.",
		},
		{
			name:     "prefilter message replaces node reasons",
			numNodes: 2,
			diagnosis: framework.Diagnosis{
				NodeToStatus: framework.NodeToStatus{"n1": unschedulable("x"), "n2": unschedulable("x")},
				PreFilterMsg: "x",
			},
			wantString: "0/2 nodes are available: x.",
		},
		{
			name:       "no nodes",
			numNodes:   0,
			diagnosis:  framework.Diagnosis{},
			wantString: "0/0 nodes are available:",
		},
		{
			name:       "error statuses count their error text",
			numNodes:   1,
			diagnosis:  framework.Diagnosis{NodeToStatus: framework.NodeToStatus{"n1": framework.AsStatus(fmt.Errorf("boom"))}},
			wantString: "0/1 nodes are available: 1 boom.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe := &framework.FitError{NumAllNodes: tt.numNodes, Diagnosis: tt.diagnosis}
			if got := fe.Error(); got != tt.wantString {
				t.Errorf("Error()\n got %q\nwant %q", got, tt.wantString)
			}
		})
	}
}

package framework

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

// Diagnosis records why a pod fits no node.
type Diagnosis struct {
	// NodeToStatus holds the rejection of each node the filters ran on.
	// Nodes excluded by a PreFilterResult are not in it.
	NodeToStatus NodeToStatus
	// UnschedulablePlugins are the plugins that rejected the pod; the queue
	// uses them to decide which events may help.
	UnschedulablePlugins sets.Set[string]
	// PreFilterMsg is the message of a PreFilter rejection, if that is
	// where the cycle stopped.
	PreFilterMsg string
	// PostFilterMsg is the message of the PostFilter plugins.
	PostFilterMsg string
}

// FitError is the error of a cycle in which the pod fit no node. Its
// message is the one users see in the pod's FailedScheduling event.
type FitError struct {
	Pod         *corev1.Pod
	NumAllNodes int
	Diagnosis   Diagnosis
}

// Error renders, for example:
//
//	0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: gpu}.
//
// Each distinct reason is counted over the nodes and the "count reason"
// strings are sorted as strings (so "10 …" sorts before "2 …", as in
// kube-scheduler). A PreFilter message replaces the per-node reasons; a
// PostFilter message is appended.
func (f *FitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "0/%d nodes are available:", f.NumAllNodes)
	d := f.Diagnosis
	if d.PreFilterMsg != "" {
		fmt.Fprintf(&b, " %s.", d.PreFilterMsg)
	} else {
		counts := map[string]int{}
		for _, s := range d.NodeToStatus {
			for _, r := range s.Reasons() {
				counts[r]++
			}
		}
		lines := make([]string, 0, len(counts))
		for r, n := range counts {
			lines = append(lines, fmt.Sprintf("%d %s", n, r))
		}
		sort.Strings(lines)
		if len(lines) > 0 {
			fmt.Fprintf(&b, " %s.", strings.Join(lines, ", "))
		}
	}
	if d.PostFilterMsg != "" {
		fmt.Fprintf(&b, " %s.", d.PostFilterMsg)
	}
	return b.String()
}

package framework_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/berth-dev/berth/internal/scheduler/framework"
	st "github.com/berth-dev/berth/internal/scheduler/testing"
)

func TestPodRequests(t *testing.T) {
	tests := []struct {
		name        string
		pod         *corev1.Pod
		want        framework.Resource
		wantNonZero framework.Resource
	}{
		{
			name:        "no requests get non-zero defaults",
			pod:         st.Pod("p").Req().Obj(),
			want:        framework.Resource{},
			wantNonZero: framework.Resource{MilliCPU: 100, Memory: 200 << 20},
		},
		{
			name:        "app containers sum",
			pod:         st.Pod("p").Req("cpu", "100m", "memory", "1Gi").Req("cpu", "200m").Obj(),
			want:        framework.Resource{MilliCPU: 300, Memory: 1 << 30},
			wantNonZero: framework.Resource{MilliCPU: 300, Memory: 1<<30 + 200<<20},
		},
		{
			name:        "a larger init container wins per resource",
			pod:         st.Pod("p").InitReq("cpu", "1", "memory", "1Mi").Req("cpu", "100m", "memory", "1Gi").Obj(),
			want:        framework.Resource{MilliCPU: 1000, Memory: 1 << 30},
			wantNonZero: framework.Resource{MilliCPU: 1000, Memory: 1 << 30},
		},
		{
			name: "sidecars add to app containers and to later init containers",
			// sidecar 200m runs beside the init container (200m+500m=700m)
			// and the app container (200m+100m=300m): 700m.
			pod:         st.Pod("p").SidecarReq("cpu", "200m", "memory", "1Mi").InitReq("cpu", "500m", "memory", "1Mi").Req("cpu", "100m", "memory", "1Mi").Obj(),
			want:        framework.Resource{MilliCPU: 700, Memory: 2 << 20},
			wantNonZero: framework.Resource{MilliCPU: 700, Memory: 2 << 20},
		},
		{
			name:        "overhead is added",
			pod:         st.Pod("p").Req("cpu", "100m", "memory", "1Mi").Overhead("cpu", "50m", "memory", "1Mi").Obj(),
			want:        framework.Resource{MilliCPU: 150, Memory: 2 << 20},
			wantNonZero: framework.Resource{MilliCPU: 150, Memory: 2 << 20},
		},
		{
			name: "extended resources and ephemeral storage",
			pod:  st.Pod("p").Req("cpu", "1", "memory", "1Mi", "example.com/gpu", "2", "ephemeral-storage", "1Gi", "hugepages-2Mi", "4Mi").Obj(),
			want: framework.Resource{MilliCPU: 1000, Memory: 1 << 20, EphemeralStorage: 1 << 30,
				ScalarResources: map[corev1.ResourceName]int64{"example.com/gpu": 2, "hugepages-2Mi": 4 << 20}},
			wantNonZero: framework.Resource{MilliCPU: 1000, Memory: 1 << 20},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(&tt.want, framework.PodRequests(tt.pod)); diff != "" {
				t.Errorf("PodRequests (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(&tt.wantNonZero, framework.PodNonZeroRequests(tt.pod)); diff != "" {
				t.Errorf("PodNonZeroRequests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNodeInfoAddRemovePod(t *testing.T) {
	node := st.Node("n").Capacity("cpu", "4", "memory", "8Gi", "example.com/gpu", "2").Obj()
	a := st.Pod("a").Req("cpu", "1", "memory", "1Gi", "example.com/gpu", "1").HostPort("", "", 80).Obj()
	b := st.Pod("b").Req().PodAntiAffinityRequired("app", "db", corev1.LabelHostname).Obj()
	ni := st.NodeInfo(node, a, b)

	want := &framework.Resource{MilliCPU: 1000, Memory: 1 << 30, ScalarResources: map[corev1.ResourceName]int64{"example.com/gpu": 1}}
	if diff := cmp.Diff(want, ni.Requested); diff != "" {
		t.Errorf("Requested (-want +got):\n%s", diff)
	}
	// a's port container and b's container request nothing: 100m/200Mi each.
	wantNonZero := &framework.Resource{MilliCPU: 1200, Memory: 1<<30 + 400<<20}
	if diff := cmp.Diff(wantNonZero, ni.NonZeroRequested); diff != "" {
		t.Errorf("NonZeroRequested (-want +got):\n%s", diff)
	}
	wantAlloc := &framework.Resource{MilliCPU: 4000, Memory: 8 << 30, AllowedPodNumber: 110, ScalarResources: map[corev1.ResourceName]int64{"example.com/gpu": 2}}
	if diff := cmp.Diff(wantAlloc, ni.Allocatable); diff != "" {
		t.Errorf("Allocatable (-want +got):\n%s", diff)
	}
	if len(ni.PodsWithAffinity) != 1 || len(ni.PodsWithRequiredAntiAffinity) != 1 {
		t.Errorf("affinity lists: %d, %d; want 1, 1", len(ni.PodsWithAffinity), len(ni.PodsWithRequiredAntiAffinity))
	}
	if !ni.UsedPorts.CheckConflict("", "TCP", 80) {
		t.Error("port 80 should be in use")
	}

	clone := ni.Clone()
	if !ni.RemovePod(a) || !ni.RemovePod(b) {
		t.Fatal("RemovePod did not find the pods")
	}
	if ni.RemovePod(a) {
		t.Error("RemovePod of a removed pod reported true")
	}
	zero := &framework.Resource{ScalarResources: map[corev1.ResourceName]int64{"example.com/gpu": 0}}
	if diff := cmp.Diff(zero, ni.Requested); diff != "" {
		t.Errorf("Requested after removal (-want +got):\n%s", diff)
	}
	if len(ni.Pods) != 0 || len(ni.PodsWithAffinity) != 0 || len(ni.PodsWithRequiredAntiAffinity) != 0 || ni.UsedPorts.Len() != 0 {
		t.Errorf("pods, affinity lists or ports left after removal: %+v", ni)
	}
	if len(clone.Pods) != 2 || clone.Requested.MilliCPU != 1000 || clone.UsedPorts.Len() != 1 {
		t.Errorf("removal changed the clone: %+v", clone)
	}
}

func TestHostPortInfoCheckConflict(t *testing.T) {
	used := framework.HostPortInfo{}
	used.Add("127.0.0.1", "TCP", 80)
	used.Add("", "UDP", 53)
	tests := []struct {
		ip, protocol string
		port         int32
		want         bool
	}{
		{"127.0.0.1", "TCP", 80, true},
		{"127.0.0.2", "TCP", 80, false},
		{"0.0.0.0", "TCP", 80, true}, // all IPs clash with any IP
		{"", "", 80, true},           // defaults: 0.0.0.0 and TCP
		{"127.0.0.1", "UDP", 80, false},
		{"10.0.0.1", "UDP", 53, true}, // any IP clashes with 0.0.0.0
		{"10.0.0.1", "TCP", 53, false},
		{"", "", 0, false},
	}
	for _, tt := range tests {
		if got := used.CheckConflict(tt.ip, tt.protocol, tt.port); got != tt.want {
			t.Errorf("CheckConflict(%q, %q, %d) = %v, want %v", tt.ip, tt.protocol, tt.port, got, tt.want)
		}
	}
}

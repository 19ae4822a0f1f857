package hollow

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func testConfig(t *testing.T) Config {
	t.Helper()
	c, err := New(Config{Client: fake.NewClientset(), Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	return c.cfg
}

func TestAddressPlan(t *testing.T) {
	tests := []struct {
		i          int
		ip, podNet string
	}{
		{0, "10.0.0.1", "10.64.0.0/24"},
		{1, "10.0.0.2", "10.64.1.0/24"},
		{255, "10.0.1.0", "10.64.255.0/24"},
		{4999, "10.0.19.136", "10.83.135.0/24"},
		{maxNodes - 1, "10.0.64.0", "10.127.255.0/24"},
	}
	for _, tc := range tests {
		if got := nodeIP(tc.i).String(); got != tc.ip {
			t.Errorf("nodeIP(%d) = %s, want %s", tc.i, got, tc.ip)
		}
		if got := podCIDR(tc.i).String(); got != tc.podNet {
			t.Errorf("podCIDR(%d) = %s, want %s", tc.i, got, tc.podNet)
		}
	}
	if _, err := New(Config{Client: fake.NewClientset(), Count: maxNodes + 1}); err == nil {
		t.Error("a count beyond the address plan was accepted")
	}
}

func TestAllocIP(t *testing.T) {
	n := newNode(3, testConfig(t))
	a, b := n.allocIP("a"), n.allocIP("b")
	if a != "10.64.3.2" || b != "10.64.3.3" || n.allocIP("a") != a {
		t.Fatalf("a=%s b=%s, want .2 and .3, stable per pod", a, b)
	}
	n.releaseIP("a")
	seen := map[string]bool{b: true}
	for i := range 252 {
		ip := n.allocIP(types.UID(rune('c' + i)))
		if ip == "" || seen[ip] {
			t.Fatalf("allocation %d: %q (duplicate or none) while addresses are free", i, ip)
		}
		seen[ip] = true
	}
	if ip := n.allocIP("full"); ip != "" {
		t.Errorf("a full /24 handed out %s", ip)
	}
}

func TestNodeObject(t *testing.T) {
	cfg := testConfig(t)
	cfg.Labels = map[string]string{"pool": "hollow"}
	cfg.Taints = []corev1.Taint{{Key: "k", Effect: corev1.TaintEffectNoSchedule}}
	n := newNode(4, cfg).object(cfg, t0)
	if n.Name != "hollow-4" || n.Labels[corev1.LabelTopologyZone] != "zone-b" || n.Labels[corev1.LabelTopologyRegion] != "region-1" ||
		n.Labels["pool"] != "hollow" || n.Labels[corev1.LabelHostname] != "hollow-4" {
		t.Errorf("meta = %s %v", n.Name, n.Labels)
	}
	if n.Spec.PodCIDR != "10.64.4.0/24" || len(n.Spec.Taints) != 1 {
		t.Errorf("spec = %+v", n.Spec)
	}
	if n.Status.Allocatable.Memory().String() != "16Gi" || n.Status.Capacity.StorageEphemeral().String() != "100Gi" {
		t.Errorf("capacity = %v", n.Status.Capacity)
	}
	ready := 0
	for _, c := range n.Status.Conditions {
		want := corev1.ConditionFalse
		if c.Type == corev1.NodeReady {
			want, ready = corev1.ConditionTrue, ready+1
		}
		if c.Status != want || !c.LastHeartbeatTime.Time.Equal(t0) {
			t.Errorf("condition %+v", c)
		}
	}
	if ready != 1 || len(n.Status.Conditions) != 4 {
		t.Errorf("conditions = %+v", n.Status.Conditions)
	}
}

// A status post keeps transition times of unchanged conditions, moves
// those that changed, and keeps conditions others own.
func TestStatusKeepsTransitions(t *testing.T) {
	cfg := testConfig(t)
	n := newNode(0, cfg)
	old := n.status(cfg, nil, t0)
	for i := range old.Conditions {
		if old.Conditions[i].Type == corev1.NodeReady {
			old.Conditions[i].Status = corev1.ConditionUnknown // set by the node controller
		}
	}
	old.Conditions = append(old.Conditions, corev1.NodeCondition{Type: corev1.NodeNetworkUnavailable, Status: corev1.ConditionFalse})
	later := t0.Add(time.Minute)
	st := n.status(cfg, &old, later)
	for _, c := range st.Conditions {
		switch c.Type {
		case corev1.NodeReady:
			if c.Status != corev1.ConditionTrue || !c.LastTransitionTime.Time.Equal(later) {
				t.Errorf("Ready = %+v, want True since %v", c, later)
			}
		case corev1.NodeNetworkUnavailable:
		default:
			if !c.LastTransitionTime.Time.Equal(t0) || !c.LastHeartbeatTime.Time.Equal(later) {
				t.Errorf("%s = %+v, want transition kept, heartbeat moved", c.Type, c)
			}
		}
	}
	if len(st.Conditions) != 5 {
		t.Errorf("conditions = %+v, want NetworkUnavailable kept", st.Conditions)
	}
}

func TestRunningStatus(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", UID: "u"},
		Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "init", Image: "i"}, {Name: "sidecar", Image: "s", RestartPolicy: &always}},
			Containers:     []corev1.Container{{Name: "app", Image: "a"}},
		},
		Status: corev1.PodStatus{Phase: corev1.PodPending, QOSClass: corev1.PodQOSBestEffort},
	}
	st := runningStatus(p, "10.0.0.1", "10.64.0.2", t0)
	if st.Phase != corev1.PodRunning || st.PodIP != "10.64.0.2" || st.HostIP != "10.0.0.1" || !st.StartTime.Time.Equal(t0) || st.QOSClass != corev1.PodQOSBestEffort {
		t.Errorf("status = %+v", st)
	}
	if len(st.Conditions) != 5 {
		t.Errorf("conditions = %+v", st.Conditions)
	}
	if s := st.InitContainerStatuses[0]; s.State.Terminated == nil || s.State.Terminated.Reason != "Completed" {
		t.Errorf("init = %+v", s)
	}
	if s := st.InitContainerStatuses[1]; s.State.Running == nil || !s.Ready {
		t.Errorf("sidecar = %+v", s)
	}
	if s := st.ContainerStatuses[0]; s.State.Running == nil || !s.Ready || s.ContainerID != "hollow://u/app" {
		t.Errorf("app = %+v", s)
	}
	// Host network pods use the node's address; a pod IP once given stays.
	p.Spec.HostNetwork = true
	if st := runningStatus(p, "10.0.0.1", "10.64.0.9", t0); st.PodIP != "10.0.0.1" {
		t.Errorf("host network pod IP = %s", st.PodIP)
	}
	p.Spec.HostNetwork = false
	p.Status = st
	later := runningStatus(p, "10.0.0.1", "10.64.0.9", t0.Add(time.Hour))
	if later.PodIP != "10.64.0.2" || !later.StartTime.Time.Equal(t0) || !later.Conditions[0].LastTransitionTime.Time.Equal(t0) {
		t.Errorf("re-posted status moved: %+v", later)
	}
}

func TestNeedsKubelet(t *testing.T) {
	now := metav1.NewTime(t0)
	ready := []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	notReady := []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}
	tests := []struct {
		name string
		pod  corev1.Pod
		want bool
	}{
		{"pending", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending}}, true},
		{"running and ready", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: ready}}, false},
		{"running, marked not ready", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: notReady}}, true},
		{"finished", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodSucceeded}}, false},
		{"being deleted", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}, Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: ready}}, true},
	}
	for _, tc := range tests {
		if got := needsKubelet(&tc.pod); got != tc.want {
			t.Errorf("%s: needsKubelet = %v, want %v", tc.name, got, tc.want)
		}
	}
}

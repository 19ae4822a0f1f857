package imagelocality

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/berth-dev/berth/internal/scheduler/framework"
	st "github.com/berth-dev/berth/internal/scheduler/testing"
)

type handle struct{ snapshot *framework.Snapshot }

func (h handle) SnapshotSharedLister() framework.NodeInfoLister { return h.snapshot }
func (h handle) ClientSet() kubernetes.Interface                { return nil }

func withImages(n *corev1.Node, sizeMB int64, names ...string) *corev1.Node {
	n.Status.Images = append(n.Status.Images, corev1.ContainerImage{Names: names, SizeBytes: sizeMB * mb})
	return n
}

func TestScore(t *testing.T) {
	nodes := []*framework.NodeInfo{
		st.NodeInfo(withImages(withImages(st.Node("both").Obj(), 300, "app:v1"), 500, "sidecar:latest")),
		st.NodeInfo(withImages(st.Node("app").Obj(), 300, "app:v1")),
		st.NodeInfo(withImages(st.Node("tiny").Obj(), 10, "tiny:latest")),
		st.NodeInfo(st.Node("none").Obj()),
	}
	framework.SetImageStates(nodes)
	p, _ := New(t.Context(), nil, handle{framework.NewSnapshot(nodes...)})
	pod := st.Pod("p").Obj()
	pod.Spec.Containers = []corev1.Container{{Name: "a", Image: "app:v1"}, {Name: "s", Image: "sidecar"}, {Name: "t", Image: "tiny"}}

	var got []framework.NodeScore
	for _, n := range nodes {
		v, s := p.(*ImageLocality).Score(t.Context(), framework.NewCycleState(), pod, n)
		if !s.IsSuccess() {
			t.Fatal(s)
		}
		got = append(got, framework.NodeScore{Name: n.Node().Name, Score: v})
	}
	// app:v1 is on 2 of 4 nodes: 300MB × ½ = 150MB. sidecar (normalised to
	// sidecar:latest) is on 1 of 4: 500MB × ¼ = 125MB. Three containers:
	// the range is 23MB to 3000MB.
	//   both: (275-23)*100/(3000-23) = 8
	//   app:  (150-23)*100/2977 = 4
	//   tiny: 2.5MB is below the 23MB threshold: 0
	want := []framework.NodeScore{{Name: "both", Score: 8}, {Name: "app", Score: 4}, {Name: "tiny", Score: 0}, {Name: "none", Score: 0}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scores (-want +got):\n%s", diff)
	}
}

func TestNormalizedImageName(t *testing.T) {
	for in, want := range map[string]string{
		"nginx":                       "nginx:latest",
		"nginx:1.27":                  "nginx:1.27",
		"registry:5000/team/app":      "registry:5000/team/app:latest",
		"registry:5000/team/app:v2":   "registry:5000/team/app:v2",
		"app@sha256:0123456789abcdef": "app@sha256:0123456789abcdef",
	} {
		if got := normalizedImageName(in); got != want {
			t.Errorf("normalizedImageName(%q) = %q, want %q", in, got, want)
		}
	}
}

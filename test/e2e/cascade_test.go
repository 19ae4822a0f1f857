package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// kubectl delete cascades through the garbage collector as upstream:
// --cascade=orphan keeps a Deployment's ReplicaSet and pods (without the
// owner reference), a plain delete takes the dependents with it, and
// deleting a namespace empties and removes it.
func TestCascadingDelete(t *testing.T) {
	s := startServer(t)
	k := s.kubectl(t)
	k.ok("create", "namespace", "shop")
	k.ok("create", "deployment", "web", "--image=nginx:1", "--replicas=2", "-n", "shop")

	eventually := func(what string, cond func() bool) {
		t.Helper()
		err := wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, 60*time.Second, true, func(context.Context) (bool, error) {
			return cond(), nil
		})
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
	}
	replicaSets := func() []appsv1.ReplicaSet {
		var l appsv1.ReplicaSetList
		k.getJSON(&l, "get", "replicasets", "-n", "shop")
		return l.Items
	}
	pods := func() []corev1.Pod {
		var l corev1.PodList
		k.getJSON(&l, "get", "pods", "-n", "shop")
		return l.Items
	}
	eventually("the ReplicaSet and its 2 pods", func() bool { return len(replicaSets()) == 1 && len(pods()) == 2 })

	wantOut(t, k.ok("delete", "deployment", "web", "-n", "shop", "--cascade=orphan"), `deployment.apps "web" deleted`)
	eventually("the orphaned ReplicaSet to lose its owner", func() bool {
		rs := replicaSets()
		return len(rs) == 1 && len(rs[0].OwnerReferences) == 0
	})
	if n := len(pods()); n != 2 {
		t.Fatalf("pods after an orphaning delete: %d, want 2", n)
	}

	rs := replicaSets()[0].Name
	k.ok("delete", "replicaset", rs, "-n", "shop")
	eventually("the ReplicaSet's pods to follow it", func() bool { return len(pods()) == 0 })

	k.ok("create", "configmap", "settings", "-n", "shop", "--from-literal=a=b")
	k.ok("create", "deployment", "api", "--image=nginx:1", "--replicas=1", "-n", "shop")
	out := k.ok("delete", "namespace", "shop")
	wantOut(t, out, `namespace "shop" deleted`)
	eventually("the namespace to be gone", func() bool {
		r := k.run("get", "namespace", "shop")
		return r.code != 0 && strings.Contains(r.stderr, "NotFound")
	})
}

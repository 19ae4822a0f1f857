package integration

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/testutil"
)

func TestSystemNamespacesAndKubernetesService(t *testing.T) {
	srv := testutil.StartServer(t)
	c := srv.ProtobufClient(t)
	for _, ns := range []string{"default", "kube-system", "kube-public", "kube-node-lease"} {
		got, err := c.CoreV1().Namespaces().Get(t.Context(), ns, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get namespace %s: %v", ns, err)
		}
		if got.Status.Phase != corev1.NamespaceActive {
			t.Errorf("namespace %s phase = %q, want Active", ns, got.Status.Phase)
		}
	}
	svc, err := c.CoreV1().Services("default").Get(t.Context(), "kubernetes", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get kubernetes service: %v", err)
	}
	if svc.Spec.ClusterIP != "10.43.0.1" {
		t.Errorf("kubernetes service clusterIP = %q, want 10.43.0.1", svc.Spec.ClusterIP)
	}
}

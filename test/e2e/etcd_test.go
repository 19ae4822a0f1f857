package e2e

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// startEtcd runs an external etcd (Debian's etcd-server) on loopback ports
// in a temp dir and returns its client URL.
func startEtcd(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("etcd")
	if err != nil {
		t.Skipf("SKIPPING: no etcd binary (apt-get install etcd-server; scripts/setup.sh installs it): %v", err)
	}
	client := "http://127.0.0.1:" + strconv.Itoa(freePort(t))
	peer := "http://127.0.0.1:" + strconv.Itoa(freePort(t))
	cmd := exec.Command(bin, "--name", "e2e", "--data-dir", filepath.Join(t.TempDir(), "etcd"),
		"--listen-client-urls", client, "--advertise-client-urls", client,
		"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "e2e="+peer)
	logf, err := os.Create(filepath.Join(t.TempDir(), "etcd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start etcd: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		logf.Close()
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(client + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return client
			}
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(logf.Name())
			t.Fatalf("etcd not healthy: %v\n%s", err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Two servers sharing one external etcd (and one CA) serve the same
// cluster: writes through one are read and watched through the other, and
// Service addresses never collide.
func TestExternalEtcdSharedByTwoServers(t *testing.T) {
	etcdURL := startEtcd(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	a := startServerIn(t, dirA, 0, "--etcd-servers", etcdURL)
	if out, err := exec.Command("cp", "-a", filepath.Join(dirA, "tls"), dirB).CombinedOutput(); err != nil {
		t.Fatalf("share the CA: %v: %s", err, out)
	}
	b := startServerIn(t, dirB, 0, "--etcd-servers", etcdURL)
	ka, kb := a.kubectl(t), b.kubectl(t)

	ka.ok("create", "configmap", "shared", "--from-literal=k=v")
	var cm corev1.ConfigMap
	kb.getJSON(&cm, "get", "configmap", "shared", "-o", "json")
	if cm.Data["k"] != "v" {
		t.Fatalf("configmap through the second server = %+v", cm.Data)
	}

	w := kb.start("get", "configmaps", "--watch", "-o", "name")
	w.until(20*time.Second, "configmap/shared")
	ka.ok("create", "configmap", "second", "--from-literal=k=v")
	w.until(20*time.Second, "configmap/second")

	ips := map[string]bool{}
	for i, k := range []*kubectl{ka, kb, ka, kb} {
		name := fmt.Sprintf("svc-%d", i)
		k.ok("create", "service", "clusterip", name, "--tcp=80")
		var svc corev1.Service
		k.getJSON(&svc, "get", "service", name, "-o", "json")
		if ips[svc.Spec.ClusterIP] || svc.Spec.ClusterIP == "" {
			t.Fatalf("service %s got clusterIP %q, already taken: %v", name, svc.Spec.ClusterIP, ips)
		}
		ips[svc.Spec.ClusterIP] = true
	}
}

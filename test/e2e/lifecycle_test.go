package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
)

// TestBuiltinKubectl runs `berth kubectl` with BERTH_DATA_DIR and no
// KUBECONFIG, as on a node where the server runs.
func TestBuiltinKubectl(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	env := testEnv(t, []string{"BERTH_DATA_DIR=" + s.dataDir})
	r := execute(t, env, "", berthBin, "kubectl", "get", "ns")
	if r.code != 0 {
		t.Fatalf("berth kubectl get ns: %s", r)
	}
	tbs := parseTables(r.stdout)
	if len(tbs) != 1 {
		t.Fatalf("berth kubectl get ns: want one table:\n%s", r.stdout)
	}
	if diff := cmp.Diff([]string{"NAME", "STATUS", "AGE"}, tbs[0].header); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	var names []string
	for _, row := range tbs[0].rows {
		names = append(names, row[0]+" "+row[1])
	}
	want := []string{"default Active", "kube-node-lease Active", "kube-public Active", "kube-system Active"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("namespaces (-want +got):\n%s", diff)
	}

	r = execute(t, env, "", berthBin, "kubectl", "create", "configmap", "via-builtin", "--from-literal=a=b")
	if r.code != 0 || strings.TrimSpace(r.stdout) != "configmap/via-builtin created" {
		t.Errorf("berth kubectl create configmap: %s", r)
	}
	var cm corev1.ConfigMap
	s.kubectl(t).getJSON(&cm, "get", "configmap", "via-builtin")
	if cm.Data["a"] != "b" {
		t.Errorf("configmap created by berth kubectl: data = %v", cm.Data)
	}

	// Without BERTH_DATA_DIR it falls back to /var/lib/berth, which this
	// server does not use: the call must fail rather than reach it.
	noDir := testEnv(t, []string{"BERTH_DATA_DIR=" + t.TempDir()})
	if r := execute(t, noDir, "", berthBin, "kubectl", "get", "ns"); r.code == 0 {
		t.Errorf("berth kubectl with an empty data dir succeeded: %s", r)
	}
}

// clusterState is what a restart must keep: bootstrap objects (counted, so
// duplicates show) and the identity of user objects.
type clusterState struct {
	Namespaces      map[string]string // name → uid
	PriorityClasses map[string]string
	Services        map[string]string // ns/name → uid clusterIP
	EndpointSlices  int
	Deployment      string // uid
}

func readState(t *testing.T, k *kubectl) clusterState {
	t.Helper()
	st := clusterState{Namespaces: map[string]string{}, PriorityClasses: map[string]string{}, Services: map[string]string{}}
	var nss corev1.NamespaceList
	k.getJSON(&nss, "get", "namespaces")
	for _, n := range nss.Items {
		st.Namespaces[n.Name] = string(n.UID)
	}
	var pcs schedulingv1.PriorityClassList
	k.getJSON(&pcs, "get", "priorityclasses")
	for _, p := range pcs.Items {
		st.PriorityClasses[p.Name] = string(p.UID)
	}
	var svcs corev1.ServiceList
	k.getJSON(&svcs, "get", "services", "-A")
	for _, s := range svcs.Items {
		st.Services[s.Namespace+"/"+s.Name] = string(s.UID) + " " + s.Spec.ClusterIP
	}
	var slices discoveryv1.EndpointSliceList
	k.getJSON(&slices, "get", "endpointslices", "-A")
	for _, s := range slices.Items {
		// Only the API server's own slices: controllers write theirs
		// asynchronously after the apply.
		if s.Labels[discoveryv1.LabelManagedBy] == "" {
			st.EndpointSlices++
		}
	}
	var d appsv1.Deployment
	k.getJSON(&d, "get", "deployment", "web")
	st.Deployment = string(d.UID)
	return st
}

func TestRestartKeepsState(t *testing.T) {
	t.Parallel()
	s1 := startServer(t)
	dir := s1.dataDir
	k1 := s1.kubectl(t)
	k1.ok("apply", "-f", appManifest)
	before := readState(t, k1)
	oldKubeconfig, err := os.ReadFile(s1.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	oldCA, err := os.ReadFile(filepath.Join(dir, "tls", "ca.crt"))
	if err != nil {
		t.Fatalf("read CA: %v (files: %v)", err, listDir(dir))
	}
	saved := filepath.Join(t.TempDir(), "old.kubeconfig")
	if err := os.WriteFile(saved, oldKubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}

	s1.stop()
	if t.Failed() {
		t.FailNow()
	}
	s2 := startServerIn(t, dir, s1.port)

	newCA, err := os.ReadFile(filepath.Join(dir, "tls", "ca.crt"))
	if err != nil || !bytes.Equal(oldCA, newCA) {
		t.Errorf("CA changed across restart (err %v)", err)
	}
	newKubeconfig, err := os.ReadFile(s2.kubeconfig)
	if err != nil || !bytes.Equal(oldKubeconfig, newKubeconfig) {
		t.Errorf("admin kubeconfig changed across a restart on the same port (err %v)", err)
	}
	// The kubeconfig saved before the restart still works.
	old := &kubectl{t: t, bin: stockKubectl, env: testEnv(t, []string{"KUBECONFIG=" + saved}), dir: t.TempDir()}
	requireBinary(t, stockKubectl)
	after := readState(t, old)
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("cluster state across restart (-before +after):\n%s", diff)
	}
	var sec corev1.Secret
	old.getJSON(&sec, "get", "secret", "web-secret")
	if string(sec.Data["password"]) != "s3cret" {
		t.Errorf("secret data after restart = %q", sec.Data)
	}
	// Writes still work and the server keeps allocating.
	old.ok("create", "service", "clusterip", "after-restart", "--tcp=81:81")
}

func TestSecondServerOnSameDataDir(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	start := time.Now()
	r := execute(t, testEnv(t, nil), "", berthBin, "server", "--data-dir", s.dataDir,
		"--secure-port", strconv.Itoa(freePort(t)), "--bind-address", "127.0.0.1", "--disable-agent")
	took := time.Since(start)
	if r.code == 0 || !strings.Contains(r.stderr, "is in use") {
		t.Errorf("second server on the same data dir: want a non-zero exit mentioning \"is in use\", got %s", r)
	}
	if took > 10*time.Second {
		t.Errorf("second server took %v to give up, want at once", took)
	}
	// The first server is unharmed.
	if err := s.probeReady(); err != nil {
		t.Errorf("first server after the second one gave up: %v", err)
	}
	s.kubectl(t).ok("get", "namespaces")
}

func listDir(dir string) []string {
	var out []string
	_ = filepath.WalkDir(dir, func(p string, _ os.DirEntry, _ error) error {
		out = append(out, strings.TrimPrefix(p, dir))
		return nil
	})
	return out
}

package e2e

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestApplyMultiDocument(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	k := s.kubectl(t)
	k.ok("apply", "-f", appManifest)

	// Re-applying the same file changes nothing. The Secret still reports
	// "configured": its stringData is never stored, so kubectl's three-way
	// patch is never empty (upstream kubernetes/kubernetes#87736).
	got := lines(k.ok("apply", "-f", appManifest))
	want := []string{
		"deployment.apps/web unchanged",
		"service/web unchanged",
		"configmap/web-config unchanged",
		"secret/web-secret configured",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("second apply output (-want +got):\n%s", diff)
	}
	if r := k.run("diff", "-f", appManifest); r.code != 0 {
		t.Errorf("kubectl diff of the applied file: want exit 0 (no differences), got %s", r)
	}
	manifest, err := os.ReadFile(appManifest)
	if err != nil {
		t.Fatal(err)
	}
	changed := k.file("changed.yaml", strings.Replace(string(manifest), "image: nginx:1.27", "image: nginx:1.28", 1))
	r := k.run("diff", "-f", changed)
	if r.code != 1 || !strings.Contains(r.stdout, "-      - image: nginx:1.27") || !strings.Contains(r.stdout, "+      - image: nginx:1.28") {
		t.Errorf("kubectl diff after changing the image: want exit 1 and an image diff, got %s", r)
	}

	var d appsv1.Deployment
	k.getJSON(&d, "get", "deployment", "web")
	checkDeploymentDefaults(t, &d)
	if d.Generation != 1 {
		t.Errorf("generation after unchanged apply = %d, want 1", d.Generation)
	}
	var svc corev1.Service
	k.getJSON(&svc, "get", "service", "web")
	if svc.Spec.ClusterIP == "" || svc.Spec.Type != corev1.ServiceTypeClusterIP || svc.Spec.SessionAffinity != corev1.ServiceAffinityNone {
		t.Errorf("service web: clusterIP=%q type=%q sessionAffinity=%q; want an allocated IP, ClusterIP, None",
			svc.Spec.ClusterIP, svc.Spec.Type, svc.Spec.SessionAffinity)
	}

	// The controllers create the ReplicaSet and its pods; with no kubelet
	// none becomes ready.
	waitDeploymentPods(t, k, "web", 2)
	tables := parseTables(k.ok("get", "deploy,svc,cm", "-o", "wide"))
	if len(tables) != 3 {
		t.Fatalf("get deploy,svc,cm -o wide: want 3 tables, got %d", len(tables))
	}
	wantTables := []struct {
		header []string
		rows   [][]string
	}{
		{
			header: []string{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"},
			rows:   [][]string{{"deployment.apps/web", "0/2", "2", "0", "*", "nginx", "nginx:1.27", "app=web"}},
		},
		{
			header: []string{"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"},
			rows: [][]string{
				{"service/kubernetes", "ClusterIP", "10.43.0.1", "<none>", "443/TCP", "*", "<none>"},
				{"service/web", "ClusterIP", svc.Spec.ClusterIP, "<none>", "80/TCP", "*", "app=web"},
			},
		},
		{
			header: []string{"NAME", "DATA", "AGE"},
			rows:   [][]string{{"configmap/web-config", "1", "*"}},
		},
	}
	for i, w := range wantTables {
		tb := tables[i]
		if diff := cmp.Diff(w.header, tb.header); diff != "" {
			t.Errorf("table %d header (-want +got):\n%s", i, diff)
		}
		for _, wr := range w.rows {
			if diff := cmp.Diff(wr, tb.withoutAge(tb.row(wr[0]))); diff != "" {
				t.Errorf("table %d row %s (-want +got):\n%s", i, wr[0], diff)
			}
		}
	}

	all := parseTables(k.ok("get", "all"))
	var names []string
	pods := 0
	for _, tb := range all {
		for _, r := range tb.rows {
			switch {
			case strings.HasPrefix(r[0], "pod/web-"):
				pods++
			case strings.HasPrefix(r[0], "replicaset.apps/web-"):
				names = append(names, "replicaset.apps/web-*")
			default:
				names = append(names, r[0])
			}
		}
	}
	if pods != 2 {
		t.Errorf("get all: %d pods of web, want 2", pods)
	}
	wantAll := []string{"service/kubernetes", "service/web", "deployment.apps/web", "replicaset.apps/web-*"}
	if diff := cmp.Diff(wantAll, names); diff != "" {
		t.Errorf("get all (-want +got):\n%s", diff)
	}
}

func TestServerSideApply(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	k := s.kubectl(t)
	manifest, err := os.ReadFile(appManifest)
	if err != nil {
		t.Fatal(err)
	}
	app := k.file("app.yaml", string(manifest))

	got := lines(k.ok("apply", "--server-side", "-f", app))
	want := []string{
		"deployment.apps/web serverside-applied",
		"service/web serverside-applied",
		"configmap/web-config serverside-applied",
		"secret/web-secret serverside-applied",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("apply --server-side output (-want +got):\n%s", diff)
	}
	var d appsv1.Deployment
	k.getJSON(&d, "get", "deployment", "web", "--show-managed-fields")
	checkDeploymentDefaults(t, &d)
	if m := manager(d.ManagedFields, "kubectl"); m == nil || m.Operation != "Apply" {
		t.Errorf("managedFields: want an Apply entry for manager kubectl, got %+v", d.ManagedFields)
	}

	if r := k.run("diff", "--server-side", "-f", app); r.code != 0 {
		t.Errorf("kubectl diff --server-side, file unchanged: want exit 0, got %s", r)
	}
	changed := strings.Replace(string(manifest), "replicas: 2", "replicas: 3", 1)
	k.file("app.yaml", changed)
	r := k.run("diff", "--server-side", "-f", app)
	if r.code != 1 || !strings.Contains(r.stdout, "-  replicas: 2") || !strings.Contains(r.stdout, "+  replicas: 3") {
		t.Errorf("kubectl diff after changing replicas: want exit 1 and a replicas 2→3 diff, got %s", r)
	}

	// A second manager setting the same field to another value conflicts.
	other := k.file("other.yaml", `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 5
`)
	r = k.fails("apply", "--server-side", "--field-manager=other", "-f", other)
	for _, s := range []string{"Apply failed with 1 conflict", `conflict with "kubectl"`, ".spec.replicas", "--force-conflicts"} {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("conflicting apply: stderr lacks %q:\n%s", s, r)
		}
	}
	k.getJSON(&d, "get", "deployment", "web")
	if *d.Spec.Replicas != 2 {
		t.Errorf("replicas after a rejected apply = %d, want 2", *d.Spec.Replicas)
	}

	if out := strings.TrimSpace(k.ok("apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", other)); out != "deployment.apps/web serverside-applied" {
		t.Errorf("apply --force-conflicts output = %q", out)
	}
	k.getJSON(&d, "get", "deployment", "web", "--show-managed-fields")
	if *d.Spec.Replicas != 5 {
		t.Errorf("replicas after --force-conflicts = %d, want 5", *d.Spec.Replicas)
	}
	if m := manager(d.ManagedFields, "other"); m == nil || !strings.Contains(string(m.FieldsV1.Raw), `"f:replicas"`) {
		t.Errorf("managedFields: want manager other to own spec.replicas, got %+v", d.ManagedFields)
	}
	if m := manager(d.ManagedFields, "kubectl"); m == nil || strings.Contains(string(m.FieldsV1.Raw), `"f:replicas"`) {
		t.Errorf("managedFields: want manager kubectl to keep its fields but lose spec.replicas, got %+v", d.ManagedFields)
	}
	if d.Spec.Template.Spec.Containers[0].Image != "nginx:1.27" {
		t.Errorf("image = %q: a partial apply by another manager must leave kubectl's fields alone", d.Spec.Template.Spec.Containers[0].Image)
	}
}

func manager(entries []metav1.ManagedFieldsEntry, name string) *metav1.ManagedFieldsEntry {
	for i := range entries {
		if entries[i].Manager == name {
			return &entries[i]
		}
	}
	return nil
}

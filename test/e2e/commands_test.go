package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// wantOut fails unless trimmed stdout equals want.
func wantOut(t *testing.T, got, want string) {
	t.Helper()
	if strings.TrimSpace(got) != want {
		t.Errorf("output = %q, want %q", strings.TrimSpace(got), want)
	}
}

func TestMutatingCommands(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	k := s.kubectl(t)
	k.ok("apply", "-f", appManifest)
	var d appsv1.Deployment
	get := func() *appsv1.Deployment {
		t.Helper()
		d = appsv1.Deployment{}
		k.getJSON(&d, "get", "deployment", "web")
		return &d
	}

	t.Run("label", func(t *testing.T) {
		wantOut(t, k.ok("label", "deployment", "web", "tier=fe"), "deployment.apps/web labeled")
		r := k.fails("label", "deployment", "web", "tier=be")
		if want := "'tier' already has a value (fe), and --overwrite is false"; !strings.Contains(r.stderr, want) {
			t.Errorf("relabel without --overwrite: stderr lacks %q:\n%s", want, r)
		}
		wantOut(t, k.ok("label", "deployment", "web", "tier=be", "--overwrite"), "deployment.apps/web labeled")
		if got := get().Labels; got["tier"] != "be" {
			t.Errorf("labels = %v, want tier=be", got)
		}
		wantOut(t, k.ok("label", "deployment", "web", "tier-"), "deployment.apps/web unlabeled")
		if _, ok := get().Labels["tier"]; ok {
			t.Errorf("label tier still set after tier-: %v", d.Labels)
		}
	})

	t.Run("annotate", func(t *testing.T) {
		wantOut(t, k.ok("annotate", "deployment", "web", "owner=team-a"), "deployment.apps/web annotated")
		if got := get().Annotations["owner"]; got != "team-a" {
			t.Errorf("annotation owner = %q, want team-a", got)
		}
	})

	t.Run("patch", func(t *testing.T) {
		wantOut(t, k.ok("patch", "deployment", "web", "-p",
			`{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.28"}]}}}}`), "deployment.apps/web patched")
		cs := get().Spec.Template.Spec.Containers
		if len(cs) != 1 || cs[0].Image != "nginx:1.28" || len(cs[0].Ports) != 1 {
			t.Errorf("strategic patch merges containers by name: got %+v", cs)
		}
		if d.Generation != 2 {
			t.Errorf("generation after a template change = %d, want 2", d.Generation)
		}
		wantOut(t, k.ok("patch", "deployment", "web", "--type=merge", "-p", `{"metadata":{"labels":{"merged":"yes"}}}`), "deployment.apps/web patched")
		if got := get().Labels; got["merged"] != "yes" || got["app"] != "web" {
			t.Errorf("merge patch labels = %v", got)
		}
		wantOut(t, k.ok("patch", "deployment", "web", "--type=json", "-p", `[{"op":"replace","path":"/spec/replicas","value":4}]`), "deployment.apps/web patched")
		if got := *get().Spec.Replicas; got != 4 {
			t.Errorf("replicas after json patch = %d, want 4", got)
		}
		wantOut(t, k.ok("patch", "deployment", "web", "--type=merge", "-p", `{"spec":{"replicas":4}}`), "deployment.apps/web patched (no change)")
		r := k.fails("patch", "deployment", "web", "--type=json", "-p", `[{"op":"replace","path":"/spec/nope/x","value":1}]`)
		if want := "The request is invalid: the server rejected our request due to an error in our request"; strings.TrimSpace(r.stderr) != want {
			t.Errorf("json patch of a missing path: want stderr %q, got %s", want, r)
		}
	})

	t.Run("scale", func(t *testing.T) {
		wantOut(t, k.ok("scale", "deployment", "web", "--replicas=2"), "deployment.apps/web scaled")
		if got := *get().Spec.Replicas; got != 2 {
			t.Errorf("replicas after scale = %d, want 2", got)
		}
		var sc autoscalingv1.Scale
		if err := json.Unmarshal([]byte(k.ok("get", "--raw", "/apis/apps/v1/namespaces/default/deployments/web/scale")), &sc); err != nil {
			t.Fatalf("decode scale: %v", err)
		}
		if sc.Kind != "Scale" || sc.Spec.Replicas != 2 || sc.Status.Selector != "app=web" {
			t.Errorf("scale subresource = %+v, want kind Scale, replicas 2, selector app=web", sc)
		}
	})

	t.Run("edit", func(t *testing.T) {
		editor := filepath.Join(t.TempDir(), "editor.sh")
		script := "#!/bin/sh\nexec sed -i 's/replicas: 2/replicas: 3/' \"$1\"\n"
		if err := os.WriteFile(editor, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		ke := s.kubectlBin(t, stockKubectl, "KUBE_EDITOR="+editor)
		wantOut(t, ke.ok("edit", "deployment", "web"), "deployment.apps/web edited")
		if got := *get().Spec.Replicas; got != 3 {
			t.Errorf("replicas after edit = %d, want 3", got)
		}
		// An edit that changes nothing is reported as such.
		r := ke.run("edit", "deployment", "web")
		if r.code != 0 || !strings.Contains(r.stdout+r.stderr, "Edit cancelled, no changes made.") {
			t.Errorf("no-op edit: %s", r)
		}
	})

	t.Run("delete graceful and forced", func(t *testing.T) {
		k.ok("apply", "-f", k.file("bound.yaml", `apiVersion: v1
kind: Pod
metadata:
  name: bound
spec:
  nodeName: node-1
  containers:
  - name: c
    image: busybox
`))
		var p corev1.Pod
		k.getJSON(&p, "get", "pod", "bound")
		// Upstream's default admission: Priority and DefaultTolerationSeconds.
		wantTolerations := []corev1.Toleration{
			{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](300)},
			{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](300)},
		}
		if diff := cmp.Diff(wantTolerations, p.Spec.Tolerations); diff != "" {
			t.Errorf("pod tolerations (-want +got):\n%s", diff)
		}
		if p.Spec.Priority == nil || *p.Spec.Priority != 0 || p.Spec.PreemptionPolicy == nil || *p.Spec.PreemptionPolicy != corev1.PreemptLowerPriority {
			t.Errorf("pod priority=%v preemptionPolicy=%v, want 0 and PreemptLowerPriority", p.Spec.Priority, p.Spec.PreemptionPolicy)
		}
		wide := parseTables(k.ok("get", "pod", "bound", "-o", "wide"))
		wantWide := []string{"NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"}
		if len(wide) != 1 || !cmp.Equal(wantWide, wide[0].header) {
			t.Errorf("get pod -o wide: want header %q, got %+v", wantWide, wide)
		} else if diff := cmp.Diff([]string{"bound", "0/1", "Pending", "0", "*", "<none>", "node-1", "<none>", "<none>"}, wide[0].withoutAge(wide[0].row("bound"))); diff != "" {
			t.Errorf("get pod -o wide row (-want +got):\n%s", diff)
		}

		wantOut(t, k.ok("delete", "pod", "bound", "--wait=false"), `pod "bound" deleted`)
		p = corev1.Pod{}
		k.getJSON(&p, "get", "pod", "bound")
		if p.DeletionTimestamp == nil || p.DeletionGracePeriodSeconds == nil || *p.DeletionGracePeriodSeconds != 30 {
			t.Errorf("bound pod after delete: deletionTimestamp=%v grace=%v; want set, 30", p.DeletionTimestamp, p.DeletionGracePeriodSeconds)
		}
		tb := parseTables(k.ok("get", "pod", "bound"))
		if len(tb) != 1 || tb[0].row("bound") == nil || tb[0].row("bound")[tb[0].column("STATUS")] != "Terminating" {
			t.Errorf("get pod bound: want STATUS Terminating, got %+v", tb)
		}
		r := k.run("delete", "pod", "bound", "--grace-period=0", "--force")
		if r.code != 0 || strings.TrimSpace(r.stdout) != `pod "bound" force deleted` ||
			!strings.Contains(r.stderr, "Immediate deletion does not wait for confirmation") {
			t.Errorf("forced delete: %s", r)
		}
		r = k.fails("get", "pod", "bound")
		if want := `pods "bound" not found`; !strings.Contains(r.stderr, want) {
			t.Errorf("get after forced delete: stderr lacks %q: %s", want, r)
		}
	})

	t.Run("create", func(t *testing.T) {
		wantOut(t, k.ok("create", "namespace", "team"), "namespace/team created")
		wantOut(t, k.ok("create", "configmap", "c1", "-n", "team", "--from-literal=a=b"), "configmap/c1 created")
		wantOut(t, k.ok("create", "secret", "generic", "s1", "-n", "team", "--from-literal=k=v"), "secret/s1 created")
		wantOut(t, k.ok("create", "deployment", "d1", "-n", "team", "--image=nginx", "--replicas=2"), "deployment.apps/d1 created")
		wantOut(t, k.ok("create", "service", "clusterip", "s1", "-n", "team", "--tcp=80:8080"), "service/s1 created")
		r := k.fails("create", "configmap", "c1", "-n", "team")
		if want := `configmaps "c1" already exists`; !strings.Contains(r.stderr, want) {
			t.Errorf("duplicate create: stderr lacks %q: %s", want, r)
		}

		var cm corev1.ConfigMap
		k.getJSON(&cm, "get", "configmap", "c1", "-n", "team")
		if diff := cmp.Diff(map[string]string{"a": "b"}, cm.Data); diff != "" {
			t.Errorf("configmap data (-want +got):\n%s", diff)
		}
		var sec corev1.Secret
		k.getJSON(&sec, "get", "secret", "s1", "-n", "team")
		if string(sec.Data["k"]) != "v" || sec.Type != corev1.SecretTypeOpaque {
			t.Errorf("secret data=%q type=%q", sec.Data, sec.Type)
		}
		var dep appsv1.Deployment
		k.getJSON(&dep, "get", "deployment", "d1", "-n", "team")
		if *dep.Spec.Replicas != 2 || dep.Spec.Template.Spec.Containers[0].Image != "nginx" ||
			dep.Spec.Template.Spec.Containers[0].ImagePullPolicy != corev1.PullAlways || dep.Spec.Selector.MatchLabels["app"] != "d1" {
			t.Errorf("deployment d1 = %+v", dep.Spec)
		}
		var svc corev1.Service
		k.getJSON(&svc, "get", "service", "s1", "-n", "team")
		wantPorts := []corev1.ServicePort{{Name: "80-8080", Protocol: corev1.ProtocolTCP, Port: 80, TargetPort: intstr.FromInt32(8080)}}
		if diff := cmp.Diff(wantPorts, svc.Spec.Ports); diff != "" || svc.Spec.Selector["app"] != "s1" || svc.Spec.ClusterIP == "" {
			t.Errorf("service s1: selector=%v clusterIP=%q ports (-want +got):\n%s", svc.Spec.Selector, svc.Spec.ClusterIP, diff)
		}
		var ns corev1.Namespace
		k.getJSON(&ns, "get", "namespace", "team")
		if ns.Status.Phase != corev1.NamespaceActive || ns.Labels[corev1.LabelMetadataName] != "team" ||
			len(ns.Spec.Finalizers) != 1 || ns.Spec.Finalizers[0] != corev1.FinalizerKubernetes {
			t.Errorf("namespace team: phase=%q labels=%v finalizers=%v", ns.Status.Phase, ns.Labels, ns.Spec.Finalizers)
		}
	})

	t.Run("events", func(t *testing.T) {
		// A namespace with no workloads (the controllers record events for
		// the Deployments of the others).
		k.ok("create", "namespace", "quiet")
		r := k.run("get", "events", "-n", "quiet")
		if r.code != 0 || strings.TrimSpace(r.stderr) != "No resources found in quiet namespace." {
			t.Errorf("get events with none: %s", r)
		}
		now := time.Now().UTC().Format(time.RFC3339)
		k.ok("create", "-f", k.file("event.yaml", `apiVersion: v1
kind: Event
metadata:
  name: web.1
involvedObject:
  apiVersion: apps/v1
  kind: Deployment
  name: web
  namespace: default
reason: Tested
message: hello from e2e
type: Normal
count: 1
firstTimestamp: "`+now+`"
lastTimestamp: "`+now+`"
source:
  component: e2e
`))
		tbs := parseTables(k.ok("get", "events"))
		if len(tbs) != 1 {
			t.Fatalf("get events: want 1 table, got %d", len(tbs))
		}
		tb := tbs[0]
		if diff := cmp.Diff([]string{"LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"}, tb.header); diff != "" {
			t.Errorf("events header (-want +got):\n%s", diff)
		}
		// Besides the controllers' events (ScalingReplicaSet, …), the one
		// created here.
		var tested [][]string
		for _, r := range tb.rows {
			if len(r) > 2 && r[2] == "Tested" {
				tested = append(tested, r)
			}
		}
		if len(tested) != 1 {
			t.Fatalf("events rows = %q, want 1 with reason Tested", tb.rows)
		}
		if diff := cmp.Diff([]string{"*", "Normal", "Tested", "deployment/web", "hello from e2e"}, tb.withoutAge(tested[0])); diff != "" {
			t.Errorf("events row (-want +got):\n%s", diff)
		}
	})
}

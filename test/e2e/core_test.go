package e2e

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// appManifest is testdata/app.yaml: Deployment web, Service web, ConfigMap
// web-config and Secret web-secret (stringData).
const appManifest = "testdata/app.yaml"

// coreScenario is the one body every kubectl version runs: apply a
// multi-document file, read it back as JSON and as a table, explain a
// field, label, delete.
func coreScenario(t *testing.T, k *kubectl) {
	t.Helper()
	got := lines(k.ok("apply", "-f", appManifest))
	want := []string{
		"deployment.apps/web created",
		"service/web created",
		"configmap/web-config created",
		"secret/web-secret created",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("apply output (-want +got):\n%s", diff)
	}

	var d appsv1.Deployment
	k.getJSON(&d, "get", "deployment", "web")
	checkDeploymentDefaults(t, &d)

	var sec corev1.Secret
	k.getJSON(&sec, "get", "secret", "web-secret")
	if string(sec.Data["password"]) != "s3cret" || len(sec.StringData) != 0 || sec.Type != corev1.SecretTypeOpaque {
		t.Errorf("secret: data=%q stringData=%q type=%q; want data[password]=s3cret from stringData, type Opaque",
			sec.Data, sec.StringData, sec.Type)
	}

	// The controllers create the ReplicaSet and its pods; with no kubelet
	// none becomes ready.
	waitDeploymentPods(t, k, "web", 2)
	tables := parseTables(k.ok("get", "deployments"))
	if len(tables) != 1 {
		t.Fatalf("get deployments: want 1 table, got %d", len(tables))
	}
	tb := tables[0]
	if diff := cmp.Diff([]string{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"}, tb.header); diff != "" {
		t.Errorf("get deployments header (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"web", "0/2", "2", "0", "*"}, tb.withoutAge(tb.row("web"))); diff != "" {
		t.Errorf("get deployments row (-want +got):\n%s", diff)
	}

	explain := k.ok("explain", "deployment.spec.strategy")
	for _, s := range []string{"KIND:", "Deployment", "rollingUpdate", "<RollingUpdateDeployment>",
		"Rolling update config params", "type", "<string>"} {
		if !strings.Contains(explain, s) {
			t.Errorf("explain deployment.spec.strategy lacks %q:\n%s", s, explain)
		}
	}

	if out := strings.TrimSpace(k.ok("label", "deployment", "web", "tier=frontend")); out != "deployment.apps/web labeled" {
		t.Errorf("label output = %q", out)
	}
	k.getJSON(&d, "get", "deployment", "web")
	if d.Labels["tier"] != "frontend" || d.Labels["app"] != "web" {
		t.Errorf("labels after kubectl label = %v", d.Labels)
	}

	out := lines(k.ok("delete", "-f", appManifest))
	wantDel := []string{`deployment.apps "web" deleted`, `service "web" deleted`, `configmap "web-config" deleted`, `secret "web-secret" deleted`}
	if len(out) != len(wantDel) {
		t.Errorf("delete output = %q, want %q", out, wantDel)
	}
	for i := range min(len(out), len(wantDel)) {
		if !strings.HasPrefix(out[i], wantDel[i]) {
			t.Errorf("delete output line %d = %q, want prefix %q", i, out[i], wantDel[i])
		}
	}
	r := k.fails("get", "deployment", "web")
	if want := `deployments.apps "web" not found`; !strings.Contains(r.stderr, want) {
		t.Errorf("get after delete: stderr lacks %q:\n%s", want, r)
	}
}

// checkDeploymentDefaults compares the fields the API server defaults with
// upstream's values for testdata/app.yaml.
func checkDeploymentDefaults(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	type defaults struct {
		Strategy                      appsv1.DeploymentStrategy
		RevisionHistoryLimit          *int32
		ProgressDeadlineSeconds       *int32
		Replicas                      *int32
		Container                     corev1.Container
		DNSPolicy                     corev1.DNSPolicy
		RestartPolicy                 corev1.RestartPolicy
		SchedulerName                 string
		TerminationGracePeriodSeconds *int64
		SecurityContext               *corev1.PodSecurityContext
	}
	pct := intstr.FromString("25%")
	want := defaults{
		Strategy: appsv1.DeploymentStrategy{
			Type:          appsv1.RollingUpdateDeploymentStrategyType,
			RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &pct, MaxUnavailable: &pct},
		},
		RevisionHistoryLimit:    ptr.To[int32](10),
		ProgressDeadlineSeconds: ptr.To[int32](600),
		Replicas:                ptr.To[int32](2),
		Container: corev1.Container{
			Name: "nginx", Image: "nginx:1.27",
			Ports:                    []corev1.ContainerPort{{ContainerPort: 80, Protocol: corev1.ProtocolTCP}},
			ImagePullPolicy:          corev1.PullIfNotPresent,
			TerminationMessagePath:   "/dev/termination-log",
			TerminationMessagePolicy: corev1.TerminationMessageReadFile,
		},
		DNSPolicy:                     corev1.DNSClusterFirst,
		RestartPolicy:                 corev1.RestartPolicyAlways,
		SchedulerName:                 "default-scheduler",
		TerminationGracePeriodSeconds: ptr.To[int64](30),
		SecurityContext:               &corev1.PodSecurityContext{},
	}
	ps := d.Spec.Template.Spec
	got := defaults{
		Strategy:                      d.Spec.Strategy,
		RevisionHistoryLimit:          d.Spec.RevisionHistoryLimit,
		ProgressDeadlineSeconds:       d.Spec.ProgressDeadlineSeconds,
		Replicas:                      d.Spec.Replicas,
		DNSPolicy:                     ps.DNSPolicy,
		RestartPolicy:                 ps.RestartPolicy,
		SchedulerName:                 ps.SchedulerName,
		TerminationGracePeriodSeconds: ps.TerminationGracePeriodSeconds,
		SecurityContext:               ps.SecurityContext,
	}
	if len(ps.Containers) == 1 {
		got.Container = ps.Containers[0]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("deployment defaults (-want +got):\n%s", diff)
	}
	if d.UID == "" || d.ResourceVersion == "" || d.CreationTimestamp.IsZero() || d.Generation != 1 {
		t.Errorf("deployment metadata: uid=%q rv=%q created=%v generation=%d; want all set, generation 1",
			d.UID, d.ResourceVersion, d.CreationTimestamp, d.Generation)
	}
}

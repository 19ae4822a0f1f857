package apps

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

// fakeRules stands in for the core pod template rules: defaulting sets the
// restart policy, validation requires at least one container.
var fakeRules = Rules{PodTemplate: PodTemplateRules{
	Default: func(t *corev1.PodTemplateSpec) {
		if t.Spec.RestartPolicy == "" {
			t.Spec.RestartPolicy = corev1.RestartPolicyAlways
		}
	},
	Validate: func(t *corev1.PodTemplateSpec, p *field.Path) field.ErrorList {
		if len(t.Spec.Containers) == 0 {
			return field.ErrorList{field.Required(p.Child("spec", "containers"), "")}
		}
		return nil
	},
}}

// errSummary renders errors as "Type path" for comparison.
func errSummary(errs field.ErrorList) []string {
	var out []string
	for _, e := range errs {
		out = append(out, string(e.Type)+" "+e.Field)
	}
	return out
}

func template(labels map[string]string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyAlways,
			Containers:    []corev1.Container{{Name: "c", Image: "i"}},
		},
	}
}

var appLabels = map[string]string{"app": "x"}

func deployment(mut ...func(*appsv1.Deployment)) *appsv1.Deployment {
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "ns", ResourceVersion: "1"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: appLabels},
			Template: template(appLabels),
		},
	}
	fakeRules.DefaultDeployment(d)
	for _, m := range mut {
		m(d)
	}
	return d
}

func TestDefaultDeployment(t *testing.T) {
	d := &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{}}}
	fakeRules.DefaultDeployment(d)
	want := appsv1.DeploymentSpec{
		Replicas: ptr.To[int32](1),
		Strategy: appsv1.DeploymentStrategy{
			Type: appsv1.RollingUpdateDeploymentStrategyType,
			RollingUpdate: &appsv1.RollingUpdateDeployment{
				MaxUnavailable: ptr.To(intstr.FromString("25%")),
				MaxSurge:       ptr.To(intstr.FromString("25%")),
			},
		},
		RevisionHistoryLimit:    ptr.To[int32](10),
		ProgressDeadlineSeconds: ptr.To[int32](600),
		Template:                corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyAlways}},
	}
	if diff := cmp.Diff(want, d.Spec); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	again := d.DeepCopy()
	fakeRules.DefaultDeployment(again)
	if diff := cmp.Diff(d, again); diff != "" {
		t.Errorf("defaulting not idempotent (-want +got):\n%s", diff)
	}
	// Recreate gets no rolling update parameters.
	r := &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}}}
	fakeRules.DefaultDeployment(r)
	if r.Spec.Strategy.RollingUpdate != nil {
		t.Errorf("Recreate got rollingUpdate %v", r.Spec.Strategy.RollingUpdate)
	}
}

func TestValidateDeployment(t *testing.T) {
	tests := []struct {
		name string
		d    *appsv1.Deployment
		want []string
	}{
		{"valid", deployment(), nil},
		{"no selector", deployment(func(d *appsv1.Deployment) { d.Spec.Selector = nil }),
			[]string{"FieldValueRequired spec.selector", "FieldValueInvalid spec.template.metadata.labels"}},
		{"empty selector", deployment(func(d *appsv1.Deployment) { d.Spec.Selector = &metav1.LabelSelector{} }),
			[]string{"FieldValueInvalid spec.selector"}},
		{"selector mismatch", deployment(func(d *appsv1.Deployment) { d.Spec.Template.Labels = map[string]string{"app": "y"} }),
			[]string{"FieldValueInvalid spec.template.metadata.labels"}},
		{"negative replicas", deployment(func(d *appsv1.Deployment) { d.Spec.Replicas = ptr.To[int32](-1) }),
			[]string{"FieldValueInvalid spec.replicas"}},
		{"both zero", deployment(func(d *appsv1.Deployment) {
			d.Spec.Strategy.RollingUpdate.MaxSurge = ptr.To(intstr.FromInt32(0))
			d.Spec.Strategy.RollingUpdate.MaxUnavailable = ptr.To(intstr.FromString("0%"))
		}), []string{"FieldValueInvalid spec.strategy.rollingUpdate.maxUnavailable"}},
		{"bad percent", deployment(func(d *appsv1.Deployment) {
			d.Spec.Strategy.RollingUpdate.MaxSurge = ptr.To(intstr.FromString("abc"))
		}), []string{"FieldValueInvalid spec.strategy.rollingUpdate.maxSurge"}},
		{"over 100%", deployment(func(d *appsv1.Deployment) {
			d.Spec.Strategy.RollingUpdate.MaxUnavailable = ptr.To(intstr.FromString("101%"))
		}), []string{"FieldValueInvalid spec.strategy.rollingUpdate.maxUnavailable"}},
		{"recreate with rollingUpdate", deployment(func(d *appsv1.Deployment) { d.Spec.Strategy.Type = appsv1.RecreateDeploymentStrategyType }),
			[]string{"FieldValueForbidden spec.strategy.rollingUpdate"}},
		{"unknown strategy", deployment(func(d *appsv1.Deployment) { d.Spec.Strategy.Type = "Blue" }),
			[]string{"FieldValueNotSupported spec.strategy"}},
		{"deadline not above minReady", deployment(func(d *appsv1.Deployment) { d.Spec.MinReadySeconds = 600 }),
			[]string{"FieldValueInvalid spec.progressDeadlineSeconds"}},
		{"restart never", deployment(func(d *appsv1.Deployment) { d.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever }),
			[]string{"FieldValueNotSupported spec.template.spec.restartPolicy"}},
		{"active deadline", deployment(func(d *appsv1.Deployment) { d.Spec.Template.Spec.ActiveDeadlineSeconds = ptr.To[int64](5) }),
			[]string{"FieldValueForbidden spec.template.spec.activeDeadlineSeconds"}},
		{"template rules applied", deployment(func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers = nil }),
			[]string{"FieldValueRequired spec.template.spec.containers"}},
		{"bad name", deployment(func(d *appsv1.Deployment) { d.Name = "Bad_Name" }),
			[]string{"FieldValueInvalid metadata.name"}},
		{"no namespace", deployment(func(d *appsv1.Deployment) { d.Namespace = "" }),
			[]string{"FieldValueRequired metadata.namespace"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := errSummary(fakeRules.ValidateDeployment(tc.d))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDeploymentMessages(t *testing.T) {
	errs := fakeRules.ValidateDeployment(deployment(func(d *appsv1.Deployment) { d.Spec.Template.Labels = nil }))
	if len(errs) != 1 || errs[0].Detail != "`selector` does not match template `labels`" {
		t.Fatalf("got %v", errs)
	}
	errs = fakeRules.ValidateDeployment(deployment(func(d *appsv1.Deployment) { d.Spec.Selector = &metav1.LabelSelector{} }))
	if len(errs) != 1 || errs[0].Detail != "empty selector is invalid for deployment" {
		t.Fatalf("got %v", errs)
	}
}

func TestValidateDeploymentUpdate(t *testing.T) {
	old := deployment()
	ok := deployment(func(d *appsv1.Deployment) { d.Spec.Replicas = ptr.To[int32](3) })
	if errs := fakeRules.ValidateDeploymentUpdate(ok, old); len(errs) != 0 {
		t.Errorf("scale: %v", errs)
	}
	changed := deployment(func(d *appsv1.Deployment) {
		d.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "x", "v": "2"}}
		d.Spec.Template.Labels = map[string]string{"app": "x", "v": "2"}
	})
	got := errSummary(fakeRules.ValidateDeploymentUpdate(changed, old))
	if diff := cmp.Diff([]string{"FieldValueInvalid spec.selector"}, got); diff != "" {
		t.Errorf("selector change (-want +got):\n%s", diff)
	}
}

func TestValidateDeploymentStatusUpdate(t *testing.T) {
	old := deployment(func(d *appsv1.Deployment) { d.Status.CollisionCount = ptr.To[int32](2) })
	cur := deployment(func(d *appsv1.Deployment) {
		d.Status.Replicas = 1
		d.Status.ReadyReplicas = 2
		d.Status.CollisionCount = ptr.To[int32](1)
	})
	got := errSummary(ValidateDeploymentStatusUpdate(cur, old))
	want := []string{"FieldValueInvalid status.readyReplicas", "FieldValueInvalid status.collisionCount"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func replicaSet(mut ...func(*appsv1.ReplicaSet)) *appsv1.ReplicaSet {
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "rs", Namespace: "ns", ResourceVersion: "1"},
		Spec: appsv1.ReplicaSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: appLabels},
			Template: template(appLabels),
		},
	}
	fakeRules.DefaultReplicaSet(rs)
	for _, m := range mut {
		m(rs)
	}
	return rs
}

func TestReplicaSet(t *testing.T) {
	if got := *replicaSet().Spec.Replicas; got != 1 {
		t.Errorf("default replicas = %d, want 1", got)
	}
	tests := []struct {
		name string
		rs   *appsv1.ReplicaSet
		want []string
	}{
		{"valid", replicaSet(), nil},
		{"bad selector", replicaSet(func(rs *appsv1.ReplicaSet) {
			rs.Spec.Selector.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "a", Operator: "Bogus"}}
		}), []string{"FieldValueInvalid spec.selector.matchExpressions[0].operator", "FieldValueInvalid spec.selector"}},
		{"negative minReadySeconds", replicaSet(func(rs *appsv1.ReplicaSet) { rs.Spec.MinReadySeconds = -1 }),
			[]string{"FieldValueInvalid spec.minReadySeconds"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, errSummary(fakeRules.ValidateReplicaSet(tc.rs))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
	upd := replicaSet(func(rs *appsv1.ReplicaSet) {
		rs.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "x", "b": "c"}}
		rs.Spec.Template.Labels = map[string]string{"app": "x", "b": "c"}
	})
	if diff := cmp.Diff([]string{"FieldValueInvalid spec.selector"}, errSummary(fakeRules.ValidateReplicaSetUpdate(upd, replicaSet()))); diff != "" {
		t.Errorf("update (-want +got):\n%s", diff)
	}
}

func statefulSet(mut ...func(*appsv1.StatefulSet)) *appsv1.StatefulSet {
	ss := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", ResourceVersion: "1"},
		Spec: appsv1.StatefulSetSpec{
			ServiceName: "web",
			Selector:    &metav1.LabelSelector{MatchLabels: appLabels},
			Template:    template(appLabels),
		},
	}
	fakeRules.DefaultStatefulSet(ss)
	for _, m := range mut {
		m(ss)
	}
	return ss
}

func TestDefaultStatefulSet(t *testing.T) {
	ss := &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{
		VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"}}},
	}}
	fakeRules.DefaultStatefulSet(ss)
	want := appsv1.StatefulSetSpec{
		Replicas:            ptr.To[int32](1),
		PodManagementPolicy: appsv1.OrderedReadyPodManagement,
		UpdateStrategy: appsv1.StatefulSetUpdateStrategy{
			Type:          appsv1.RollingUpdateStatefulSetStrategyType,
			RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: ptr.To[int32](0), MaxUnavailable: ptr.To(intstr.FromInt32(1))},
		},
		RevisionHistoryLimit: ptr.To[int32](10),
		PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
			WhenDeleted: appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
			WhenScaled:  appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
		},
		VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
			ObjectMeta: metav1.ObjectMeta{Name: "data"},
			Spec:       corev1.PersistentVolumeClaimSpec{VolumeMode: ptr.To(corev1.PersistentVolumeFilesystem)},
			Status:     corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
		}},
		Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyAlways}},
	}
	if diff := cmp.Diff(want, ss.Spec); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	again := ss.DeepCopy()
	fakeRules.DefaultStatefulSet(again)
	if diff := cmp.Diff(ss, again); diff != "" {
		t.Errorf("not idempotent (-want +got):\n%s", diff)
	}
}

func TestValidateStatefulSet(t *testing.T) {
	tests := []struct {
		name string
		ss   *appsv1.StatefulSet
		want []string
	}{
		{"valid", statefulSet(), nil},
		{"dotted name", statefulSet(func(ss *appsv1.StatefulSet) { ss.Name = "a.b" }), []string{"FieldValueInvalid metadata.name"}},
		{"bad policy", statefulSet(func(ss *appsv1.StatefulSet) { ss.Spec.PodManagementPolicy = "Random" }),
			[]string{"FieldValueInvalid spec.podManagementPolicy"}},
		{"ondelete with rollingUpdate", statefulSet(func(ss *appsv1.StatefulSet) { ss.Spec.UpdateStrategy.Type = appsv1.OnDeleteStatefulSetStrategyType }),
			[]string{"FieldValueInvalid spec.updateStrategy.rollingUpdate"}},
		{"zero maxUnavailable", statefulSet(func(ss *appsv1.StatefulSet) {
			ss.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = ptr.To(intstr.FromInt32(0))
		}), []string{"FieldValueInvalid spec.updateStrategy.rollingUpdate.maxUnavailable"}},
		{"negative partition", statefulSet(func(ss *appsv1.StatefulSet) { ss.Spec.UpdateStrategy.RollingUpdate.Partition = ptr.To[int32](-1) }),
			[]string{"FieldValueInvalid spec.updateStrategy.rollingUpdate.partition"}},
		{"bad retention", statefulSet(func(ss *appsv1.StatefulSet) { ss.Spec.PersistentVolumeClaimRetentionPolicy.WhenScaled = "Keep" }),
			[]string{"FieldValueNotSupported spec.persistentVolumeClaimRetentionPolicy.whenScaled"}},
		{"negative ordinal", statefulSet(func(ss *appsv1.StatefulSet) { ss.Spec.Ordinals = &appsv1.StatefulSetOrdinals{Start: -1} }),
			[]string{"FieldValueInvalid spec.ordinals.start"}},
		{"empty selector", statefulSet(func(ss *appsv1.StatefulSet) { ss.Spec.Selector = &metav1.LabelSelector{} }),
			[]string{"FieldValueInvalid spec.selector"}},
		{"restart onfailure", statefulSet(func(ss *appsv1.StatefulSet) { ss.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure }),
			[]string{"FieldValueNotSupported spec.template.spec.restartPolicy"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, errSummary(fakeRules.ValidateStatefulSet(tc.ss))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateStatefulSetUpdate(t *testing.T) {
	old := statefulSet()
	allowed := statefulSet(func(ss *appsv1.StatefulSet) {
		ss.Spec.Replicas = ptr.To[int32](5)
		ss.Spec.MinReadySeconds = 3
		ss.Spec.RevisionHistoryLimit = ptr.To[int32](2)
		ss.Spec.Template.Annotations = map[string]string{"a": "b"}
		ss.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted = appsv1.DeletePersistentVolumeClaimRetentionPolicyType
	})
	if errs := fakeRules.ValidateStatefulSetUpdate(allowed, old); len(errs) != 0 {
		t.Errorf("allowed update: %v", errs)
	}
	forbidden := statefulSet(func(ss *appsv1.StatefulSet) { ss.Spec.ServiceName = "other" })
	errs := fakeRules.ValidateStatefulSetUpdate(forbidden, old)
	if diff := cmp.Diff([]string{"FieldValueForbidden spec"}, errSummary(errs)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(errs[0].Detail, "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template'") {
		t.Errorf("detail = %q", errs[0].Detail)
	}
}

func daemonSet(mut ...func(*appsv1.DaemonSet)) *appsv1.DaemonSet {
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "ds", Namespace: "ns"},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: appLabels},
			Template: template(appLabels),
		},
	}
	fakeRules.DefaultDaemonSet(ds)
	for _, m := range mut {
		m(ds)
	}
	return ds
}

func TestDaemonSet(t *testing.T) {
	ds := daemonSet()
	wantStrategy := appsv1.DaemonSetUpdateStrategy{
		Type: appsv1.RollingUpdateDaemonSetStrategyType,
		RollingUpdate: &appsv1.RollingUpdateDaemonSet{
			MaxUnavailable: ptr.To(intstr.FromInt32(1)),
			MaxSurge:       ptr.To(intstr.FromInt32(0)),
		},
	}
	if diff := cmp.Diff(wantStrategy, ds.Spec.UpdateStrategy); diff != "" {
		t.Errorf("strategy defaults (-want +got):\n%s", diff)
	}
	if *ds.Spec.RevisionHistoryLimit != 10 {
		t.Errorf("revisionHistoryLimit = %d", *ds.Spec.RevisionHistoryLimit)
	}
	tests := []struct {
		name string
		ds   *appsv1.DaemonSet
		want []string
	}{
		{"valid", daemonSet(), nil},
		{"both set", daemonSet(func(ds *appsv1.DaemonSet) {
			ds.Spec.UpdateStrategy.RollingUpdate.MaxSurge = ptr.To(intstr.FromInt32(1))
		}),
			[]string{"FieldValueInvalid spec.updateStrategy.rollingUpdate.maxSurge"}},
		{"both zero", daemonSet(func(ds *appsv1.DaemonSet) {
			ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = ptr.To(intstr.FromInt32(0))
		}),
			[]string{"FieldValueRequired spec.updateStrategy.rollingUpdate.maxUnavailable"}},
		{"no selector", daemonSet(func(ds *appsv1.DaemonSet) { ds.Spec.Selector = nil }),
			[]string{"FieldValueInvalid spec.template.metadata.labels"}},
		{"bad strategy", daemonSet(func(ds *appsv1.DaemonSet) { ds.Spec.UpdateStrategy.Type = "X" }),
			[]string{"FieldValueNotSupported spec.updateStrategy"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, errSummary(fakeRules.ValidateDaemonSet(tc.ds))); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestControllerRevision(t *testing.T) {
	cr := &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "ns"}, Revision: -1}
	want := []string{"FieldValueRequired data", "FieldValueInvalid revision"}
	if diff := cmp.Diff(want, errSummary(ValidateControllerRevision(cr))); diff != "" {
		t.Errorf("create (-want +got):\n%s", diff)
	}
	old := &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "ns", ResourceVersion: "1"}, Data: runtime.RawExtension{Raw: []byte(`{"a":1}`)}, Revision: 1}
	cur := old.DeepCopy()
	cur.Data.Raw = []byte(`{"a":2}`)
	if diff := cmp.Diff([]string{"FieldValueInvalid data"}, errSummary(ValidateControllerRevisionUpdate(cur, old))); diff != "" {
		t.Errorf("update (-want +got):\n%s", diff)
	}
}

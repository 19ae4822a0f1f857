package printers

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func ptr[T any](v T) *T { return &v }

// template is a pod template with two containers.
func template() corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{
		{Name: "web", Image: "nginx:1.27"}, {Name: "log", Image: "fluent-bit:3"},
	}}}
}

func selector() *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
}

func TestWorkloadRows(t *testing.T) {
	d := &appsv1.Deployment{ObjectMeta: objMeta("web")}
	d.Spec.Replicas = ptr(int32(3))
	d.Spec.Selector = selector()
	d.Spec.Template = template()
	d.Status.ReadyReplicas, d.Status.UpdatedReplicas, d.Status.AvailableReplicas = 2, 3, 2

	rs := &appsv1.ReplicaSet{ObjectMeta: objMeta("web-5d4f")}
	rs.Spec.Replicas = ptr(int32(3))
	rs.Spec.Selector = selector()
	rs.Spec.Template = template()
	rs.Status.Replicas, rs.Status.ReadyReplicas = 3, 1

	sts := &appsv1.StatefulSet{ObjectMeta: objMeta("db")}
	sts.Spec.Replicas = ptr(int32(3))
	sts.Spec.Template = template()
	sts.Status.ReadyReplicas = 3

	ds := &appsv1.DaemonSet{ObjectMeta: objMeta("agent")}
	ds.Spec.Selector = selector()
	ds.Spec.Template = template()
	ds.Spec.Template.Spec.NodeSelector = map[string]string{"kubernetes.io/os": "linux"}
	ds.Status = appsv1.DaemonSetStatus{DesiredNumberScheduled: 4, CurrentNumberScheduled: 4, NumberReady: 3, UpdatedNumberScheduled: 2, NumberAvailable: 3}

	cr := &appsv1.ControllerRevision{ObjectMeta: objMeta("db-7c9"), Revision: 4}
	cr.OwnerReferences = []metav1.OwnerReference{
		{APIVersion: "v1", Kind: "Pod", Name: "not-controller"},
		{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "db", Controller: ptr(true)},
	}
	coreOwned := &appsv1.ControllerRevision{ObjectMeta: objMeta("x"), Revision: 1}
	coreOwned.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "ReplicationController", Name: "rc", Controller: ptr(true)}}

	apps := func(kind string) schema.GroupKind { return schema.GroupKind{Group: "apps", Kind: kind} }
	tests := []struct {
		name string
		gk   schema.GroupKind
		obj  runtime.Object
		want []interface{}
	}{
		{"deployment", apps("Deployment"), d,
			[]interface{}{"web", "2/3", int64(3), int64(2), "10m", "web,log", "nginx:1.27,fluent-bit:3", "app=web"}},
		{"deployment without selector", apps("Deployment"), &appsv1.Deployment{ObjectMeta: objMeta("bare")},
			[]interface{}{"bare", "0/0", int64(0), int64(0), "10m", "", "", ""}},
		{"replica set", apps("ReplicaSet"), rs,
			[]interface{}{"web-5d4f", int64(3), int64(3), int64(1), "10m", "web,log", "nginx:1.27,fluent-bit:3", "app=web"}},
		{"replica set without selector", apps("ReplicaSet"), &appsv1.ReplicaSet{ObjectMeta: objMeta("bare")},
			[]interface{}{"bare", int64(0), int64(0), int64(0), "10m", "", "", "<none>"}},
		{"stateful set", apps("StatefulSet"), sts,
			[]interface{}{"db", "3/3", "10m", "web,log", "nginx:1.27,fluent-bit:3"}},
		{"daemon set", apps("DaemonSet"), ds,
			[]interface{}{"agent", int64(4), int64(4), int64(3), int64(2), int64(3), "kubernetes.io/os=linux", "10m", "web,log", "nginx:1.27,fluent-bit:3", "app=web"}},
		{"controller revision", apps("ControllerRevision"), cr,
			[]interface{}{"db-7c9", "statefulset.apps/db", int64(4), "10m"}},
		{"controller revision of a core kind", apps("ControllerRevision"), coreOwned,
			[]interface{}{"x", "replicationcontroller/rc", int64(1), "10m"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, rowOfKind(t, tt.gk, tt.obj)); diff != "" {
				t.Errorf("row (-want +got):\n%s", diff)
			}
		})
	}
}

func TestControllerRevisionBadOwner(t *testing.T) {
	cr := &appsv1.ControllerRevision{ObjectMeta: objMeta("x")}
	cr.OwnerReferences = []metav1.OwnerReference{{APIVersion: "a/b/c", Kind: "K", Name: "n", Controller: ptr(true)}}
	p := ForKinds()[schema.GroupKind{Group: "apps", Kind: "ControllerRevision"}]
	if _, err := p.Row(cr, now); err == nil {
		t.Error("want error for an unparsable owner API version")
	}
}

func TestJobRow(t *testing.T) {
	job := func(mutate func(*batchv1.Job)) *batchv1.Job {
		j := &batchv1.Job{ObjectMeta: objMeta("pi")}
		j.Spec.Selector = selector()
		j.Spec.Template = template()
		mutate(j)
		return j
	}
	cond := func(t batchv1.JobConditionType, s corev1.ConditionStatus) batchv1.JobCondition {
		return batchv1.JobCondition{Type: t, Status: s}
	}
	tests := []struct {
		name string
		job  *batchv1.Job
		// want holds the Status, Completions and Duration cells.
		want []interface{}
	}{
		{"not started", job(func(j *batchv1.Job) {}), []interface{}{"Running", "0/1", ""}},
		{"running", job(func(j *batchv1.Job) {
			j.Spec.Completions = ptr(int32(5))
			j.Status.StartTime = ptr(ago(3 * time.Minute))
			j.Status.Succeeded = 2
		}), []interface{}{"Running", "2/5", "3m"}},
		{"parallel without completions", job(func(j *batchv1.Job) {
			j.Spec.Parallelism = ptr(int32(3))
		}), []interface{}{"Running", "0/1 of 3", ""}},
		{"complete", job(func(j *batchv1.Job) {
			j.Spec.Completions = ptr(int32(1))
			j.Status.Succeeded = 1
			j.Status.StartTime = ptr(ago(9 * time.Minute))
			j.Status.CompletionTime = ptr(ago(8*time.Minute + 15*time.Second))
			j.Status.Conditions = []batchv1.JobCondition{cond(batchv1.JobSuccessCriteriaMet, corev1.ConditionTrue), cond(batchv1.JobComplete, corev1.ConditionTrue)}
		}), []interface{}{"Complete", "1/1", "45s"}},
		{"failed", job(func(j *batchv1.Job) {
			j.Status.Conditions = []batchv1.JobCondition{cond(batchv1.JobFailureTarget, corev1.ConditionTrue), cond(batchv1.JobFailed, corev1.ConditionTrue)}
		}), []interface{}{"Failed", "0/1", ""}},
		{"failing", job(func(j *batchv1.Job) {
			j.Status.Conditions = []batchv1.JobCondition{cond(batchv1.JobFailureTarget, corev1.ConditionTrue)}
		}), []interface{}{"FailureTarget", "0/1", ""}},
		{"suspended", job(func(j *batchv1.Job) {
			j.Status.Conditions = []batchv1.JobCondition{cond(batchv1.JobSuspended, corev1.ConditionTrue)}
		}), []interface{}{"Suspended", "0/1", ""}},
		{"resumed", job(func(j *batchv1.Job) {
			j.Status.Conditions = []batchv1.JobCondition{cond(batchv1.JobSuspended, corev1.ConditionFalse)}
		}), []interface{}{"Running", "0/1", ""}},
		{"terminating", job(func(j *batchv1.Job) {
			j.DeletionTimestamp = ptr(ago(time.Second))
			j.Status.Conditions = []batchv1.JobCondition{cond(batchv1.JobSuspended, corev1.ConditionTrue)}
		}), []interface{}{"Terminating", "0/1", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cells := rowOfKind(t, schema.GroupKind{Group: "batch", Kind: "Job"}, tt.job)
			if diff := cmp.Diff(tt.want, cells[1:4]); diff != "" {
				t.Errorf("Status, Completions, Duration (-want +got):\n%s", diff)
			}
			wantRest := []interface{}{"10m", "web,log", "nginx:1.27,fluent-bit:3", "app=web"}
			if diff := cmp.Diff(wantRest, cells[4:]); diff != "" {
				t.Errorf("Age and wide cells (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCronJobRow(t *testing.T) {
	scheduled := &batchv1.CronJob{ObjectMeta: objMeta("nightly")}
	scheduled.Spec.Schedule = "0 3 * * *"
	scheduled.Spec.TimeZone = ptr("Europe/Paris")
	scheduled.Spec.Suspend = ptr(false)
	scheduled.Spec.JobTemplate.Spec.Template = template()
	scheduled.Spec.JobTemplate.Spec.Selector = selector()
	scheduled.Status.Active = []corev1.ObjectReference{{Name: "nightly-1"}}
	scheduled.Status.LastScheduleTime = ptr(ago(5 * time.Minute))

	fresh := &batchv1.CronJob{ObjectMeta: objMeta("hourly")}
	fresh.Spec.Schedule = "@hourly"

	tests := []struct {
		name string
		cj   *batchv1.CronJob
		want []interface{}
	}{
		{"scheduled", scheduled, []interface{}{"nightly", "0 3 * * *", "Europe/Paris", "False", int64(1), "5m", "10m", "web,log", "nginx:1.27,fluent-bit:3", "app=web"}},
		{"never scheduled", fresh, []interface{}{"hourly", "@hourly", "<none>", "<unset>", int64(0), "<none>", "10m", "", "", "<none>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, rowOfKind(t, schema.GroupKind{Group: "batch", Kind: "CronJob"}, tt.cj)); diff != "" {
				t.Errorf("row (-want +got):\n%s", diff)
			}
		})
	}
}

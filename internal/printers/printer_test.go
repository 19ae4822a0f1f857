package printers

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// now is the fixed time every test prints at.
var now = time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)

// ago is a timestamp d before now.
func ago(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }

// objMeta is object metadata created ten minutes before now.
func objMeta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "default", CreationTimestamp: ago(10 * time.Minute)}
}

// zeroObjects holds an empty object of every kind ForKinds knows.
var zeroObjects = map[schema.GroupKind]runtime.Object{
	{Kind: "Pod"}:                   &corev1.Pod{},
	{Kind: "PodTemplate"}:           &corev1.PodTemplate{},
	{Kind: "Node"}:                  &corev1.Node{},
	{Kind: "Namespace"}:             &corev1.Namespace{},
	{Kind: "Service"}:               &corev1.Service{},
	{Kind: "Endpoints"}:             &corev1.Endpoints{},
	{Kind: "ReplicationController"}: &corev1.ReplicationController{},
	{Kind: "ConfigMap"}:             &corev1.ConfigMap{},
	{Kind: "Secret"}:                &corev1.Secret{},
	{Kind: "ServiceAccount"}:        &corev1.ServiceAccount{},
	{Kind: "Event"}:                 &corev1.Event{},
	{Kind: "PersistentVolume"}:      &corev1.PersistentVolume{},
	{Kind: "PersistentVolumeClaim"}: &corev1.PersistentVolumeClaim{},
	{Kind: "ResourceQuota"}:         &corev1.ResourceQuota{},
	{Kind: "LimitRange"}:            &corev1.LimitRange{},

	{Group: "apps", Kind: "Deployment"}:         &appsv1.Deployment{},
	{Group: "apps", Kind: "ReplicaSet"}:         &appsv1.ReplicaSet{},
	{Group: "apps", Kind: "StatefulSet"}:        &appsv1.StatefulSet{},
	{Group: "apps", Kind: "DaemonSet"}:          &appsv1.DaemonSet{},
	{Group: "apps", Kind: "ControllerRevision"}: &appsv1.ControllerRevision{},

	{Group: "batch", Kind: "Job"}:     &batchv1.Job{},
	{Group: "batch", Kind: "CronJob"}: &batchv1.CronJob{},

	{Group: "events.k8s.io", Kind: "Event"}: &eventsv1.Event{},

	{Group: "networking.k8s.io", Kind: "Ingress"}:       &networkingv1.Ingress{},
	{Group: "networking.k8s.io", Kind: "IngressClass"}:  &networkingv1.IngressClass{},
	{Group: "networking.k8s.io", Kind: "NetworkPolicy"}: &networkingv1.NetworkPolicy{},
	{Group: "discovery.k8s.io", Kind: "EndpointSlice"}:  &discoveryv1.EndpointSlice{},

	{Group: "storage.k8s.io", Kind: "StorageClass"}: &storagev1.StorageClass{},

	{Group: "coordination.k8s.io", Kind: "Lease"}:           &coordinationv1.Lease{},
	{Group: "scheduling.k8s.io", Kind: "PriorityClass"}:     &schedulingv1.PriorityClass{},
	{Group: "policy", Kind: "PodDisruptionBudget"}:          &policyv1.PodDisruptionBudget{},
	{Group: "autoscaling", Kind: "HorizontalPodAutoscaler"}: &autoscalingv2.HorizontalPodAutoscaler{},

	{Group: "rbac.authorization.k8s.io", Kind: "Role"}:               &rbacv1.Role{},
	{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole"}:        &rbacv1.ClusterRole{},
	{Group: "rbac.authorization.k8s.io", Kind: "RoleBinding"}:        &rbacv1.RoleBinding{},
	{Group: "rbac.authorization.k8s.io", Kind: "ClusterRoleBinding"}: &rbacv1.ClusterRoleBinding{},
}

func TestZeroValueObjects(t *testing.T) {
	printers := ForKinds()
	for gk := range zeroObjects {
		if _, ok := printers[gk]; !ok {
			t.Errorf("ForKinds has no printer for %s", gk)
		}
	}
	for gk, p := range printers {
		t.Run(gk.String(), func(t *testing.T) {
			obj, ok := zeroObjects[gk]
			if !ok {
				t.Fatalf("no zero object for %s: add it to zeroObjects", gk)
			}
			cells, err := p.Row(obj, now)
			if err != nil {
				t.Fatalf("Row: %v", err)
			}
			if len(cells) != len(p.Columns) {
				t.Errorf("Row gave %d cells for %d columns: %#v", len(cells), len(p.Columns), cells)
			}
			for i, c := range cells {
				switch c.(type) {
				case string, int64, bool, float64:
				default:
					t.Errorf("cell %d (%s) is a %T", i, p.Columns[i].Name, c)
				}
			}
		})
	}
}

func TestColumns(t *testing.T) {
	for gk, p := range ForKinds() {
		t.Run(gk.String(), func(t *testing.T) {
			name := p.Columns[0]
			if gk.Kind == "Event" {
				// Events list Name last, and only in wide output.
				name = p.Columns[len(p.Columns)-1]
			}
			if name.Name != "Name" || name.Format != "name" || name.Type != "string" {
				t.Errorf("name column = %+v", name)
			}
			for _, c := range p.Columns {
				if c.Description == "" {
					t.Errorf("column %q has no description", c.Name)
				}
				switch c.Type {
				case "string", "integer", "boolean", "date", "number":
				default:
					t.Errorf("column %q has type %q", c.Name, c.Type)
				}
			}
		})
	}
}

// TestColumnNames pins the headers kubectl shows (priority 1 marked "+"),
// as upstream prints them.
func TestColumnNames(t *testing.T) {
	tests := map[schema.GroupKind][]string{
		{Kind: "Pod"}:                   {"Name", "Ready", "Status", "Restarts", "Age", "+IP", "+Node", "+Nominated Node", "+Readiness Gates"},
		{Kind: "Node"}:                  {"Name", "Status", "Roles", "Age", "Version", "+Internal-IP", "+External-IP", "+OS-Image", "+Kernel-Version", "+Container-Runtime"},
		{Kind: "Service"}:               {"Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "+Selector"},
		{Kind: "Event"}:                 {"Last Seen", "Type", "Reason", "Object", "+Subobject", "+Source", "Message", "+First Seen", "+Count", "+Name"},
		{Kind: "ServiceAccount"}:        {"Name", "Secrets", "Age"},
		{Kind: "PersistentVolume"}:      {"Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim", "StorageClass", "VolumeAttributesClass", "Reason", "Age", "+VolumeMode"},
		{Kind: "PersistentVolumeClaim"}: {"Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass", "VolumeAttributesClass", "Age", "+VolumeMode"},
		{Kind: "LimitRange"}:            {"Name", "Created At"},

		{Group: "apps", Kind: "Deployment"}:  {"Name", "Ready", "Up-to-date", "Available", "Age", "+Containers", "+Images", "+Selector"},
		{Group: "apps", Kind: "StatefulSet"}: {"Name", "Ready", "Age", "+Containers", "+Images"},
		{Group: "apps", Kind: "DaemonSet"}:   {"Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age", "+Containers", "+Images", "+Selector"},
		{Group: "batch", Kind: "Job"}:        {"Name", "Status", "Completions", "Duration", "Age", "+Containers", "+Images", "+Selector"},
		{Group: "batch", Kind: "CronJob"}:    {"Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age", "+Containers", "+Images", "+Selector"},

		{Group: "events.k8s.io", Kind: "Event"}:                          {"Last Seen", "Type", "Reason", "Object", "+Subobject", "+Source", "Message", "+First Seen", "+Count", "+Name"},
		{Group: "networking.k8s.io", Kind: "Ingress"}:                    {"Name", "Class", "Hosts", "Address", "Ports", "Age"},
		{Group: "autoscaling", Kind: "HorizontalPodAutoscaler"}:          {"Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"},
		{Group: "scheduling.k8s.io", Kind: "PriorityClass"}:              {"Name", "Value", "Global-Default", "Age", "PreemptionPolicy"},
		{Group: "rbac.authorization.k8s.io", Kind: "ClusterRoleBinding"}: {"Name", "Role", "Age", "+Users", "+Groups", "+ServiceAccounts"},
		{Group: "rbac.authorization.k8s.io", Kind: "Role"}:               {"Name", "Created At"},
	}
	printers := ForKinds()
	for gk, want := range tests {
		t.Run(gk.String(), func(t *testing.T) {
			var got []string
			for _, c := range printers[gk].Columns {
				name := c.Name
				if c.Priority == 1 {
					name = "+" + name
				}
				got = append(got, name)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDefault(t *testing.T) {
	p := Default()
	want := []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
		{Name: "Created At", Type: "date", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
	}
	if diff := cmp.Diff(want, p.Columns); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}

	created := metav1.NewTime(time.Date(2026, 2, 3, 4, 5, 6, 0, time.FixedZone("CET", 3600)))
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "reader", CreationTimestamp: created}}
	got, err := p.Row(role, now)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]interface{}{"reader", "2026-02-03T03:05:06Z"}, got); diff != "" {
		t.Errorf("row (-want +got):\n%s", diff)
	}

	if _, err := p.Row(&metav1.Status{}, now); err == nil {
		t.Error("Row of an object without metadata: want error")
	}
}

func TestRowRejectsOtherKinds(t *testing.T) {
	p := ForKinds()[schema.GroupKind{Kind: "Pod"}]
	if _, err := p.Row(&corev1.Node{}, now); err == nil {
		t.Error("pod printer accepted a node")
	}
}

// rowOfKind prints obj with the printer for gk, failing the test on error.
func rowOfKind(t *testing.T, gk schema.GroupKind, obj runtime.Object) []interface{} {
	t.Helper()
	p, ok := ForKinds()[gk]
	if !ok {
		t.Fatalf("no printer for %s", gk)
	}
	cells, err := p.Row(obj, now)
	if err != nil {
		t.Fatalf("Row: %v", err)
	}
	return cells
}

package registry

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/registry/apps"
	"github.com/berth-dev/berth/internal/registry/core"
	"github.com/berth-dev/berth/internal/storage"
)

// createObjects are realistic new objects, defaulted as the store defaults
// them before recording managedFields.
func createObjects() map[string]runtime.Object {
	tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"a": "b"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i:1", Args: []string{"x"},
			Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}}}},
			Volumes: []corev1.Volume{{Name: "v", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}}}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u", Labels: map[string]string{"app": "x"},
			Annotations: map[string]string{"kubectl.kubernetes.io/last-applied-configuration": "{}"}, Finalizers: []string{"a/b"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "X", Name: "o", UID: "ou"}}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i", Ports: []corev1.ContainerPort{{ContainerPort: 80, Protocol: "TCP"}},
			Env:          []corev1.EnvVar{{Name: "A", Value: "1"}, {Name: "B", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}}},
			VolumeMounts: []corev1.VolumeMount{{Name: "v", MountPath: "/v"}}}},
			Volumes:      []corev1.Volume{{Name: "v", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}}}}},
			NodeSelector: map[string]string{"z": "1"}, Tolerations: []corev1.Toleration{{Key: "k", Operator: "Exists"}}},
		Status: corev1.PodStatus{Phase: corev1.PodPending, QOSClass: corev1.PodQOSBestEffort},
	}
	core.DefaultPod(pod)
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "ns", Generation: 1},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To(int32(2)), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}}, Template: tmpl}}
	rules := apps.Rules{PodTemplate: apps.PodTemplateRules{Default: core.DefaultPodTemplateSpec}}
	rules.DefaultDeployment(dep)
	sts := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns"},
		Spec: appsv1.StatefulSetSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}}, Template: tmpl, ServiceName: "s",
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"},
				Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{"ReadWriteOnce"},
					Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}}}}}}
	rules.DefaultStatefulSet(sts)
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Port: 80, Protocol: "TCP", TargetPort: intstr.FromInt32(8080)}, {Name: "udp", Port: 53, Protocol: "UDP"}},
			Selector: map[string]string{"a": "b"}, ClusterIP: "10.0.0.1", ClusterIPs: []string{"10.0.0.1"}, Type: corev1.ServiceTypeClusterIP}}
	core.DefaultService(svc)
	return map[string]runtime.Object{
		"pods":         pod,
		"deployments":  dep,
		"statefulsets": sts,
		"services":     svc,
		"configmaps":   &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "ns"}, Data: map[string]string{"k": "v"}, BinaryData: map[string][]byte{"b": {1}}},
		"nodes": &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n", Labels: map[string]string{"z": "1"}},
			Spec:   corev1.NodeSpec{PodCIDR: "10.1.0.0/24", Taints: []corev1.Taint{{Key: "t", Effect: "NoSchedule"}}},
			Status: corev1.NodeStatus{Capacity: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")}}},
		"secrets":   &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "e", Namespace: "ns"}},
		"jobs":      &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "j", Namespace: "ns"}, Spec: batchv1.JobSpec{Template: tmpl, BackoffLimit: ptr.To(int32(6))}},
		"ingresses": &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: "i", Namespace: "ns"}, Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{Host: "a.example"}}}},
		"namespaces": &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "x"}, Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"kubernetes"}},
			Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}},
	}
}

// The create shortcut must record exactly what the field manager records.
func TestCreateManagedFieldsMatchFieldManager(t *testing.T) {
	e, err := storage.StartEmbedded(t.Context(), storage.EmbedConfig{DataDir: t.TempDir(), AutoCompaction: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	backend := storage.NewEtcdStore(e.Client())
	byName := map[string]*Resource{}
	for _, r := range Resources() {
		if !r.Converts() {
			byName[r.Resource] = r
		}
	}
	noTimes := func(es []metav1.ManagedFieldsEntry) []metav1.ManagedFieldsEntry {
		out := append([]metav1.ManagedFieldsEntry(nil), es...)
		for i := range out {
			out[i].Time = nil
		}
		return out
	}
	for name, obj := range createObjects() {
		t.Run(name, func(t *testing.T) {
			r := byName[name]
			s, err := NewStore(StoreConfig{Resource: r, TypeConverter: TypeConverter(), Storage: backend})
			if err != nil {
				t.Fatal(err)
			}
			obj.GetObjectKind().SetGroupVersionKind(r.GVK())
			fast := obj.DeepCopyObject()
			fm, _ := meta.Accessor(fast)
			if !s.creates.record(fast, fm, "mgr", time.Now()) {
				t.Fatal("shortcut declined")
			}
			slow := s.fields[""].UpdateNoErrors(r.New(), obj.DeepCopyObject(), "mgr")
			sm, _ := meta.Accessor(slow)
			if diff := cmp.Diff(noTimes(sm.GetManagedFields()), noTimes(fm.GetManagedFields())); diff != "" {
				t.Errorf("managedFields differ (-field manager +shortcut):\n%s", diff)
			}
		})
	}
}

package registry

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// A StatefulSet's claim templates are held to the PVC spec rules.
func TestStatefulSetClaimTemplatesValidated(t *testing.T) {
	st := Strategies()[schema.GroupResource{Group: "apps", Resource: "statefulsets"}]
	sts := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "default"},
		Spec: appsv1.StatefulSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"a": "b"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i"}}}},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"}}},
		},
	}
	st.Default(sts)
	errs := st.Validate(sts)
	found := false
	for _, e := range errs {
		if e.Field == "spec.volumeClaimTemplates[0].spec.accessModes" {
			found = true
		}
	}
	if !found {
		t.Fatalf("missing accessModes not reported; errors: %v", errs)
	}
}

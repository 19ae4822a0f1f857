package core

import (
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// podBuilder builds test pods: newPod("p").container("c", "nginx:1.27").obj().
type podBuilder struct{ pod *corev1.Pod }

func newPod(name string) *podBuilder {
	return &podBuilder{pod: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}}}
}

func (b *podBuilder) container(name, image string) *podBuilder {
	b.pod.Spec.Containers = append(b.pod.Spec.Containers, corev1.Container{Name: name, Image: image})
	return b
}

func (b *podBuilder) initContainer(name, image string) *podBuilder {
	b.pod.Spec.InitContainers = append(b.pod.Spec.InitContainers, corev1.Container{Name: name, Image: image})
	return b
}

func (b *podBuilder) volume(name string, src corev1.VolumeSource) *podBuilder {
	b.pod.Spec.Volumes = append(b.pod.Spec.Volumes, corev1.Volume{Name: name, VolumeSource: src})
	return b
}

// with mutates the last container.
func (b *podBuilder) with(f func(c *corev1.Container)) *podBuilder {
	f(&b.pod.Spec.Containers[len(b.pod.Spec.Containers)-1])
	return b
}

func (b *podBuilder) spec(f func(s *corev1.PodSpec)) *podBuilder {
	f(&b.pod.Spec)
	return b
}

func (b *podBuilder) obj() *corev1.Pod { return b.pod }

// defaulted returns the built pod after defaulting.
func (b *podBuilder) defaulted() *corev1.Pod {
	DefaultPod(b.pod)
	return b.pod
}

func rl(pairs ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i := 0; i < len(pairs); i += 2 {
		out[corev1.ResourceName(pairs[i])] = resource.MustParse(pairs[i+1])
	}
	return out
}

// summarize renders errors as "Type field" lines, sorted, for comparison.
func summarize(errs field.ErrorList) []string {
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, string(e.Type)+" "+e.Field)
	}
	sort.Strings(out)
	return out
}

// checkErrs compares errors by type and field path.
func checkErrs(t *testing.T, errs field.ErrorList, want ...string) {
	t.Helper()
	sort.Strings(want)
	if want == nil {
		want = []string{}
	}
	if diff := cmp.Diff(want, summarize(errs)); diff != "" {
		t.Errorf("errors mismatch (-want +got):\n%s\nfull: %v", diff, errs.ToAggregate())
	}
}

package framework

import (
	"maps"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	resourcehelper "k8s.io/component-helpers/resource"
)

// Requests a container is assumed to make for scoring when it sets none,
// so that best-effort pods do not all land on one node.
const (
	DefaultMilliCPURequest int64 = 100               // 0.1 core
	DefaultMemoryRequest   int64 = 200 * 1024 * 1024 // 200 MiB
)

// Resource is an amount of the resources the scheduler accounts for, in
// the units it compares: millicores, bytes, pod slots, and integer amounts
// of scalar (extended, hugepages, attachable-volume) resources.
type Resource struct {
	MilliCPU         int64
	Memory           int64
	EphemeralStorage int64
	// AllowedPodNumber is the node's pod capacity; unused for requests.
	AllowedPodNumber int
	ScalarResources  map[corev1.ResourceName]int64
}

// NewResource converts a ResourceList.
func NewResource(rl corev1.ResourceList) *Resource {
	r := &Resource{}
	r.Add(rl)
	return r
}

// Add adds every resource in rl that the scheduler accounts for.
func (r *Resource) Add(rl corev1.ResourceList) {
	for name, q := range rl {
		switch name {
		case corev1.ResourceCPU:
			r.MilliCPU += q.MilliValue()
		case corev1.ResourceMemory:
			r.Memory += q.Value()
		case corev1.ResourceEphemeralStorage:
			r.EphemeralStorage += q.Value()
		case corev1.ResourcePods:
			r.AllowedPodNumber += int(q.Value())
		default:
			if IsScalarResourceName(name) {
				r.AddScalar(name, q.Value())
			}
		}
	}
}

// AddScalar adds n of the scalar resource name.
func (r *Resource) AddScalar(name corev1.ResourceName, n int64) {
	if r.ScalarResources == nil {
		r.ScalarResources = map[corev1.ResourceName]int64{}
	}
	r.ScalarResources[name] += n
}

// addResource adds o to r; sign -1 subtracts.
func (r *Resource) addResource(o *Resource, sign int64) {
	r.MilliCPU += sign * o.MilliCPU
	r.Memory += sign * o.Memory
	r.EphemeralStorage += sign * o.EphemeralStorage
	for name, n := range o.ScalarResources {
		r.AddScalar(name, sign*n)
	}
}

// Clone returns a deep copy.
func (r *Resource) Clone() *Resource {
	out := *r
	out.ScalarResources = maps.Clone(r.ScalarResources)
	return &out
}

// Get returns the amount of name in the units of Resource (millicores for
// cpu).
func (r *Resource) Get(name corev1.ResourceName) int64 {
	switch name {
	case corev1.ResourceCPU:
		return r.MilliCPU
	case corev1.ResourceMemory:
		return r.Memory
	case corev1.ResourceEphemeralStorage:
		return r.EphemeralStorage
	case corev1.ResourcePods:
		return int64(r.AllowedPodNumber)
	default:
		return r.ScalarResources[name]
	}
}

// IsZero reports whether r requests nothing.
func (r *Resource) IsZero() bool {
	if r.MilliCPU != 0 || r.Memory != 0 || r.EphemeralStorage != 0 {
		return false
	}
	for _, n := range r.ScalarResources {
		if n != 0 {
			return false
		}
	}
	return true
}

// PodRequests returns what pod requests: the larger of the sum of its app
// containers (plus restartable init containers, which keep running) and
// each ordinary init container in turn, plus the pod overhead. Pod-level
// resources, when set, take precedence as in the kubelet.
func PodRequests(pod *corev1.Pod) *Resource {
	return NewResource(resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{}))
}

// PodNonZeroRequests is PodRequests with DefaultMilliCPURequest and
// DefaultMemoryRequest filled in for containers that do not set them. It
// is used for spreading, not for fitting.
func PodNonZeroRequests(pod *corev1.Pod) *Resource {
	rl := resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{
		NonMissingContainerRequests: corev1.ResourceList{
			corev1.ResourceCPU:    *resource.NewMilliQuantity(DefaultMilliCPURequest, resource.DecimalSI),
			corev1.ResourceMemory: *resource.NewQuantity(DefaultMemoryRequest, resource.BinarySI),
		},
	})
	return &Resource{
		MilliCPU: rl.Cpu().MilliValue(),
		Memory:   rl.Memory().Value(),
	}
}

// IsScalarResourceName reports whether name is accounted as a scalar
// resource: extended, hugepages, prefixed native or attachable volumes.
func IsScalarResourceName(name corev1.ResourceName) bool {
	return IsExtendedResourceName(name) || isHugePages(name) ||
		isPrefixedNative(name) || strings.HasPrefix(string(name), corev1.ResourceAttachableVolumesPrefix)
}

// IsExtendedResourceName reports whether name is an extended resource: a
// domain-qualified name outside kubernetes.io that is not a requests.
// quota name.
func IsExtendedResourceName(name corev1.ResourceName) bool {
	s := string(name)
	if !strings.Contains(s, "/") || isPrefixedNative(name) || strings.HasPrefix(s, corev1.DefaultResourceRequestsPrefix) {
		return false
	}
	return len(validation.IsQualifiedName(corev1.DefaultResourceRequestsPrefix+s)) == 0
}

func isHugePages(name corev1.ResourceName) bool {
	return strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix)
}

func isPrefixedNative(name corev1.ResourceName) bool {
	return strings.Contains(string(name), corev1.ResourceDefaultNamespacePrefix)
}

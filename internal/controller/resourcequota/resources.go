package resourcequota

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// countPrefix starts the generic object count names, "count/<resource>"
// for the core group and "count/<resource>.<group>" for others.
const countPrefix = "count/"

// storageClassSuffix joins a storage class name to a PVC resource name:
// "gold.storageclass.storage.k8s.io/requests.storage".
const storageClassSuffix = ".storageclass.storage.k8s.io/"

// countName is the generic object count name of gr.
func countName(gr schema.GroupResource) corev1.ResourceName {
	if gr.Group == "" {
		return corev1.ResourceName(countPrefix + gr.Resource)
	}
	return corev1.ResourceName(countPrefix + gr.Resource + "." + gr.Group)
}

// parseCountName returns the group resource a "count/..." name counts.
func parseCountName(name corev1.ResourceName) (schema.GroupResource, bool) {
	s, ok := strings.CutPrefix(string(name), countPrefix)
	if !ok || s == "" {
		return schema.GroupResource{}, false
	}
	return schema.ParseGroupResource(s), true
}

// zero is the usage reported for a tracked resource nothing uses.
func zero() resource.Quantity { return resource.Quantity{Format: resource.DecimalSI} }

func one() resource.Quantity { return *resource.NewQuantity(1, resource.DecimalSI) }

// add returns a+b; quantities keep the format of the first non-zero term,
// as upstream's quota.Add.
func add(a, b corev1.ResourceList) corev1.ResourceList {
	out := make(corev1.ResourceList, len(a)+len(b))
	for k, v := range a {
		out[k] = v.DeepCopy()
	}
	for k, v := range b {
		q, ok := out[k]
		if !ok {
			out[k] = v.DeepCopy()
			continue
		}
		q.Add(v)
		out[k] = q
	}
	return out
}

// mask keeps only the entries of l named in names.
func mask(l corev1.ResourceList, names map[corev1.ResourceName]bool) corev1.ResourceList {
	out := corev1.ResourceList{}
	for k, v := range l {
		if names[k] {
			out[k] = v
		}
	}
	return out
}

// equal reports whether a and b name the same resources with equal
// quantities.
func equal(a, b corev1.ResourceList) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || v.Cmp(w) != 0 {
			return false
		}
	}
	return true
}

// isNative reports whether name is a Kubernetes resource name: one without
// a domain, or in the kubernetes.io domain.
func isNative(name corev1.ResourceName) bool {
	return !strings.Contains(string(name), "/") || strings.Contains(string(name), corev1.ResourceDefaultNamespacePrefix)
}

// isExtended reports whether a container's resource name is an extended
// resource (charged to quota as "requests.<name>").
func isExtended(name corev1.ResourceName) bool {
	return !isNative(name) && !strings.HasPrefix(string(name), corev1.DefaultResourceRequestsPrefix)
}

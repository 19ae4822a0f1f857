package framework

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// PodInfo is a pod with the values the scheduler derives from it, computed
// once when the pod is added to a NodeInfo.
type PodInfo struct {
	Pod *corev1.Pod
	// Requests is PodRequests(Pod).
	Requests *Resource
	// NonZeroRequests is PodNonZeroRequests(Pod).
	NonZeroRequests *Resource
}

// NewPodInfo computes the derived values of pod.
func NewPodInfo(pod *corev1.Pod) *PodInfo {
	return &PodInfo{Pod: pod, Requests: PodRequests(pod), NonZeroRequests: PodNonZeroRequests(pod)}
}

// ImageStateSummary describes an image present on a node.
type ImageStateSummary struct {
	// Size of the image in bytes.
	Size int64
	// NumNodes is how many nodes hold the image.
	NumNodes int
}

// NodeInfo is a node together with what is already placed on it. The
// scheduler works on snapshots of NodeInfos; plugins must not change them.
type NodeInfo struct {
	node *corev1.Node

	// Pods are the pods assigned (or assumed) to the node.
	Pods []*PodInfo
	// PodsWithAffinity are the pods with any pod affinity or anti-affinity.
	PodsWithAffinity []*PodInfo
	// PodsWithRequiredAntiAffinity are the pods with a required pod
	// anti-affinity term.
	PodsWithRequiredAntiAffinity []*PodInfo
	// UsedPorts are the host ports the pods hold.
	UsedPorts HostPortInfo

	// Requested is the sum of the pods' requests.
	Requested *Resource
	// NonZeroRequested is the sum of the pods' non-zero requests (cpu and
	// memory only), used by scoring.
	NonZeroRequested *Resource
	// Allocatable is the node's allocatable.
	Allocatable *Resource

	// ImageStates are the images on the node, by name; may be nil.
	ImageStates map[string]*ImageStateSummary

	// Generation increases on every change; a snapshot uses it to copy only
	// what changed.
	Generation int64
}

// NewNodeInfo returns a NodeInfo without a node, holding pods.
func NewNodeInfo(pods ...*corev1.Pod) *NodeInfo {
	ni := &NodeInfo{
		Requested:        &Resource{},
		NonZeroRequested: &Resource{},
		Allocatable:      &Resource{},
		UsedPorts:        HostPortInfo{},
	}
	for _, p := range pods {
		ni.AddPod(p)
	}
	return ni
}

// Node returns the node, nil when it is not known (yet or any more).
func (n *NodeInfo) Node() *corev1.Node {
	if n == nil {
		return nil
	}
	return n.node
}

// SetNode sets the node and its allocatable.
func (n *NodeInfo) SetNode(node *corev1.Node) {
	n.node = node
	n.Allocatable = NewResource(node.Status.Allocatable)
	n.Generation++
}

// AddPod accounts pod on the node.
func (n *NodeInfo) AddPod(pod *corev1.Pod) {
	n.AddPodInfo(NewPodInfo(pod))
}

// AddPodInfo accounts an already computed PodInfo.
func (n *NodeInfo) AddPodInfo(pi *PodInfo) {
	n.Pods = append(n.Pods, pi)
	if hasAffinity(pi.Pod) {
		n.PodsWithAffinity = append(n.PodsWithAffinity, pi)
	}
	if hasRequiredAntiAffinity(pi.Pod) {
		n.PodsWithRequiredAntiAffinity = append(n.PodsWithRequiredAntiAffinity, pi)
	}
	n.Requested.addResource(pi.Requests, 1)
	n.NonZeroRequested.addResource(pi.NonZeroRequests, 1)
	n.updatePorts(pi.Pod, true)
	n.Generation++
}

// RemovePod removes the pod with pod's UID; it reports whether it was
// there.
func (n *NodeInfo) RemovePod(pod *corev1.Pod) bool {
	uid := pod.UID
	i := slices.IndexFunc(n.Pods, func(pi *PodInfo) bool { return pi.Pod.UID == uid })
	if i < 0 {
		return false
	}
	pi := n.Pods[i]
	n.Pods = slices.Delete(n.Pods, i, i+1)
	n.PodsWithAffinity = removeUID(n.PodsWithAffinity, uid)
	n.PodsWithRequiredAntiAffinity = removeUID(n.PodsWithRequiredAntiAffinity, uid)
	n.Requested.addResource(pi.Requests, -1)
	n.NonZeroRequested.addResource(pi.NonZeroRequests, -1)
	n.updatePorts(pi.Pod, false)
	n.Generation++
	return true
}

// Clone returns a copy that can be changed without affecting n. Pods and
// the node object are shared, not copied.
func (n *NodeInfo) Clone() *NodeInfo {
	out := &NodeInfo{
		node:                         n.node,
		Pods:                         slices.Clone(n.Pods),
		PodsWithAffinity:             slices.Clone(n.PodsWithAffinity),
		PodsWithRequiredAntiAffinity: slices.Clone(n.PodsWithRequiredAntiAffinity),
		UsedPorts:                    n.UsedPorts.clone(),
		Requested:                    n.Requested.Clone(),
		NonZeroRequested:             n.NonZeroRequested.Clone(),
		Allocatable:                  n.Allocatable.Clone(),
		ImageStates:                  n.ImageStates,
		Generation:                   n.Generation,
	}
	return out
}

func (n *NodeInfo) updatePorts(pod *corev1.Pod, add bool) {
	for _, p := range PodHostPorts(pod) {
		if add {
			n.UsedPorts.Add(p.HostIP, string(p.Protocol), p.HostPort)
		} else {
			n.UsedPorts.Remove(p.HostIP, string(p.Protocol), p.HostPort)
		}
	}
}

// PodHostPorts returns the container ports of pod that bind a host port,
// from app containers and restartable init containers.
func PodHostPorts(pod *corev1.Pod) []corev1.ContainerPort {
	var out []corev1.ContainerPort
	add := func(cs []corev1.Container, sidecarsOnly bool) {
		for i := range cs {
			if sidecarsOnly && !isRestartable(&cs[i]) {
				continue
			}
			for _, p := range cs[i].Ports {
				if p.HostPort > 0 {
					out = append(out, p)
				}
			}
		}
	}
	add(pod.Spec.InitContainers, true)
	add(pod.Spec.Containers, false)
	return out
}

func isRestartable(c *corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

func hasAffinity(pod *corev1.Pod) bool {
	a := pod.Spec.Affinity
	return a != nil && (a.PodAffinity != nil || a.PodAntiAffinity != nil)
}

func hasRequiredAntiAffinity(pod *corev1.Pod) bool {
	a := pod.Spec.Affinity
	return a != nil && a.PodAntiAffinity != nil && len(a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution) > 0
}

func removeUID(pis []*PodInfo, uid types.UID) []*PodInfo {
	return slices.DeleteFunc(pis, func(pi *PodInfo) bool { return pi.Pod.UID == uid })
}

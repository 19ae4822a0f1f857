package testing

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// PodWrapper builds a pod.
type PodWrapper struct{ corev1.Pod }

// Pod starts a pod named name in namespace "default" with UID name.
func Pod(name string) *PodWrapper {
	return &PodWrapper{corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(name)}}}
}

// Obj returns the pod.
func (p *PodWrapper) Obj() *corev1.Pod { return &p.Pod }

// Node sets spec.nodeName.
func (p *PodWrapper) Node(name string) *PodWrapper {
	p.Spec.NodeName = name
	return p
}

// Req adds an app container with the given requests as name/quantity pairs:
// Req("cpu", "100m", "memory", "1Gi").
func (p *PodWrapper) Req(kv ...string) *PodWrapper {
	p.Spec.Containers = append(p.Spec.Containers, container(p.Name, len(p.Spec.Containers), kv))
	return p
}

// InitReq adds an ordinary init container with requests.
func (p *PodWrapper) InitReq(kv ...string) *PodWrapper {
	p.Spec.InitContainers = append(p.Spec.InitContainers, container(p.Name+"-init", len(p.Spec.InitContainers), kv))
	return p
}

// SidecarReq adds a restartable init container (a sidecar) with requests.
func (p *PodWrapper) SidecarReq(kv ...string) *PodWrapper {
	c := container(p.Name+"-sidecar", len(p.Spec.InitContainers), kv)
	always := corev1.ContainerRestartPolicyAlways
	c.RestartPolicy = &always
	p.Spec.InitContainers = append(p.Spec.InitContainers, c)
	return p
}

// Overhead sets spec.overhead.
func (p *PodWrapper) Overhead(kv ...string) *PodWrapper {
	p.Spec.Overhead = resourceList(kv)
	return p
}

// HostPort adds a container exposing hostPort on hostIP ("" for all).
func (p *PodWrapper) HostPort(hostIP string, protocol corev1.Protocol, hostPort int32) *PodWrapper {
	p.Spec.Containers = append(p.Spec.Containers, corev1.Container{
		Name:  p.Name + "-port",
		Ports: []corev1.ContainerPort{{HostIP: hostIP, Protocol: protocol, HostPort: hostPort, ContainerPort: hostPort}},
	})
	return p
}

// NodeSelector sets spec.nodeSelector from key/value pairs.
func (p *PodWrapper) NodeSelector(kv ...string) *PodWrapper {
	p.Spec.NodeSelector = map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		p.Spec.NodeSelector[kv[i]] = kv[i+1]
	}
	return p
}

func (p *PodWrapper) nodeAffinity() *corev1.NodeAffinity {
	if p.Spec.Affinity == nil {
		p.Spec.Affinity = &corev1.Affinity{}
	}
	if p.Spec.Affinity.NodeAffinity == nil {
		p.Spec.Affinity.NodeAffinity = &corev1.NodeAffinity{}
	}
	return p.Spec.Affinity.NodeAffinity
}

// RequiredNodeAffinityIn adds a required node selector term "key In values".
func (p *PodWrapper) RequiredNodeAffinityIn(key string, values ...string) *PodWrapper {
	return p.RequiredNodeAffinity(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{
		{Key: key, Operator: corev1.NodeSelectorOpIn, Values: values},
	}})
}

// RequiredNodeAffinity adds a required node selector term (terms are ORed).
func (p *PodWrapper) RequiredNodeAffinity(term corev1.NodeSelectorTerm) *PodWrapper {
	na := p.nodeAffinity()
	if na.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		na.RequiredDuringSchedulingIgnoredDuringExecution = &corev1.NodeSelector{}
	}
	rs := na.RequiredDuringSchedulingIgnoredDuringExecution
	rs.NodeSelectorTerms = append(rs.NodeSelectorTerms, term)
	return p
}

// PreferredNodeAffinityIn adds a preferred term "key In values" with weight.
func (p *PodWrapper) PreferredNodeAffinityIn(weight int32, key string, values ...string) *PodWrapper {
	na := p.nodeAffinity()
	na.PreferredDuringSchedulingIgnoredDuringExecution = append(na.PreferredDuringSchedulingIgnoredDuringExecution,
		corev1.PreferredSchedulingTerm{Weight: weight, Preference: corev1.NodeSelectorTerm{
			MatchExpressions: []corev1.NodeSelectorRequirement{{Key: key, Operator: corev1.NodeSelectorOpIn, Values: values}},
		}})
	return p
}

// PodAntiAffinityRequired adds a required anti-affinity term on the label
// key=value over topologyKey.
func (p *PodWrapper) PodAntiAffinityRequired(key, value, topologyKey string) *PodWrapper {
	if p.Spec.Affinity == nil {
		p.Spec.Affinity = &corev1.Affinity{}
	}
	if p.Spec.Affinity.PodAntiAffinity == nil {
		p.Spec.Affinity.PodAntiAffinity = &corev1.PodAntiAffinity{}
	}
	a := p.Spec.Affinity.PodAntiAffinity
	a.RequiredDuringSchedulingIgnoredDuringExecution = append(a.RequiredDuringSchedulingIgnoredDuringExecution, corev1.PodAffinityTerm{
		LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{key: value}},
		TopologyKey:   topologyKey,
	})
	return p
}

// Toleration adds a toleration; an empty value with operator Exists
// tolerates any value.
func (p *PodWrapper) Toleration(key string, op corev1.TolerationOperator, value string, effect corev1.TaintEffect) *PodWrapper {
	p.Spec.Tolerations = append(p.Spec.Tolerations, corev1.Toleration{Key: key, Operator: op, Value: value, Effect: effect})
	return p
}

func container(prefix string, i int, kv []string) corev1.Container {
	return corev1.Container{
		Name:      prefix + "-" + string(rune('a'+i)),
		Resources: corev1.ResourceRequirements{Requests: resourceList(kv)},
	}
}

func resourceList(kv []string) corev1.ResourceList {
	rl := corev1.ResourceList{}
	for i := 0; i+1 < len(kv); i += 2 {
		rl[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return rl
}

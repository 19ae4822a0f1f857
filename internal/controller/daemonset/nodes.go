package daemonset

import (
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	schedcorev1 "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"

	"github.com/berth-dev/berth/internal/podcondition"
)

// Labels and annotations of daemon pods and DaemonSets.
const (
	hashLabel = appsv1.DefaultDaemonSetUniqueLabelKey // controller-revision-hash
	// generationLabel carries the template generation a pod was made from.
	generationLabel = "pod-template-generation"
	// generationAnnotation is where apps/v1 exposes a DaemonSet's
	// template generation.
	generationAnnotation = "deprecated.daemonset.template.generation"
	// nodeNameField is the node field daemon pods are pinned to.
	nodeNameField = "metadata.name"
)

var kind = appsv1.SchemeGroupVersion.WithKind("DaemonSet")

// daemonTolerations are added to every daemon pod, as upstream: daemons
// keep running through node conditions that evict or repel other pods.
func daemonTolerations(hostNetwork bool) []corev1.Toleration {
	t := []corev1.Toleration{
		{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
		{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
		{Key: corev1.TaintNodeDiskPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
		{Key: corev1.TaintNodeMemoryPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
		{Key: corev1.TaintNodePIDPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
		{Key: corev1.TaintNodeUnschedulable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	}
	if hostNetwork {
		t = append(t, corev1.Toleration{Key: corev1.TaintNodeNetworkUnavailable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule})
	}
	return t
}

// addTolerations adds the daemon tolerations to spec, replacing ones with
// the same key, operator, value and effect.
func addTolerations(spec *corev1.PodSpec) {
	for _, want := range daemonTolerations(spec.HostNetwork) {
		found := false
		for i, have := range spec.Tolerations {
			if have.Key == want.Key && have.Operator == want.Operator && have.Value == want.Value && have.Effect == want.Effect {
				if !equality.Semantic.DeepEqual(have, want) {
					spec.Tolerations[i] = want
				}
				found = true
			}
		}
		if !found {
			spec.Tolerations = append(spec.Tolerations, want)
		}
	}
}

// shouldRun reports whether ds wants a pod on node (shouldRun), and
// whether a pod already there may stay (shouldContinue): a node whose
// taints repel new pods keeps existing ones unless a NoExecute taint
// evicts them.
func shouldRun(node *corev1.Node, ds *appsv1.DaemonSet) (run, keep bool) {
	if n := ds.Spec.Template.Spec.NodeName; n != "" && n != node.Name {
		return false, false
	}
	pod := &corev1.Pod{ObjectMeta: *ds.Spec.Template.ObjectMeta.DeepCopy(), Spec: *ds.Spec.Template.Spec.DeepCopy()}
	pod.Spec.NodeName = node.Name
	addTolerations(&pod.Spec)
	// Parse errors count as a mismatch, as upstream.
	if fits, _ := nodeaffinity.GetRequiredNodeAffinity(pod).Match(node); !fits {
		return false, false
	}
	logger := klog.Background()
	if _, bad := schedcorev1.FindMatchingUntoleratedTaint(logger, node.Spec.Taints, pod.Spec.Tolerations, func(t *corev1.Taint) bool {
		return t.Effect == corev1.TaintEffectNoExecute || t.Effect == corev1.TaintEffectNoSchedule
	}, false); !bad {
		return true, true
	}
	_, evicts := schedcorev1.FindMatchingUntoleratedTaint(logger, node.Spec.Taints, pod.Spec.Tolerations, func(t *corev1.Taint) bool {
		return t.Effect == corev1.TaintEffectNoExecute
	}, false)
	return false, !evicts
}

// templateGeneration is the DaemonSet's template generation: the
// annotation apps/v1 exposes it in, else metadata.generation (which also
// moves on every template change, so "created at this generation" still
// implies "created from this template").
func templateGeneration(ds *appsv1.DaemonSet) int64 {
	if v, ok := ds.Annotations[generationAnnotation]; ok {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	}
	return ds.Generation
}

// podTemplate is the template daemon pods are created from: the set's,
// with the daemon tolerations and the generation and hash labels.
func podTemplate(ds *appsv1.DaemonSet, hash string) *corev1.PodTemplateSpec {
	t := ds.Spec.Template.DeepCopy()
	addTolerations(&t.Spec)
	if t.Labels == nil {
		t.Labels = map[string]string{}
	}
	t.Labels[generationLabel] = fmt.Sprint(templateGeneration(ds))
	if hash != "" {
		t.Labels[hashLabel] = hash
	}
	return t
}

// pinToNode replaces the required node affinity with one term matching
// node by metadata.name, as upstream does for daemon pods (the set
// already fits the node, so nothing the term replaces is lost).
func pinToNode(affinity *corev1.Affinity, node string) *corev1.Affinity {
	term := corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{{
		Key: nodeNameField, Operator: corev1.NodeSelectorOpIn, Values: []string{node}}}}
	if affinity == nil {
		affinity = &corev1.Affinity{}
	}
	if affinity.NodeAffinity == nil {
		affinity.NodeAffinity = &corev1.NodeAffinity{}
	}
	affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{term}}
	return affinity
}

// targetNode is the node a daemon pod runs on, or is pinned to while not
// yet scheduled; "" when neither says.
func targetNode(pod *corev1.Pod) string {
	if pod.Spec.NodeName != "" {
		return pod.Spec.NodeName
	}
	a := pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return ""
	}
	for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		for _, f := range term.MatchFields {
			if f.Key == nodeNameField && f.Operator == corev1.NodeSelectorOpIn && len(f.Values) == 1 {
				return f.Values[0]
			}
		}
	}
	return ""
}

// updated reports whether pod runs ds's current template: its hash label
// is the current hash, or its generation label the current generation.
func updated(pod *corev1.Pod, ds *appsv1.DaemonSet, hash string) bool {
	return (hash != "" && pod.Labels[hashLabel] == hash) || pod.Labels[generationLabel] == fmt.Sprint(templateGeneration(ds))
}

// available: ready for longer than minReadySeconds.
func available(pod *corev1.Pod, minReadySeconds int32, now metav1.Time) bool {
	if !podcondition.Ready(pod) {
		return false
	}
	if minReadySeconds == 0 {
		return true
	}
	c := podcondition.Get(pod, corev1.PodReady)
	return !c.LastTransitionTime.IsZero() && c.LastTransitionTime.Add(secondsOf(minReadySeconds)).Before(now.Time)
}

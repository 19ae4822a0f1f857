package statefulset

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Labels the controller puts on its pods.
const (
	podNameLabel  = appsv1.StatefulSetPodNameLabel        // statefulset.kubernetes.io/pod-name
	podIndexLabel = appsv1.PodIndexLabel                  // apps.kubernetes.io/pod-index
	revisionLabel = appsv1.ControllerRevisionHashLabelKey // controller-revision-hash
)

var kind = appsv1.SchemeGroupVersion.WithKind("StatefulSet")

var podNameRE = regexp.MustCompile(`^(.*)-([0-9]+)$`)

// parentAndOrdinal splits "<set>-<ordinal>"; the ordinal is -1 for other
// names.
func parentAndOrdinal(name string) (string, int) {
	m := podNameRE.FindStringSubmatch(name)
	if m == nil {
		return "", -1
	}
	n, err := strconv.ParseInt(m[2], 10, 32)
	if err != nil {
		return "", -1
	}
	return m[1], int(n)
}

func ordinalOf(pod *corev1.Pod) int {
	_, o := parentAndOrdinal(pod.Name)
	return o
}

// isMember reports whether pod's name makes it one of set's pods.
func isMember(set *appsv1.StatefulSet, pod *corev1.Pod) bool {
	parent, o := parentAndOrdinal(pod.Name)
	return o >= 0 && parent == set.Name
}

func podName(set *appsv1.StatefulSet, ordinal int) string {
	return fmt.Sprintf("%s-%d", set.Name, ordinal)
}

func claimName(set *appsv1.StatefulSet, template string, ordinal int) string {
	return fmt.Sprintf("%s-%s-%d", template, set.Name, ordinal)
}

// startOrdinal is spec.ordinals.start (0 when unset).
func startOrdinal(set *appsv1.StatefulSet) int {
	if set.Spec.Ordinals != nil {
		return int(set.Spec.Ordinals.Start)
	}
	return 0
}

func replicasOf(set *appsv1.StatefulSet) int {
	if set.Spec.Replicas == nil {
		return 1
	}
	return int(*set.Spec.Replicas)
}

// inRange reports whether ordinal is one set should run.
func inRange(set *appsv1.StatefulSet, ordinal int) bool {
	s := startOrdinal(set)
	return ordinal >= s && ordinal < s+replicasOf(set)
}

// newPod builds the pod for ordinal from set's template.
func newPod(set *appsv1.StatefulSet, template *corev1.PodTemplateSpec, ordinal int, revision string) *corev1.Pod {
	name := podName(set, ordinal)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:            name,
			Namespace:       set.Namespace,
			Labels:          map[string]string{},
			Annotations:     map[string]string{},
			Finalizers:      slices.Clone(template.Finalizers),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(set, kind)},
		},
		Spec: *template.Spec.DeepCopy(),
	}
	for k, v := range template.Labels {
		pod.Labels[k] = v
	}
	for k, v := range template.Annotations {
		pod.Annotations[k] = v
	}
	pod.Labels[podNameLabel] = name
	pod.Labels[podIndexLabel] = strconv.Itoa(ordinal)
	pod.Labels[revisionLabel] = revision
	pod.Spec.Hostname = name
	pod.Spec.Subdomain = set.Spec.ServiceName
	setStorage(set, pod)
	return pod
}

// identityLabelsMatch reports whether pod carries the pod-name and
// pod-index labels of its name.
func identityLabelsMatch(pod *corev1.Pod) bool {
	return pod.Labels[podNameLabel] == pod.Name && pod.Labels[podIndexLabel] == strconv.Itoa(ordinalOf(pod))
}

// fixIdentity sets the identity labels from the pod's name.
func fixIdentity(pod *corev1.Pod) {
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	pod.Labels[podNameLabel] = pod.Name
	pod.Labels[podIndexLabel] = strconv.Itoa(ordinalOf(pod))
}

// setStorage mounts the ordinal's claims in the volumes named after the
// claim templates, replacing volumes of the same name.
func setStorage(set *appsv1.StatefulSet, pod *corev1.Pod) {
	o := ordinalOf(pod)
	var vols []corev1.Volume
	names := map[string]bool{}
	for _, t := range set.Spec.VolumeClaimTemplates {
		names[t.Name] = true
		vols = append(vols, corev1.Volume{Name: t.Name, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claimName(set, t.Name, o)}}})
	}
	for _, v := range pod.Spec.Volumes {
		if !names[v.Name] {
			vols = append(vols, v)
		}
	}
	pod.Spec.Volumes = vols
}

// newClaims returns the claims pod's ordinal needs, by template name.
func newClaims(set *appsv1.StatefulSet, ordinal int) []*corev1.PersistentVolumeClaim {
	var out []*corev1.PersistentVolumeClaim
	for _, t := range set.Spec.VolumeClaimTemplates {
		c := t.DeepCopy()
		c.Name = claimName(set, t.Name, ordinal)
		c.Namespace = set.Namespace
		c.ResourceVersion, c.UID = "", ""
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		if set.Spec.Selector != nil {
			for k, v := range set.Spec.Selector.MatchLabels {
				c.Labels[k] = v
			}
		}
		out = append(out, c)
	}
	return out
}

// revisionOf is the controller-revision-hash label of pod.
func revisionOf(pod *corev1.Pod) string { return pod.Labels[revisionLabel] }

func isTerminating(pod *corev1.Pod) bool { return pod.DeletionTimestamp != nil }

func isFinished(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodFailed || pod.Status.Phase == corev1.PodSucceeded
}

func readyCondition(pod *corev1.Pod) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == corev1.PodReady {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}

// runningAndReady: phase Running with a true Ready condition.
func runningAndReady(pod *corev1.Pod) bool {
	c := readyCondition(pod)
	return pod.Status.Phase == corev1.PodRunning && c != nil && c.Status == corev1.ConditionTrue
}

// available: running, ready, and ready for at least minReadySeconds.
func available(pod *corev1.Pod, minReadySeconds int32, now time.Time) bool {
	if !runningAndReady(pod) {
		return false
	}
	if minReadySeconds == 0 {
		return true
	}
	c := readyCondition(pod)
	return !c.LastTransitionTime.IsZero() && c.LastTransitionTime.Add(time.Duration(minReadySeconds)*time.Second).Before(now)
}

// unavailable: terminating, or not (yet) available.
func unavailable(pod *corev1.Pod, minReadySeconds int32, now time.Time) bool {
	return isTerminating(pod) || !available(pod, minReadySeconds, now)
}

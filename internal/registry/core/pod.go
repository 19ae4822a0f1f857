package core

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const (
	mirrorPodAnnotation       = corev1.MirrorPodAnnotationKey
	podDeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost"
)

// updatablePodSpecFields is listed, in upstream's words, in the error for a
// forbidden pod update.
var updatablePodSpecFields = []string{
	"`spec.containers[*].image`",
	"`spec.initContainers[*].image`",
	"`spec.activeDeadlineSeconds`",
	"`spec.tolerations` (only additions to existing tolerations)",
	"`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
}

// ValidatePod validates a Pod on create.
func ValidatePod(pod *corev1.Pod) field.ErrorList {
	allErrs := validatePodMetadataAndSpec(pod, true)
	if len(pod.Spec.EphemeralContainers) > 0 {
		allErrs = append(allErrs, field.Forbidden(specPath.Child("ephemeralContainers"), "cannot be set on create"))
	}
	if pod.Spec.NodeName != "" && len(pod.Spec.SchedulingGates) != 0 {
		allErrs = append(allErrs, field.Forbidden(specPath.Child("nodeName"), "cannot be set until all schedulingGates have been cleared"))
	}
	return allErrs
}

func validatePodMetadataAndSpec(pod *corev1.Pod, strictDeletionCost bool) field.ErrorList {
	allErrs := validateObjectMeta(&pod.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	allErrs = append(allErrs, validatePodAnnotations(pod.Annotations, &pod.Spec, metaPath.Child("annotations"), strictDeletionCost)...)
	allErrs = append(allErrs, validatePodSpec(&pod.Spec, &pod.ObjectMeta, specPath, podSpecOptions{resourceIsPod: true})...)
	if pod.Spec.ServiceAccountName == "" {
		for vi, v := range pod.Spec.Volumes {
			if v.Projected == nil {
				continue
			}
			for si, s := range v.Projected.Sources {
				if s.ServiceAccountToken != nil {
					allErrs = append(allErrs, field.Forbidden(specPath.Child("volumes").Index(vi).Child("projected", "sources").Index(si).Child("serviceAccountToken"),
						"must not be specified when serviceAccountName is not set"))
				}
			}
		}
	}
	for i, c := range pod.Spec.Containers {
		allErrs = append(allErrs, validateImageWhitespace(c.Image, specPath.Child("containers").Index(i).Child("image"))...)
	}
	for i, c := range pod.Spec.InitContainers {
		allErrs = append(allErrs, validateImageWhitespace(c.Image, specPath.Child("initContainers").Index(i).Child("image"))...)
	}
	return allErrs
}

// validatePodAnnotations holds the pod-specific annotation rules.
func validatePodAnnotations(annotations map[string]string, spec *corev1.PodSpec, p *field.Path, strictDeletionCost bool) field.ErrorList {
	var allErrs field.ErrorList
	if v, ok := annotations[mirrorPodAnnotation]; ok && spec.NodeName == "" {
		allErrs = append(allErrs, field.Invalid(p.Key(mirrorPodAnnotation), v, "must set spec.nodeName if mirror pod annotation is set"))
	}
	if v, ok := annotations[podDeletionCostAnnotation]; ok && strictDeletionCost {
		if _, err := strconv.ParseInt(v, 10, 32); err != nil {
			allErrs = append(allErrs, field.Invalid(p.Key(podDeletionCostAnnotation), v, "must be a 32bit integer"))
		}
	}
	return allErrs
}

// ValidatePodUpdate validates a Pod update: metadata rules, the full rules
// for pod, and that only the mutable spec fields changed.
func ValidatePodUpdate(pod, old *corev1.Pod) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&pod.ObjectMeta, &old.ObjectMeta)
	_, oldCostErr := strconv.ParseInt(old.Annotations[podDeletionCostAnnotation], 10, 32)
	_, oldHasCost := old.Annotations[podDeletionCostAnnotation]
	allErrs = append(allErrs, validatePodMetadataAndSpec(pod, !oldHasCost || oldCostErr == nil)...)
	allErrs = append(allErrs, validateMirrorAnnotationUpdate(pod, old)...)

	containerErrs, stop := validateContainerUpdates(pod.Spec.Containers, old.Spec.Containers, specPath.Child("containers"))
	allErrs = append(allErrs, containerErrs...)
	if stop {
		return allErrs
	}
	containerErrs, stop = validateContainerUpdates(pod.Spec.InitContainers, old.Spec.InitContainers, specPath.Child("initContainers"))
	allErrs = append(allErrs, containerErrs...)
	if stop {
		return allErrs
	}

	adsPath := specPath.Child("activeDeadlineSeconds")
	if pod.Spec.ActiveDeadlineSeconds != nil {
		n := *pod.Spec.ActiveDeadlineSeconds
		if n < 0 || n > math.MaxInt32 {
			return append(allErrs, field.Invalid(adsPath, n, validation.InclusiveRangeError(0, math.MaxInt32)))
		}
		if old.Spec.ActiveDeadlineSeconds != nil && *old.Spec.ActiveDeadlineSeconds < n {
			return append(allErrs, field.Invalid(adsPath, n, "must be less than or equal to previous value"))
		}
	} else if old.Spec.ActiveDeadlineSeconds != nil {
		allErrs = append(allErrs, field.Invalid(adsPath, pod.Spec.ActiveDeadlineSeconds, "must not update from a positive integer to nil value"))
	}

	allErrs = append(allErrs, validateOnlyAddedTolerations(pod.Spec.Tolerations, old.Spec.Tolerations, specPath.Child("tolerations"))...)
	allErrs = append(allErrs, validateOnlyDeletedSchedulingGates(pod.Spec.SchedulingGates, old.Spec.SchedulingGates, specPath.Child("schedulingGates"))...)

	if equality.Semantic.DeepEqual(pod.Spec, old.Spec) {
		return allErrs
	}
	munged := *pod.Spec.DeepCopy()
	for i := range munged.Containers {
		munged.Containers[i].Image = old.Spec.Containers[i].Image
	}
	for i := range munged.InitContainers {
		munged.InitContainers[i].Image = old.Spec.InitContainers[i].Image
	}
	munged.ActiveDeadlineSeconds = nil
	if old.Spec.ActiveDeadlineSeconds != nil {
		munged.ActiveDeadlineSeconds = ptrTo(*old.Spec.ActiveDeadlineSeconds)
	}
	munged.SchedulingGates = old.Spec.SchedulingGates
	munged.Tolerations = old.Spec.Tolerations
	if old.Spec.TerminationGracePeriodSeconds != nil && *old.Spec.TerminationGracePeriodSeconds < 0 &&
		munged.TerminationGracePeriodSeconds != nil && *munged.TerminationGracePeriodSeconds == 1 {
		munged.TerminationGracePeriodSeconds = old.Spec.TerminationGracePeriodSeconds
	}
	if len(old.Spec.SchedulingGates) > 0 {
		// Gated pods may gain node selectors.
		if !equality.Semantic.DeepEqual(munged.NodeSelector, old.Spec.NodeSelector) {
			for k, v := range old.Spec.NodeSelector {
				if nv, ok := munged.NodeSelector[k]; !ok || nv != v {
					allErrs = append(allErrs, field.Invalid(specPath.Child("nodeSelector"), munged.NodeSelector,
						"only additions to spec.nodeSelector are allowed (no mutations or deletions)"))
					break
				}
			}
			munged.NodeSelector = old.Spec.NodeSelector
		}
	}
	if !equality.Semantic.DeepEqual(munged, old.Spec) {
		msg := fmt.Sprintf("pod updates may not change fields other than %s\n%v", strings.Join(updatablePodSpecFields, ","), specDiff(old.Spec, munged))
		allErrs = append(allErrs, field.Forbidden(specPath, msg))
	}
	return allErrs
}

// specDiff renders a human-readable diff for error messages; it never fails.
func specDiff(a, b any) (diff string) {
	defer func() {
		if recover() != nil {
			diff = ""
		}
	}()
	return cmp.Diff(a, b)
}

func validateMirrorAnnotationUpdate(pod, old *corev1.Pod) field.ErrorList {
	var allErrs field.ErrorList
	p := metaPath.Child("annotations").Key(mirrorPodAnnotation)
	ov, oldHas := old.Annotations[mirrorPodAnnotation]
	nv, newHas := pod.Annotations[mirrorPodAnnotation]
	switch {
	case oldHas && (!newHas || nv != ov):
		allErrs = append(allErrs, field.Forbidden(p, "may not remove or update mirror pod annotation"))
	case !oldHas && newHas:
		allErrs = append(allErrs, field.Forbidden(p, "may not add mirror pod annotation"))
	}
	return allErrs
}

func validateContainerUpdates(newC, oldC []corev1.Container, p *field.Path) (field.ErrorList, bool) {
	if len(newC) != len(oldC) {
		return field.ErrorList{field.Forbidden(p, "pod updates may not add or remove containers")}, true
	}
	var allErrs field.ErrorList
	for i, c := range newC {
		if c.Image == "" {
			allErrs = append(allErrs, field.Required(p.Index(i).Child("image"), ""))
		}
		allErrs = append(allErrs, validateImageWhitespace(c.Image, p.Index(i).Child("image"))...)
	}
	return allErrs, false
}

func validateOnlyAddedTolerations(newT, oldT []corev1.Toleration, p *field.Path) field.ErrorList {
	for _, o := range oldT {
		found := false
		for _, n := range newT {
			oc := o
			oc.TolerationSeconds = n.TolerationSeconds
			if equality.Semantic.DeepEqual(oc, n) {
				found = true
				break
			}
		}
		if !found {
			return field.ErrorList{field.Forbidden(p, "existing toleration can not be modified except its tolerationSeconds")}
		}
	}
	return validateTolerations(newT, p)
}

func validateOnlyDeletedSchedulingGates(newG, oldG []corev1.PodSchedulingGate, p *field.Path) field.ErrorList {
	old := sets.New[string]()
	for _, g := range oldG {
		old.Insert(g.Name)
	}
	var allErrs field.ErrorList
	for i, g := range newG {
		if !old.Has(g.Name) {
			allErrs = append(allErrs, field.Forbidden(p.Index(i).Child("name"), fmt.Sprintf("only deletion is allowed, but found new scheduling gate '%s'", g.Name)))
		}
	}
	return allErrs
}

// ValidatePodStatusUpdate validates a write through pods/status.
func ValidatePodStatusUpdate(pod, old *corev1.Pod) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&pod.ObjectMeta, &old.ObjectMeta)
	allErrs = append(allErrs, validateMirrorAnnotationUpdate(pod, old)...)
	allErrs = append(allErrs, validatePodAnnotations(pod.Annotations, &pod.Spec, metaPath.Child("annotations"), false)...)
	system := sets.New(corev1.PodScheduled, corev1.PodReady, corev1.PodInitialized)
	for i, c := range pod.Status.Conditions {
		if !system.Has(c.Type) {
			allErrs = append(allErrs, validateQualifiedName(string(c.Type), metaPath.Child("conditions").Index(i).Child("Type"))...)
		}
	}
	statusPath := field.NewPath("status")
	if pod.Spec.NodeName != old.Spec.NodeName {
		allErrs = append(allErrs, field.Forbidden(statusPath.Child("nodeName"), "may not be changed directly"))
	}
	if n := pod.Status.NominatedNodeName; n != old.Status.NominatedNodeName && n != "" {
		allErrs = append(allErrs, validateName(apivalidation.NameIsDNSSubdomain, n, statusPath.Child("nominatedNodeName"))...)
	}
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(pod.Status.QOSClass, old.Status.QOSClass, statusPath.Child("qosClass"))...)
	allErrs = append(allErrs, validateContainerStateTransition(pod.Status.ContainerStatuses, old.Status.ContainerStatuses, statusPath.Child("containerStatuses"), old.Spec.RestartPolicy, nil)...)
	allErrs = append(allErrs, validateContainerStateTransition(pod.Status.InitContainerStatuses, old.Status.InitContainerStatuses, statusPath.Child("initContainerStatuses"), old.Spec.RestartPolicy, old.Spec.InitContainers)...)
	allErrs = append(allErrs, validateContainerStateTransition(pod.Status.EphemeralContainerStatuses, old.Status.EphemeralContainerStatuses, statusPath.Child("ephemeralContainerStatuses"), corev1.RestartPolicyNever, nil)...)
	allErrs = append(allErrs, validateIPList(podIPs(pod.Status.PodIPs), statusPath.Child("podIPs"), pod.Status.PodIPs)...)
	if len(pod.Status.HostIPs) > 0 {
		hp := statusPath.Child("hostIPs")
		if pod.Status.HostIP != pod.Status.HostIPs[0].IP {
			allErrs = append(allErrs, field.Invalid(hp.Index(0).Child("ip"), pod.Status.HostIPs[0].IP, "must be equal to `hostIP`"))
		}
		ips := make([]string, len(pod.Status.HostIPs))
		for i, h := range pod.Status.HostIPs {
			ips[i] = h.IP
		}
		allErrs = append(allErrs, validateIPList(ips, hp, pod.Status.HostIPs)...)
	}
	return allErrs
}

func podIPs(ips []corev1.PodIP) []string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.IP
	}
	return out
}

// validateIPList checks a dual-stack IP list: valid, at most one per family,
// no duplicates.
func validateIPList(ips []string, p *field.Path, whole any) field.ErrorList {
	var allErrs field.ErrorList
	for i, ip := range ips {
		allErrs = append(allErrs, validation.IsValidIP(p.Index(i), ip)...)
	}
	if len(ips) > 1 && len(allErrs) == 0 {
		if len(ips) > 2 || isIPv6(ips[0]) == isIPv6(ips[1]) {
			allErrs = append(allErrs, field.Invalid(p, whole, "may specify no more than one IP for each IP family"))
		}
		seen := sets.New[string]()
		for i, ip := range ips {
			if seen.Has(ip) {
				allErrs = append(allErrs, field.Duplicate(p.Index(i), ip))
			}
			seen.Insert(ip)
		}
	}
	return allErrs
}

func isIPv6(ip string) bool { return strings.Contains(ip, ":") }

func validateContainerStateTransition(newS, oldS []corev1.ContainerStatus, p *field.Path, rp corev1.RestartPolicy, inits []corev1.Container) field.ErrorList {
	if rp == corev1.RestartPolicyAlways {
		return nil
	}
	var allErrs field.ErrorList
	for i, o := range oldS {
		if o.State.Terminated == nil {
			continue
		}
		if o.State.Terminated.ExitCode != 0 && rp == corev1.RestartPolicyOnFailure {
			continue
		}
		restartable := false
		for _, c := range inits {
			if c.Name == o.Name {
				restartable = c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
				break
			}
		}
		if restartable {
			continue
		}
		for _, n := range newS {
			if n.Name == o.Name && n.State.Terminated == nil {
				allErrs = append(allErrs, field.Forbidden(p.Index(i).Child("state"), "may not be transitioned to non-terminated state"))
			}
		}
	}
	return allErrs
}

// ValidatePodTemplateSpec validates a pod template embedded at fldPath.
func ValidatePodTemplateSpec(t *corev1.PodTemplateSpec, fldPath *field.Path) field.ErrorList {
	allErrs := metav1validation.ValidateLabels(t.Labels, fldPath.Child("labels"))
	allErrs = append(allErrs, apivalidation.ValidateAnnotations(t.Annotations, fldPath.Child("annotations"))...)
	allErrs = append(allErrs, validatePodAnnotations(t.Annotations, &t.Spec, fldPath.Child("annotations"), true)...)
	allErrs = append(allErrs, ValidatePodSpec(&t.Spec, nil, fldPath.Child("spec"))...)
	if len(t.Spec.EphemeralContainers) > 0 {
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("spec", "ephemeralContainers"), "ephemeral containers not allowed in pod template"))
	}
	return allErrs
}

// ValidatePodTemplate validates a PodTemplate on create.
func ValidatePodTemplate(t *corev1.PodTemplate) field.ErrorList {
	allErrs := validateObjectMeta(&t.ObjectMeta, true, apivalidation.NameIsDNSSubdomain)
	return append(allErrs, ValidatePodTemplateSpec(&t.Template, field.NewPath("template"))...)
}

// ValidatePodTemplateUpdate validates a PodTemplate update.
func ValidatePodTemplateUpdate(t, old *corev1.PodTemplate) field.ErrorList {
	allErrs := validateObjectMetaUpdate(&t.ObjectMeta, &old.ObjectMeta)
	return append(allErrs, ValidatePodTemplateSpec(&t.Template, field.NewPath("template"))...)
}

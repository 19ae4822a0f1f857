package registry

import (
	"slices"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func secondsDuration(s int64) time.Duration { return time.Duration(s) * time.Second }

// podGracePeriod: a pod bound to a node is deleted gracefully (the kubelet
// confirms with grace 0); an unbound or finished pod goes at once.
func podGracePeriod(obj runtime.Object, requested *int64) (int64, bool) {
	pod := obj.(*corev1.Pod)
	grace := int64(corev1.DefaultTerminationGracePeriodSeconds)
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		grace = *pod.Spec.TerminationGracePeriodSeconds
	}
	if requested != nil {
		grace = *requested
	}
	if pod.Spec.NodeName == "" || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return 0, false
	}
	if grace == 0 {
		return 0, false
	}
	return grace, true
}

// preparePod sets the status a new pod starts with.
func preparePod(obj runtime.Object) {
	pod := obj.(*corev1.Pod)
	pod.Status = corev1.PodStatus{Phase: corev1.PodPending, QOSClass: podQOS(pod)}
}

// prepareNamespace: a new namespace is Active and carries the kubernetes
// finalizer that the namespace controller removes after emptying it.
func prepareNamespace(obj runtime.Object) {
	ns := obj.(*corev1.Namespace)
	ns.Status = corev1.NamespaceStatus{Phase: corev1.NamespaceActive}
	if !slices.Contains(ns.Spec.Finalizers, corev1.FinalizerKubernetes) {
		ns.Spec.Finalizers = append(ns.Spec.Finalizers, corev1.FinalizerKubernetes)
	}
}

// finalizingNamespace turns a namespace Terminating; its spec.finalizers
// hold it until the namespace controller has emptied it.
func finalizingNamespace(obj runtime.Object) bool {
	ns := obj.(*corev1.Namespace)
	ns.Status.Phase = corev1.NamespaceTerminating
	return len(ns.Spec.Finalizers) > 0
}

// keepSpecFinalizers: only the finalize subresource changes a namespace's
// spec.finalizers.
func keepSpecFinalizers(obj, old runtime.Object) {
	if ns, ok := obj.(*corev1.Namespace); ok {
		ns.Spec.Finalizers = old.(*corev1.Namespace).Spec.Finalizers
	}
}

func preparePV(obj runtime.Object) {
	obj.(*corev1.PersistentVolume).Status = corev1.PersistentVolumeStatus{Phase: corev1.VolumePending}
}

func preparePVC(obj runtime.Object) {
	obj.(*corev1.PersistentVolumeClaim).Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}
}

// podQOS computes the pod's QoS class as upstream: Guaranteed when every
// container has equal cpu and memory requests and limits, BestEffort when
// none has any, Burstable otherwise.
func podQOS(pod *corev1.Pod) corev1.PodQOSClass {
	if pod.Spec.Resources != nil {
		return qosFor([]corev1.ResourceRequirements{*pod.Spec.Resources})
	}
	var rs []corev1.ResourceRequirements
	for _, c := range pod.Spec.InitContainers {
		rs = append(rs, c.Resources)
	}
	for _, c := range pod.Spec.Containers {
		rs = append(rs, c.Resources)
	}
	return qosFor(rs)
}

func qosFor(rs []corev1.ResourceRequirements) corev1.PodQOSClass {
	tracked := []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory}
	any, guaranteed := false, true
	for _, r := range rs {
		for _, name := range tracked {
			req, hasReq := r.Requests[name]
			lim, hasLim := r.Limits[name]
			if (hasReq && !req.IsZero()) || (hasLim && !lim.IsZero()) {
				any = true
			}
			if !hasLim || lim.IsZero() {
				guaranteed = false
				continue
			}
			if hasReq && req.Cmp(lim) != 0 {
				guaranteed = false
			}
		}
	}
	switch {
	case !any:
		return corev1.PodQOSBestEffort
	case guaranteed:
		return corev1.PodQOSGuaranteed
	}
	return corev1.PodQOSBurstable
}

// Labels a Job's pods carry, tying them to the Job by its UID.
const (
	labelControllerUID       = "batch.kubernetes.io/controller-uid"
	labelJobName             = "batch.kubernetes.io/job-name"
	legacyLabelControllerUID = "controller-uid"
	legacyLabelJobName       = "job-name"
)

// prepareJob generates the Job's selector from its UID unless the user
// manages it (spec.manualSelector), as upstream.
func prepareJob(obj runtime.Object) {
	job := obj.(*batchv1.Job)
	if job.Spec.ManualSelector != nil && *job.Spec.ManualSelector {
		return
	}
	uid := string(job.UID)
	if job.Spec.Template.Labels == nil {
		job.Spec.Template.Labels = map[string]string{}
	}
	l := job.Spec.Template.Labels
	l[labelControllerUID], l[legacyLabelControllerUID] = uid, uid
	l[labelJobName], l[legacyLabelJobName] = job.Name, job.Name
	job.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{labelControllerUID: uid}}
}

// templateGenerationAnnotation counts a DaemonSet's template changes,
// starting at 1 (upstream's spec.templateGeneration, kept in apps/v1 as
// an annotation); the DaemonSet controller labels pods with it.
const templateGenerationAnnotation = "deprecated.daemonset.template.generation"

func prepareDaemonSet(obj runtime.Object) {
	ds := obj.(*appsv1.DaemonSet)
	metav1.SetMetaDataAnnotation(&ds.ObjectMeta, templateGenerationAnnotation, "1")
}

func prepareDaemonSetUpdate(obj, old runtime.Object) {
	ds, prev := obj.(*appsv1.DaemonSet), old.(*appsv1.DaemonSet)
	gen, err := strconv.ParseInt(prev.Annotations[templateGenerationAnnotation], 10, 64)
	if err != nil || gen < 1 {
		gen = 1
	}
	if !apiequality.Semantic.DeepEqual(ds.Spec.Template, prev.Spec.Template) {
		gen++
	}
	metav1.SetMetaDataAnnotation(&ds.ObjectMeta, templateGenerationAnnotation, strconv.FormatInt(gen, 10))
}

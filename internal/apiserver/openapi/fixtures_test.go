package openapi

import (
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
)

var allVerbs = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}

// resourceBuilder builds a Resource from Go objects, taking the kinds from
// client-go's scheme.
type resourceBuilder struct{ r Resource }

func res(plural string, obj, list runtime.Object) *resourceBuilder {
	return &resourceBuilder{r: Resource{
		GVK: kindOf(obj), ListGVK: kindOf(list), Resource: plural, Namespaced: true,
		Verbs: allVerbs, Object: obj, List: list,
	}}
}

func kindOf(obj runtime.Object) schema.GroupVersionKind {
	gvks, _, err := scheme.Scheme.ObjectKinds(obj)
	if err != nil {
		panic(err)
	}
	return gvks[0]
}

func (b *resourceBuilder) cluster() *resourceBuilder { b.r.Namespaced = false; return b }

func (b *resourceBuilder) status() *resourceBuilder {
	return b.sub("status", b.r.GVK, "get", "update", "patch")
}

func (b *resourceBuilder) scale() *resourceBuilder {
	return b.sub("scale", autoscalingv1.SchemeGroupVersion.WithKind("Scale"), "get", "update", "patch")
}

func (b *resourceBuilder) sub(name string, kind schema.GroupVersionKind, verbs ...string) *resourceBuilder {
	b.r.Subresources = append(b.r.Subresources, Subresource{Name: name, Kind: kind, Verbs: verbs})
	return b
}

func (b *resourceBuilder) obj() Resource { return b.r }

// testResources is a berth-sized table of built-in resources.
func testResources() []Resource {
	core := corev1.SchemeGroupVersion
	return []Resource{
		res("pods", &corev1.Pod{}, &corev1.PodList{}).status().
			sub("binding", core.WithKind("Binding"), "create").
			sub("eviction", policyv1.SchemeGroupVersion.WithKind("Eviction"), "create").
			sub("ephemeralcontainers", core.WithKind("Pod"), "get", "update", "patch").
			sub("log", schema.GroupVersionKind{}, "get").obj(),
		res("services", &corev1.Service{}, &corev1.ServiceList{}).status().obj(),
		res("configmaps", &corev1.ConfigMap{}, &corev1.ConfigMapList{}).obj(),
		res("secrets", &corev1.Secret{}, &corev1.SecretList{}).obj(),
		res("namespaces", &corev1.Namespace{}, &corev1.NamespaceList{}).cluster().status().
			sub("finalize", core.WithKind("Namespace"), "update").obj(),
		res("nodes", &corev1.Node{}, &corev1.NodeList{}).cluster().status().obj(),
		res("events", &corev1.Event{}, &corev1.EventList{}).obj(),
		res("endpoints", &corev1.Endpoints{}, &corev1.EndpointsList{}).obj(),
		res("serviceaccounts", &corev1.ServiceAccount{}, &corev1.ServiceAccountList{}).
			sub("token", schema.GroupVersionKind{Group: "authentication.k8s.io", Version: "v1", Kind: "TokenRequest"}, "create").obj(),
		res("persistentvolumes", &corev1.PersistentVolume{}, &corev1.PersistentVolumeList{}).cluster().status().obj(),
		res("persistentvolumeclaims", &corev1.PersistentVolumeClaim{}, &corev1.PersistentVolumeClaimList{}).status().obj(),
		res("replicationcontrollers", &corev1.ReplicationController{}, &corev1.ReplicationControllerList{}).status().scale().obj(),
		res("limitranges", &corev1.LimitRange{}, &corev1.LimitRangeList{}).obj(),
		res("resourcequotas", &corev1.ResourceQuota{}, &corev1.ResourceQuotaList{}).status().obj(),
		res("podtemplates", &corev1.PodTemplate{}, &corev1.PodTemplateList{}).obj(),
		res("deployments", &appsv1.Deployment{}, &appsv1.DeploymentList{}).status().scale().obj(),
		res("replicasets", &appsv1.ReplicaSet{}, &appsv1.ReplicaSetList{}).status().scale().obj(),
		res("statefulsets", &appsv1.StatefulSet{}, &appsv1.StatefulSetList{}).status().scale().obj(),
		res("daemonsets", &appsv1.DaemonSet{}, &appsv1.DaemonSetList{}).status().obj(),
		res("controllerrevisions", &appsv1.ControllerRevision{}, &appsv1.ControllerRevisionList{}).obj(),
		res("jobs", &batchv1.Job{}, &batchv1.JobList{}).status().obj(),
		res("cronjobs", &batchv1.CronJob{}, &batchv1.CronJobList{}).status().obj(),
		res("horizontalpodautoscalers", &autoscalingv2.HorizontalPodAutoscaler{}, &autoscalingv2.HorizontalPodAutoscalerList{}).status().obj(),
		res("ingresses", &networkingv1.Ingress{}, &networkingv1.IngressList{}).status().obj(),
		res("networkpolicies", &networkingv1.NetworkPolicy{}, &networkingv1.NetworkPolicyList{}).obj(),
		res("ingressclasses", &networkingv1.IngressClass{}, &networkingv1.IngressClassList{}).cluster().obj(),
		res("poddisruptionbudgets", &policyv1.PodDisruptionBudget{}, &policyv1.PodDisruptionBudgetList{}).status().obj(),
		res("roles", &rbacv1.Role{}, &rbacv1.RoleList{}).obj(),
		res("rolebindings", &rbacv1.RoleBinding{}, &rbacv1.RoleBindingList{}).obj(),
		res("clusterroles", &rbacv1.ClusterRole{}, &rbacv1.ClusterRoleList{}).cluster().obj(),
		res("clusterrolebindings", &rbacv1.ClusterRoleBinding{}, &rbacv1.ClusterRoleBindingList{}).cluster().obj(),
		res("storageclasses", &storagev1.StorageClass{}, &storagev1.StorageClassList{}).cluster().obj(),
		res("csidrivers", &storagev1.CSIDriver{}, &storagev1.CSIDriverList{}).cluster().obj(),
		res("csinodes", &storagev1.CSINode{}, &storagev1.CSINodeList{}).cluster().obj(),
		res("volumeattachments", &storagev1.VolumeAttachment{}, &storagev1.VolumeAttachmentList{}).cluster().status().obj(),
		res("leases", &coordinationv1.Lease{}, &coordinationv1.LeaseList{}).obj(),
		res("endpointslices", &discoveryv1.EndpointSlice{}, &discoveryv1.EndpointSliceList{}).obj(),
		res("events", &eventsv1.Event{}, &eventsv1.EventList{}).obj(),
		res("priorityclasses", &schedulingv1.PriorityClass{}, &schedulingv1.PriorityClassList{}).cluster().obj(),
		res("runtimeclasses", &nodev1.RuntimeClass{}, &nodev1.RuntimeClassList{}).cluster().obj(),
		res("certificatesigningrequests", &certificatesv1.CertificateSigningRequest{}, &certificatesv1.CertificateSigningRequestList{}).cluster().status().
			sub("approval", certificatesv1.SchemeGroupVersion.WithKind("CertificateSigningRequest"), "get", "update", "patch").obj(),
		res("validatingwebhookconfigurations", &admissionregistrationv1.ValidatingWebhookConfiguration{}, &admissionregistrationv1.ValidatingWebhookConfigurationList{}).cluster().obj(),
		res("mutatingwebhookconfigurations", &admissionregistrationv1.MutatingWebhookConfiguration{}, &admissionregistrationv1.MutatingWebhookConfigurationList{}).cluster().obj(),
	}
}

// newTestSpec builds the Spec of testResources.
func newTestSpec(t testing.TB) *Spec {
	t.Helper()
	s, err := New(testResources(), scheme.Scheme)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

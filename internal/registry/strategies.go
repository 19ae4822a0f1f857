package registry

import (
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/berth-dev/berth/internal/registry/apps"
	"github.com/berth-dev/berth/internal/registry/autoscaling"
	"github.com/berth-dev/berth/internal/registry/batch"
	"github.com/berth-dev/berth/internal/registry/coordination"
	"github.com/berth-dev/berth/internal/registry/core"
	"github.com/berth-dev/berth/internal/registry/discovery"
	"github.com/berth-dev/berth/internal/registry/networking"
	"github.com/berth-dev/berth/internal/registry/policy"
	"github.com/berth-dev/berth/internal/registry/rbac"
	"github.com/berth-dev/berth/internal/registry/scheduling"
	"github.com/berth-dev/berth/internal/registry/storage"
)

// Strategies returns the rules of every kind, keyed by group and resource.
// Kinds missing here get ObjectMeta validation only.
func Strategies() map[schema.GroupResource]Strategy {
	m := map[schema.GroupResource]Strategy{}
	add := func(group, resource string, s Strategy) {
		gr := schema.GroupResource{Group: group, Resource: resource}
		if _, dup := m[gr]; dup {
			panic("registry: duplicate strategy for " + gr.String())
		}
		m[gr] = s
	}
	coreStrategies(add)
	workloadStrategies(add)
	return m
}

func coreStrategies(add func(group, resource string, s Strategy)) {
	pod := WithStatus(Typed(core.DefaultPod, core.ValidatePod, core.ValidatePodUpdate), core.ValidatePodStatusUpdate)
	pod.PrepareForCreate, pod.GracePeriod, pod.TrackGeneration = preparePod, podGracePeriod, true
	pod.StatusResets = MetaOwnerReferences
	add("", "pods", pod)

	ns := WithStatus(Typed(core.DefaultNamespace, core.ValidateNamespace, core.ValidateNamespaceUpdate), core.ValidateNamespaceStatusUpdate)
	ns = WithSubresource(ns, SubFinalize, core.ValidateNamespaceFinalizeUpdate)
	ns.PrepareForCreate, ns.Finalizing = prepareNamespace, finalizingNamespace
	add("", "namespaces", ns)

	svc := WithStatus(Typed(core.DefaultService, core.ValidateService, core.ValidateServiceUpdate), core.ValidateServiceStatusUpdate)
	svc.PrepareForUpdate = func(obj, old runtime.Object) {
		core.DropServiceTypeDependentFields(obj.(*corev1.Service), old.(*corev1.Service))
	}
	add("", "services", svc)
	add("", "endpoints", Typed(core.DefaultEndpoints, core.ValidateEndpoints, core.ValidateEndpointsUpdate))
	add("", "configmaps", Typed(core.DefaultConfigMap, core.ValidateConfigMap, core.ValidateConfigMapUpdate))
	add("", "secrets", Typed(core.DefaultSecret, core.ValidateSecret, core.ValidateSecretUpdate))
	add("", "serviceaccounts", Typed[*corev1.ServiceAccount](nil, core.ValidateServiceAccount, core.ValidateServiceAccountUpdate))

	node := WithStatus(Typed(core.DefaultNode, core.ValidateNode, core.ValidateNodeUpdate), core.ValidateNodeStatusUpdate)
	node.KeepStatusOnCreate = true
	add("", "nodes", node)

	add("", "events", Typed[*corev1.Event](nil, core.ValidateEvent, core.ValidateEventUpdate))

	pv := WithStatus(Typed(core.DefaultPersistentVolume, core.ValidatePersistentVolume, core.ValidatePersistentVolumeUpdate), core.ValidatePersistentVolumeStatusUpdate)
	pv.PrepareForCreate = preparePV
	add("", "persistentvolumes", pv)
	pvc := WithStatus(Typed(core.DefaultPersistentVolumeClaim, core.ValidatePersistentVolumeClaim, core.ValidatePersistentVolumeClaimUpdate), core.ValidatePersistentVolumeClaimStatusUpdate)
	pvc.PrepareForCreate = preparePVC
	add("", "persistentvolumeclaims", pvc)

	add("", "limitranges", Typed(core.DefaultLimitRange, core.ValidateLimitRange, core.ValidateLimitRangeUpdate))
	add("", "resourcequotas", WithStatus(Typed(core.DefaultResourceQuota, core.ValidateResourceQuota, core.ValidateResourceQuotaUpdate), core.ValidateResourceQuotaStatusUpdate))
	rc := WithStatus(Typed(core.DefaultReplicationController, core.ValidateReplicationController, core.ValidateReplicationControllerUpdate), core.ValidateReplicationControllerStatusUpdate)
	rc.TrackGeneration = true
	add("", "replicationcontrollers", rc)
	add("", "podtemplates", Typed(core.DefaultPodTemplate, core.ValidatePodTemplate, core.ValidatePodTemplateUpdate))
}

// workloadStrategies covers the groups beyond core.
func workloadStrategies(add func(group, resource string, s Strategy)) {
	tmpl := apps.Rules{PodTemplate: apps.PodTemplateRules{Default: core.DefaultPodTemplateSpec, Validate: core.ValidatePodTemplateSpec},
		ClaimSpec: core.ValidatePersistentVolumeClaimSpec}
	gen := func(s Strategy) Strategy { s.TrackGeneration = true; return s }
	deploy := gen(WithStatus(Typed(tmpl.DefaultDeployment, tmpl.ValidateDeployment, tmpl.ValidateDeploymentUpdate), apps.ValidateDeploymentStatusUpdate))
	deploy.StatusResets = MetaLabels
	add("apps", "deployments", deploy)
	add("apps", "replicasets", gen(WithStatus(Typed(tmpl.DefaultReplicaSet, tmpl.ValidateReplicaSet, tmpl.ValidateReplicaSetUpdate), apps.ValidateReplicaSetStatusUpdate)))
	add("apps", "statefulsets", gen(WithStatus(Typed(tmpl.DefaultStatefulSet, tmpl.ValidateStatefulSet, tmpl.ValidateStatefulSetUpdate), apps.ValidateStatefulSetStatusUpdate)))
	ds := gen(WithStatus(Typed(tmpl.DefaultDaemonSet, tmpl.ValidateDaemonSet, tmpl.ValidateDaemonSetUpdate), apps.ValidateDaemonSetStatusUpdate))
	ds.PrepareForCreate, ds.PrepareForUpdate = prepareDaemonSet, prepareDaemonSetUpdate
	add("apps", "daemonsets", ds)
	add("apps", "controllerrevisions", Typed(apps.DefaultControllerRevision, apps.ValidateControllerRevision, apps.ValidateControllerRevisionUpdate))

	btmpl := batch.Rules{PodTemplate: batch.PodTemplateRules{Default: core.DefaultPodTemplateSpec, Validate: core.ValidatePodTemplateSpec}}
	job := gen(WithStatus(Typed(btmpl.DefaultJob, btmpl.ValidateJob, btmpl.ValidateJobUpdate), batch.ValidateJobStatusUpdate))
	job.PrepareForCreate = prepareJob
	add("batch", "jobs", job)
	add("batch", "cronjobs", gen(WithStatus(Typed(btmpl.DefaultCronJob, btmpl.ValidateCronJob, btmpl.ValidateCronJobUpdate), batch.ValidateCronJobStatusUpdate)))

	add("autoscaling", "horizontalpodautoscalers", gen(WithStatus(Typed(autoscaling.DefaultHPA, autoscaling.ValidateHPA, autoscaling.ValidateHPAUpdate), autoscaling.ValidateHPAStatusUpdate)))
	add("policy", "poddisruptionbudgets", gen(WithStatus(Typed(policy.DefaultPodDisruptionBudget, policy.ValidatePodDisruptionBudget, policy.ValidatePodDisruptionBudgetUpdate), policy.ValidatePodDisruptionBudgetStatusUpdate)))
	add("networking.k8s.io", "ingresses", gen(WithStatus(Typed(networking.DefaultIngress, networking.ValidateIngress, networking.ValidateIngressUpdate), networking.ValidateIngressStatusUpdate)))
	add("networking.k8s.io", "ingressclasses", Typed(networking.DefaultIngressClass, networking.ValidateIngressClass, networking.ValidateIngressClassUpdate))
	add("networking.k8s.io", "networkpolicies", gen(Typed(networking.DefaultNetworkPolicy, networking.ValidateNetworkPolicy, networking.ValidateNetworkPolicyUpdate)))
	add("scheduling.k8s.io", "priorityclasses", Typed(scheduling.DefaultPriorityClass, scheduling.ValidatePriorityClass, scheduling.ValidatePriorityClassUpdate))
	add("storage.k8s.io", "storageclasses", Typed(storage.DefaultStorageClass, storage.ValidateStorageClass, storage.ValidateStorageClassUpdate))
	add("rbac.authorization.k8s.io", "roles", Typed[*rbacv1.Role](nil, rbac.ValidateRole, rbac.ValidateRoleUpdate))
	add("rbac.authorization.k8s.io", "clusterroles", Typed[*rbacv1.ClusterRole](nil, rbac.ValidateClusterRole, rbac.ValidateClusterRoleUpdate))
	add("rbac.authorization.k8s.io", "rolebindings", Typed(rbac.DefaultRoleBinding, rbac.ValidateRoleBinding, rbac.ValidateRoleBindingUpdate))
	add("rbac.authorization.k8s.io", "clusterrolebindings", Typed(rbac.DefaultClusterRoleBinding, rbac.ValidateClusterRoleBinding, rbac.ValidateClusterRoleBindingUpdate))
	add("coordination.k8s.io", "leases", Typed(coordination.DefaultLease, coordination.ValidateLease, coordination.ValidateLeaseUpdate))
	add("discovery.k8s.io", "endpointslices", Typed(discovery.DefaultEndpointSlice, discovery.ValidateEndpointSlice, discovery.ValidateEndpointSliceUpdate))
}

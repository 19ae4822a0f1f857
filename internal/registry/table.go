package registry

import (
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Resources returns the resource table: every resource berth serves, in
// discovery order (the order kubectl prefers groups in). Strategies are
// attached by Strategies; a duplicate entry is a programming error caught by
// NewTable.
func Resources() []*Resource {
	all := []string{"all"}
	sub := func(s ...string) []string { return s }
	table := []*Resource{
		// core/v1
		{Version: "v1", Resource: "namespaces", Kind: "Namespace", ShortNames: []string{"ns"},
			Subresources: sub(SubStatus, SubFinalize), ReturnDeletedObject: true,
			New: newer[corev1.Namespace](), NewList: newer[corev1.NamespaceList](), Fields: namespaceFields},
		{Version: "v1", Resource: "pods", Kind: "Pod", Namespaced: true, ShortNames: []string{"po"}, Categories: all,
			Subresources: sub(SubStatus, SubBinding, SubEviction), ReturnDeletedObject: true,
			New: newer[corev1.Pod](), NewList: newer[corev1.PodList](), Fields: podFields},
		{Version: "v1", Resource: "services", Kind: "Service", Namespaced: true, ShortNames: []string{"svc"}, Categories: all,
			Subresources: sub(SubStatus), ReturnDeletedObject: true,
			New: newer[corev1.Service](), NewList: newer[corev1.ServiceList](), Fields: serviceFields},
		{Version: "v1", Resource: "endpoints", Kind: "Endpoints", Namespaced: true, ShortNames: []string{"ep"}, AllowCreateOnUpdate: true,
			New: newer[corev1.Endpoints](), NewList: newer[corev1.EndpointsList]()},
		{Version: "v1", Resource: "configmaps", Kind: "ConfigMap", Namespaced: true, ShortNames: []string{"cm"},
			New: newer[corev1.ConfigMap](), NewList: newer[corev1.ConfigMapList]()},
		{Version: "v1", Resource: "secrets", Kind: "Secret", Namespaced: true,
			New: newer[corev1.Secret](), NewList: newer[corev1.SecretList](), Fields: secretFields},
		{Version: "v1", Resource: "serviceaccounts", Kind: "ServiceAccount", Namespaced: true, ShortNames: []string{"sa"},
			New: newer[corev1.ServiceAccount](), NewList: newer[corev1.ServiceAccountList]()},
		{Version: "v1", Resource: "nodes", Kind: "Node", ShortNames: []string{"no"},
			Subresources: sub(SubStatus), ReturnDeletedObject: true,
			New: newer[corev1.Node](), NewList: newer[corev1.NodeList](), Fields: nodeFields},
		{Version: "v1", Resource: "events", Kind: "Event", Namespaced: true, ShortNames: []string{"ev"}, AllowCreateOnUpdate: true,
			New: newer[corev1.Event](), NewList: newer[corev1.EventList](), Fields: eventFields},
		{Version: "v1", Resource: "persistentvolumes", Kind: "PersistentVolume", ShortNames: []string{"pv"},
			Subresources: sub(SubStatus), ReturnDeletedObject: true,
			New: newer[corev1.PersistentVolume](), NewList: newer[corev1.PersistentVolumeList]()},
		{Version: "v1", Resource: "persistentvolumeclaims", Kind: "PersistentVolumeClaim", Namespaced: true, ShortNames: []string{"pvc"},
			Subresources: sub(SubStatus), ReturnDeletedObject: true,
			New: newer[corev1.PersistentVolumeClaim](), NewList: newer[corev1.PersistentVolumeClaimList]()},
		{Version: "v1", Resource: "limitranges", Kind: "LimitRange", Namespaced: true, ShortNames: []string{"limits"},
			New: newer[corev1.LimitRange](), NewList: newer[corev1.LimitRangeList]()},
		{Version: "v1", Resource: "resourcequotas", Kind: "ResourceQuota", Namespaced: true, ShortNames: []string{"quota"},
			Subresources: sub(SubStatus), ReturnDeletedObject: true,
			New: newer[corev1.ResourceQuota](), NewList: newer[corev1.ResourceQuotaList]()},
		{Version: "v1", Resource: "replicationcontrollers", Kind: "ReplicationController", Namespaced: true, ShortNames: []string{"rc"}, Categories: all,
			Subresources: sub(SubStatus, SubScale), ReturnDeletedObject: true,
			New: newer[corev1.ReplicationController](), NewList: newer[corev1.ReplicationControllerList](), Fields: rcFields},
		{Version: "v1", Resource: "podtemplates", Kind: "PodTemplate", Namespaced: true,
			New: newer[corev1.PodTemplate](), NewList: newer[corev1.PodTemplateList]()},

		// apps/v1
		{Group: "apps", Version: "v1", Resource: "deployments", Kind: "Deployment", Namespaced: true, ShortNames: []string{"deploy"}, Categories: all,
			Subresources: sub(SubStatus, SubScale), ReturnDeletedObject: true,
			New: newer[appsv1.Deployment](), NewList: newer[appsv1.DeploymentList]()},
		{Group: "apps", Version: "v1", Resource: "replicasets", Kind: "ReplicaSet", Namespaced: true, ShortNames: []string{"rs"}, Categories: all,
			Subresources: sub(SubStatus, SubScale), ReturnDeletedObject: true,
			New: newer[appsv1.ReplicaSet](), NewList: newer[appsv1.ReplicaSetList](), Fields: rsFields},
		{Group: "apps", Version: "v1", Resource: "statefulsets", Kind: "StatefulSet", Namespaced: true, ShortNames: []string{"sts"}, Categories: all,
			Subresources: sub(SubStatus, SubScale), ReturnDeletedObject: true,
			New: newer[appsv1.StatefulSet](), NewList: newer[appsv1.StatefulSetList]()},
		{Group: "apps", Version: "v1", Resource: "daemonsets", Kind: "DaemonSet", Namespaced: true, ShortNames: []string{"ds"}, Categories: all,
			Subresources: sub(SubStatus), ReturnDeletedObject: true,
			New: newer[appsv1.DaemonSet](), NewList: newer[appsv1.DaemonSetList]()},
		{Group: "apps", Version: "v1", Resource: "controllerrevisions", Kind: "ControllerRevision", Namespaced: true,
			New: newer[appsv1.ControllerRevision](), NewList: newer[appsv1.ControllerRevisionList]()},

		// autoscaling/v2
		{Group: "autoscaling", Version: "v2", Resource: "horizontalpodautoscalers", Kind: "HorizontalPodAutoscaler", Namespaced: true, ShortNames: []string{"hpa"}, Categories: all,
			Subresources: sub(SubStatus), ReturnDeletedObject: true,
			New: newer[autoscalingv2.HorizontalPodAutoscaler](), NewList: newer[autoscalingv2.HorizontalPodAutoscalerList]()},

		// batch/v1
		{Group: "batch", Version: "v1", Resource: "jobs", Kind: "Job", Namespaced: true, Categories: all,
			Subresources: sub(SubStatus), ReturnDeletedObject: true,
			New: newer[batchv1.Job](), NewList: newer[batchv1.JobList](), Fields: jobFields},
		{Group: "batch", Version: "v1", Resource: "cronjobs", Kind: "CronJob", Namespaced: true, ShortNames: []string{"cj"}, Categories: all,
			Subresources: sub(SubStatus), ReturnDeletedObject: true,
			New: newer[batchv1.CronJob](), NewList: newer[batchv1.CronJobList]()},

		// networking.k8s.io/v1
		{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses", Kind: "Ingress", Namespaced: true, ShortNames: []string{"ing"},
			Subresources: sub(SubStatus), ReturnDeletedObject: true,
			New: newer[networkingv1.Ingress](), NewList: newer[networkingv1.IngressList]()},
		{Group: "networking.k8s.io", Version: "v1", Resource: "ingressclasses", Kind: "IngressClass",
			New: newer[networkingv1.IngressClass](), NewList: newer[networkingv1.IngressClassList]()},
		{Group: "networking.k8s.io", Version: "v1", Resource: "networkpolicies", Kind: "NetworkPolicy", Namespaced: true, ShortNames: []string{"netpol"},
			New: newer[networkingv1.NetworkPolicy](), NewList: newer[networkingv1.NetworkPolicyList]()},

		// policy/v1
		{Group: "policy", Version: "v1", Resource: "poddisruptionbudgets", Kind: "PodDisruptionBudget", Namespaced: true, ShortNames: []string{"pdb"},
			Subresources: sub(SubStatus), ReturnDeletedObject: true,
			New: newer[policyv1.PodDisruptionBudget](), NewList: newer[policyv1.PodDisruptionBudgetList]()},

		// rbac.authorization.k8s.io/v1
		{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterrolebindings", Kind: "ClusterRoleBinding",
			New: newer[rbacv1.ClusterRoleBinding](), NewList: newer[rbacv1.ClusterRoleBindingList]()},
		{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles", Kind: "ClusterRole",
			New: newer[rbacv1.ClusterRole](), NewList: newer[rbacv1.ClusterRoleList]()},
		{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "rolebindings", Kind: "RoleBinding", Namespaced: true,
			New: newer[rbacv1.RoleBinding](), NewList: newer[rbacv1.RoleBindingList]()},
		{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "roles", Kind: "Role", Namespaced: true,
			New: newer[rbacv1.Role](), NewList: newer[rbacv1.RoleList]()},

		// storage.k8s.io/v1
		{Group: "storage.k8s.io", Version: "v1", Resource: "storageclasses", Kind: "StorageClass", ShortNames: []string{"sc"},
			New: newer[storagev1.StorageClass](), NewList: newer[storagev1.StorageClassList]()},

		// scheduling.k8s.io/v1
		{Group: "scheduling.k8s.io", Version: "v1", Resource: "priorityclasses", Kind: "PriorityClass", ShortNames: []string{"pc"},
			New: newer[schedulingv1.PriorityClass](), NewList: newer[schedulingv1.PriorityClassList]()},

		// coordination.k8s.io/v1
		{Group: "coordination.k8s.io", Version: "v1", Resource: "leases", Kind: "Lease", Namespaced: true, AllowCreateOnUpdate: true,
			New: newer[coordinationv1.Lease](), NewList: newer[coordinationv1.LeaseList]()},

		// discovery.k8s.io/v1
		{Group: "discovery.k8s.io", Version: "v1", Resource: "endpointslices", Kind: "EndpointSlice", Namespaced: true,
			New: newer[discoveryv1.EndpointSlice](), NewList: newer[discoveryv1.EndpointSliceList]()},
	}
	return append(table, convertedVersions()...)
}

// newer returns a constructor for a zero *T.
func newer[T any, PT interface {
	*T
	runtime.Object
}]() func() runtime.Object {
	return func() runtime.Object { return PT(new(T)) }
}

package registry

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Strategies returns the rules of every kind, keyed by group and resource.
// Kinds missing here get ObjectMeta validation only.
func Strategies() map[schema.GroupResource]Strategy {
	gr := func(group, resource string) schema.GroupResource {
		return schema.GroupResource{Group: group, Resource: resource}
	}
	m := map[schema.GroupResource]Strategy{}
	m[gr("", "pods")] = Strategy{PrepareForCreate: preparePod, GracePeriod: podGracePeriod, TrackGeneration: true}
	m[gr("", "namespaces")] = Strategy{PrepareForCreate: prepareNamespace, Finalizing: finalizingNamespace}
	m[gr("", "nodes")] = Strategy{KeepStatusOnCreate: true}
	m[gr("", "persistentvolumes")] = Strategy{PrepareForCreate: preparePV}
	m[gr("", "persistentvolumeclaims")] = Strategy{PrepareForCreate: preparePVC}
	m[gr("", "replicationcontrollers")] = Strategy{TrackGeneration: true}
	for _, r := range []string{"deployments", "replicasets", "statefulsets", "daemonsets"} {
		m[gr("apps", r)] = Strategy{TrackGeneration: true}
	}
	for _, r := range []string{"jobs", "cronjobs"} {
		m[gr("batch", r)] = Strategy{TrackGeneration: true}
	}
	m[gr("autoscaling", "horizontalpodautoscalers")] = Strategy{TrackGeneration: true}
	m[gr("policy", "poddisruptionbudgets")] = Strategy{TrackGeneration: true}
	m[gr("networking.k8s.io", "ingresses")] = Strategy{TrackGeneration: true}
	m[gr("networking.k8s.io", "networkpolicies")] = Strategy{TrackGeneration: true}
	return m
}

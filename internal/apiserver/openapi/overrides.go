package openapi

// The tables below record the +listType, +listMapKey, +structType and
// +mapType markers of k8s.io/api v0.37 and apimachinery that reflection
// cannot see, where they differ from what the patch struct tags imply. They
// were gathered from the marker comments in the types.go files of the stable
// (non-alpha, non-beta) API packages; a field that is absent here gets the
// derived list type (see listTypeFor).

// listOverride is an explicit list type for one field.
type listOverride struct {
	listType string   // atomic, set or map
	keys     []string // the list-map keys when listType is map
}

// listOverrides is keyed by the definition name of the struct that declares
// the field (before inlining), a dot, and the field's json name.
var listOverrides = map[string]listOverride{
	"io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicyStatus.conditions":             {"map", []string{"type"}},
	"io.k8s.api.admissionregistration.v1.ValidatingAdmissionPolicyBindingSpec.validationActions": {"set", nil},
	"io.k8s.api.batch.v1.PodFailurePolicyOnExitCodesRequirement.values":                          {"set", nil},
	"io.k8s.api.batch.v1.JobStatus.conditions":                                                   {"atomic", nil},
	"io.k8s.api.batch.v1.UncountedTerminatedPods.succeeded":                                      {"set", nil},
	"io.k8s.api.batch.v1.UncountedTerminatedPods.failed":                                         {"set", nil},
	"io.k8s.api.certificates.v1.CertificateSigningRequestStatus.conditions":                      {"map", []string{"type"}},
	"io.k8s.api.core.v1.VolumeHealthStatus.healthConditions":                                     {"map", []string{"status", "reason"}},
	"io.k8s.api.core.v1.PodVolumeHealth.healthConditions":                                        {"map", []string{"status", "reason"}},
	"io.k8s.api.core.v1.VolumeMount.bindMountOptions":                                            {"set", nil},
	"io.k8s.api.core.v1.ResourceRequirements.claims":                                             {"map", []string{"name"}},
	"io.k8s.api.core.v1.Container.ports":                                                         {"map", []string{"containerPort", "protocol"}},
	"io.k8s.api.core.v1.EphemeralContainerCommon.ports":                                          {"map", []string{"containerPort", "protocol"}},
	"io.k8s.api.core.v1.ResourceStatus.resources":                                                {"map", []string{"resourceID"}},
	"io.k8s.api.core.v1.ContainerRestartRuleOnExitCodes.values":                                  {"set", nil},
	"io.k8s.api.core.v1.PodSpec.topologySpreadConstraints":                                       {"map", []string{"topologyKey", "whenUnsatisfiable"}},
	"io.k8s.api.core.v1.PodStatus.hostIPs":                                                       {"atomic", nil},
	"io.k8s.api.core.v1.PodStatus.volumeHealth":                                                  {"map", []string{"name"}},
	"io.k8s.api.core.v1.ServiceSpec.ports":                                                       {"map", []string{"port", "protocol"}},
	"io.k8s.api.core.v1.NodePodPreemptionPolicy.disableResizePreemption":                         {"set", nil},
	"io.k8s.api.core.v1.NodeAllocatableResourceClaimStatus.containers":                           {"set", nil},
	"io.k8s.api.discovery.v1.Endpoint.addresses":                                                 {"set", nil},
	"io.k8s.api.flowcontrol.v1.ResourcePolicyRule.verbs":                                         {"set", nil},
	"io.k8s.api.flowcontrol.v1.ResourcePolicyRule.apiGroups":                                     {"set", nil},
	"io.k8s.api.flowcontrol.v1.ResourcePolicyRule.resources":                                     {"set", nil},
	"io.k8s.api.flowcontrol.v1.ResourcePolicyRule.namespaces":                                    {"set", nil},
	"io.k8s.api.flowcontrol.v1.NonResourcePolicyRule.verbs":                                      {"set", nil},
	"io.k8s.api.flowcontrol.v1.NonResourcePolicyRule.nonResourceURLs":                            {"set", nil},
	"io.k8s.api.resource.v1.ResourceSliceSpec.skipNodeOperations":                                {"set", nil},
	"io.k8s.api.resource.v1.ResourceClaimStatus.devices":                                         {"map", []string{"driver", "device", "pool", "shareID"}},
	"io.k8s.api.resource.v1.DeviceRequestAllocationResult.skipNodeOperations":                    {"set", nil},
	"io.k8s.api.resource.v1.AllocatedDeviceStatus.conditions":                                    {"map", []string{"type"}},
	"io.k8s.api.storage.v1.CSIDriverSpec.volumeLifecycleModes":                                   {"set", nil},
}

// atomicStructs are the definitions marked +structType=atomic (or
// +mapType=atomic on the type); they carry x-kubernetes-map-type: atomic.
var atomicStructs = map[string]bool{
	"io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector":          true,
	"io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference":         true,
	"io.k8s.api.admissionregistration.v1.ParamKind":               true,
	"io.k8s.api.admissionregistration.v1.Variable":                true,
	"io.k8s.api.admissionregistration.v1.ParamRef":                true,
	"io.k8s.api.admissionregistration.v1.MatchResources":          true,
	"io.k8s.api.admissionregistration.v1.NamedRuleWithOperations": true,
	"io.k8s.api.autoscaling.v1.CrossVersionObjectReference":       true,
	"io.k8s.api.core.v1.SecretReference":                          true,
	"io.k8s.api.core.v1.FileKeySelector":                          true,
	"io.k8s.api.core.v1.ObjectFieldSelector":                      true,
	"io.k8s.api.core.v1.ResourceFieldSelector":                    true,
	"io.k8s.api.core.v1.ConfigMapKeySelector":                     true,
	"io.k8s.api.core.v1.SecretKeySelector":                        true,
	"io.k8s.api.core.v1.NodeSelector":                             true,
	"io.k8s.api.core.v1.NodeSelectorTerm":                         true,
	"io.k8s.api.core.v1.TopologySelectorTerm":                     true,
	"io.k8s.api.core.v1.EvictionResponder":                        true,
	"io.k8s.api.core.v1.EndpointAddress":                          true,
	"io.k8s.api.core.v1.EndpointPort":                             true,
	"io.k8s.api.core.v1.ObjectReference":                          true,
	"io.k8s.api.core.v1.LocalObjectReference":                     true,
	"io.k8s.api.core.v1.TypedLocalObjectReference":                true,
	"io.k8s.api.core.v1.ScopeSelector":                            true,
	"io.k8s.api.discovery.v1.EndpointPort":                        true,
	"io.k8s.api.networking.v1.ServiceBackendPort":                 true,
	"io.k8s.api.rbac.v1.Subject":                                  true,
	"io.k8s.api.rbac.v1.RoleRef":                                  true,
}

// mapTypes are the map fields with a +mapType marker, keyed like
// listOverrides.
var mapTypes = map[string]string{
	"io.k8s.api.core.v1.PersistentVolumeClaimStatus.allocatedResourceStatuses": "granular",
	"io.k8s.api.core.v1.PodSpec.nodeSelector":                                  "atomic",
	"io.k8s.api.core.v1.ReplicationControllerSpec.selector":                    "atomic",
	"io.k8s.api.core.v1.ServiceSpec.selector":                                  "atomic",
	"io.k8s.api.node.v1.Scheduling.nodeSelector":                               "atomic",
}

// specialDescriptions describe the types that have no SwaggerDoc method.
var specialDescriptions = map[string]string{
	"io.k8s.apimachinery.pkg.api.resource.Quantity":   "Quantity is a fixed-point number with an optional suffix, written as a string such as \"100m\", \"1.5Gi\" or \"2e3\". Binary suffixes are Ki, Mi, Gi, Ti, Pi and Ei; decimal suffixes are m, k, M, G, T, P and E.",
	"io.k8s.apimachinery.pkg.util.intstr.IntOrString": "IntOrString holds either an int32 or a string; in JSON and YAML it is written as whichever of the two it holds.",
	"io.k8s.apimachinery.pkg.apis.meta.v1.Time":       "Time is a timestamp, serialized as an RFC 3339 string with second precision.",
	"io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime":  "MicroTime is a timestamp, serialized as an RFC 3339 string with microsecond precision.",
	"io.k8s.apimachinery.pkg.apis.meta.v1.Duration":   "Duration is a time span, serialized as a Go duration string such as \"1h30m\".",
	"io.k8s.apimachinery.pkg.runtime.RawExtension":    "RawExtension holds an embedded object whose schema is not known here; on the wire it is the object's JSON.",
	"io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1":   "FieldsV1 is a set of fields, encoded as a JSON trie whose keys name fields (f:<name>), list items by value (v:<value>), index (i:<index>) or keys (k:<keys>), and '.' for the field itself.",
	"io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent": "WatchEvent is one event of a watch stream: its type (ADDED, MODIFIED, DELETED, BOOKMARK or ERROR) and the object it concerns.",
	"io.k8s.apimachinery.pkg.apis.meta.v1.Patch":      "Patch is the body of a PATCH request; its format is given by the request's content type.",
}

// requiredPointers are the pointer fields without omitempty that upstream
// lists as required; other pointer fields are optional.
var requiredPointers = map[string]bool{
	"io.k8s.api.apps.v1.DaemonSetSpec.selector":                         true,
	"io.k8s.api.apps.v1.DeploymentSpec.selector":                        true,
	"io.k8s.api.apps.v1.ReplicaSetSpec.selector":                        true,
	"io.k8s.api.apps.v1.StatefulSetSpec.selector":                       true,
	"io.k8s.api.admissionregistration.v1.MutatingWebhook.sideEffects":   true,
	"io.k8s.api.admissionregistration.v1.ValidatingWebhook.sideEffects": true,
	"io.k8s.api.core.v1.ScaleIOVolumeSource.secretRef":                  true,
	"io.k8s.api.core.v1.ScaleIOPersistentVolumeSource.secretRef":        true,
}

package resourcequota

import (
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// evaluator measures the usage of one kind of object.
type evaluator struct {
	resource schema.GroupResource
	// matches reports whether the evaluator measures the quota resource
	// name.
	matches func(corev1.ResourceName) bool
	// usage is what obj is charged at time now.
	usage func(obj runtime.Object, now time.Time) corev1.ResourceList
	// scope reports whether obj is in the scope sel describes; nil means
	// objects of this kind are in no scope, so a scoped quota charges
	// them nothing.
	scope func(sel corev1.ScopedResourceSelectorRequirement, obj runtime.Object) (bool, error)
}

var (
	servicesResource = schema.GroupResource{Resource: "services"}
	pvcsResource     = schema.GroupResource{Resource: "persistentvolumeclaims"}
)

// builtins are the evaluators that know more than counting, and the core
// kinds whose counts also have a legacy name ("configmaps" as well as
// "count/configmaps").
func builtins() []evaluator {
	return []evaluator{
		podEvaluator(),
		serviceEvaluator(),
		pvcEvaluator(),
		countEvaluator(schema.GroupResource{Resource: "configmaps"}, corev1.ResourceConfigMaps),
		countEvaluator(schema.GroupResource{Resource: "secrets"}, corev1.ResourceSecrets),
		countEvaluator(schema.GroupResource{Resource: "replicationcontrollers"}, corev1.ResourceReplicationControllers),
		countEvaluator(schema.GroupResource{Resource: "resourcequotas"}, corev1.ResourceQuotas),
	}
}

// ignored are resources quota never counts, as upstream: events come and
// go on their own, and virtual resources are not stored.
var ignored = map[schema.GroupResource]bool{
	{Resource: "events"}:                         true,
	{Group: "events.k8s.io", Resource: "events"}: true,
	{Resource: "bindings"}:                       true,
	{Resource: "componentstatuses"}:              true,
}

// evaluatorsFor returns the evaluators measuring the resources in names:
// the builtins plus a counting evaluator for every other "count/..." name.
func evaluatorsFor(names []corev1.ResourceName) []evaluator {
	evs := builtins()
	known := map[schema.GroupResource]bool{}
	for _, e := range evs {
		known[e.resource] = true
	}
	for _, n := range names {
		gr, ok := parseCountName(n)
		if !ok || known[gr] || ignored[gr] {
			continue
		}
		known[gr] = true
		evs = append(evs, countEvaluator(gr, ""))
	}
	return evs
}

// countEvaluator counts objects of gr under "count/..." and, if set, the
// legacy name alias.
func countEvaluator(gr schema.GroupResource, alias corev1.ResourceName) evaluator {
	name := countName(gr)
	return evaluator{
		resource: gr,
		matches:  func(n corev1.ResourceName) bool { return n == name || (alias != "" && n == alias) },
		usage: func(runtime.Object, time.Time) corev1.ResourceList {
			out := corev1.ResourceList{name: one()}
			if alias != "" {
				out[alias] = one()
			}
			return out
		},
	}
}

func serviceEvaluator() evaluator {
	names := map[corev1.ResourceName]bool{countName(servicesResource): true, corev1.ResourceServices: true,
		corev1.ResourceServicesLoadBalancers: true, corev1.ResourceServicesNodePorts: true}
	return evaluator{
		resource: servicesResource,
		matches:  func(n corev1.ResourceName) bool { return names[n] },
		usage:    func(obj runtime.Object, _ time.Time) corev1.ResourceList { return serviceUsage(obj.(*corev1.Service)) },
	}
}

// serviceUsage charges a service one service, a load balancer if it is
// one, and a node port per port for NodePort and LoadBalancer services (a
// load balancer that allocates no node ports: only its ports with an
// explicit nodePort).
func serviceUsage(svc *corev1.Service) corev1.ResourceList {
	out := corev1.ResourceList{
		countName(servicesResource):          one(),
		corev1.ResourceServices:              one(),
		corev1.ResourceServicesLoadBalancers: zero(),
		corev1.ResourceServicesNodePorts:     zero(),
	}
	ports := int64(len(svc.Spec.Ports))
	switch svc.Spec.Type {
	case corev1.ServiceTypeNodePort:
		out[corev1.ResourceServicesNodePorts] = *resource.NewQuantity(ports, resource.DecimalSI)
	case corev1.ServiceTypeLoadBalancer:
		if a := svc.Spec.AllocateLoadBalancerNodePorts; a != nil && !*a {
			ports = 0
			for _, p := range svc.Spec.Ports {
				if p.NodePort != 0 {
					ports++
				}
			}
		}
		out[corev1.ResourceServicesNodePorts] = *resource.NewQuantity(ports, resource.DecimalSI)
		out[corev1.ResourceServicesLoadBalancers] = one()
	}
	return out
}

func pvcEvaluator() evaluator {
	return evaluator{
		resource: pvcsResource,
		matches: func(n corev1.ResourceName) bool {
			switch n {
			case countName(pvcsResource), corev1.ResourcePersistentVolumeClaims, corev1.ResourceRequestsStorage:
				return true
			}
			return strings.HasSuffix(string(n), storageClassSuffix+string(corev1.ResourcePersistentVolumeClaims)) ||
				strings.HasSuffix(string(n), storageClassSuffix+string(corev1.ResourceRequestsStorage))
		},
		usage: func(obj runtime.Object, _ time.Time) corev1.ResourceList {
			return pvcUsage(obj.(*corev1.PersistentVolumeClaim))
		},
		scope: pvcInScope,
	}
}

// pvcUsage charges a claim one claim and its storage request (the larger
// of the request and the capacity already allocated by an expansion),
// also under its storage class's names.
func pvcUsage(pvc *corev1.PersistentVolumeClaim) corev1.ResourceList {
	out := corev1.ResourceList{countName(pvcsResource): one(), corev1.ResourcePersistentVolumeClaims: one()}
	class := pvcClass(pvc)
	if class != "" {
		out[corev1.ResourceName(class+storageClassSuffix+string(corev1.ResourcePersistentVolumeClaims))] = one()
	}
	req, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	if !ok {
		return out
	}
	if alloc, ok := pvc.Status.AllocatedResources[corev1.ResourceStorage]; ok && alloc.Cmp(req) > 0 {
		req = alloc
	}
	req = req.DeepCopy()
	req.RoundUp(0) // whole bytes, as quota validation requires
	out[corev1.ResourceRequestsStorage] = req
	if class != "" {
		out[corev1.ResourceName(class+storageClassSuffix+string(corev1.ResourceRequestsStorage))] = req
	}
	return out
}

// pvcClass is the claim's storage class, from the field or the beta
// annotation that preceded it.
func pvcClass(pvc *corev1.PersistentVolumeClaim) string {
	if c, ok := pvc.Annotations[corev1.BetaStorageClassAnnotation]; ok {
		return c
	}
	if pvc.Spec.StorageClassName != nil {
		return *pvc.Spec.StorageClassName
	}
	return ""
}

// pvcInScope matches the VolumeAttributesClass scope against every class
// the claim refers to (spec, current, and the target of a modification).
func pvcInScope(sel corev1.ScopedResourceSelectorRequirement, obj runtime.Object) (bool, error) {
	if sel.ScopeName != corev1.ResourceQuotaScopeVolumeAttributesClass {
		return false, nil
	}
	classes := pvcAttributeClasses(obj.(*corev1.PersistentVolumeClaim))
	if sel.Operator == corev1.ScopeSelectorOpExists {
		return len(classes) > 0, nil
	}
	if len(classes) == 0 {
		return selectorMatches(sel, labels.Set{})
	}
	for _, c := range classes {
		ok, err := selectorMatches(sel, labels.Set{string(corev1.ResourceQuotaScopeVolumeAttributesClass): c})
		if ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

func pvcAttributeClasses(pvc *corev1.PersistentVolumeClaim) []string {
	var out []string
	addName := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if pvc.Spec.VolumeAttributesClassName != nil {
		addName(*pvc.Spec.VolumeAttributesClassName)
	}
	if pvc.Status.CurrentVolumeAttributesClassName != nil {
		addName(*pvc.Status.CurrentVolumeAttributesClassName)
	}
	if m := pvc.Status.ModifyVolumeStatus; m != nil {
		addName(m.TargetVolumeAttributesClassName)
	}
	return out
}

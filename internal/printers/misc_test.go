package printers

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
)

type rowCase struct {
	name string
	gk   schema.GroupKind
	obj  runtime.Object
	want []interface{}
}

func runRows(t *testing.T, tests []rowCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, rowOfKind(t, tt.gk, tt.obj)); diff != "" {
				t.Errorf("row (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNetworkingRows(t *testing.T) {
	rules := func(hosts ...string) []networkingv1.IngressRule {
		var r []networkingv1.IngressRule
		for _, h := range hosts {
			r = append(r, networkingv1.IngressRule{Host: h})
		}
		return r
	}
	ing := &networkingv1.Ingress{ObjectMeta: objMeta("web")}
	ing.Spec.IngressClassName = ptr("nginx")
	ing.Spec.Rules = rules("a.example.com", "", "b.example.com", "c.example.com", "d.example.com")
	ing.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{"a.example.com"}}}
	ing.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{Hostname: "lb.example.com"}, {IP: "203.0.113.5"}}

	plain := &networkingv1.Ingress{ObjectMeta: objMeta("plain")}
	plain.Spec.Rules = rules("", "")

	ic := &networkingv1.IngressClass{ObjectMeta: objMeta("nginx")}
	ic.Spec.Controller = "k8s.io/ingress-nginx"
	ic.Spec.Parameters = &networkingv1.IngressClassParametersReference{APIGroup: ptr("k8s.example.com"), Kind: "IngressParameters", Name: "external-lb"}

	np := &networkingv1.NetworkPolicy{ObjectMeta: objMeta("deny")}
	np.Spec.PodSelector.MatchLabels = map[string]string{"role": "db"}

	es := &discoveryv1.EndpointSlice{ObjectMeta: objMeta("web-abc"), AddressType: discoveryv1.AddressTypeIPv4}
	es.Ports = []discoveryv1.EndpointPort{{Port: ptr(int32(80))}, {Name: ptr("metrics")}, {}, {Port: ptr(int32(443))}}
	es.Endpoints = []discoveryv1.Endpoint{{Addresses: []string{"10.0.0.1", "10.0.0.2"}}, {Addresses: []string{"10.0.0.3"}}}

	net := func(kind string) schema.GroupKind { return schema.GroupKind{Group: "networking.k8s.io", Kind: kind} }
	slice := schema.GroupKind{Group: "discovery.k8s.io", Kind: "EndpointSlice"}
	runRows(t, []rowCase{
		{"ingress", net("Ingress"), ing, []interface{}{"web", "nginx", "a.example.com,b.example.com,c.example.com + 2 more...", "203.0.113.5,lb.example.com", "80, 443", "10m"}},
		{"ingress without hosts", net("Ingress"), plain, []interface{}{"plain", "<none>", "*", "", "80", "10m"}},
		{"ingress class", net("IngressClass"), ic, []interface{}{"nginx", "k8s.io/ingress-nginx", "IngressParameters.k8s.example.com/external-lb", "10m"}},
		{"ingress class without parameters", net("IngressClass"), &networkingv1.IngressClass{ObjectMeta: objMeta("x")}, []interface{}{"x", "", "<none>", "10m"}},
		{"network policy", net("NetworkPolicy"), np, []interface{}{"deny", "role=db", "10m"}},
		{"network policy for all pods", net("NetworkPolicy"), &networkingv1.NetworkPolicy{ObjectMeta: objMeta("all")}, []interface{}{"all", "<none>", "10m"}},
		{"endpoint slice", slice, es, []interface{}{"web-abc", "IPv4", "80,metrics,* + 1 more...", "10.0.0.1,10.0.0.2,10.0.0.3", "10m"}},
		{"empty endpoint slice", slice, &discoveryv1.EndpointSlice{ObjectMeta: objMeta("e")}, []interface{}{"e", "", "<unset>", "<unset>", "10m"}},
	})
}

func TestStorageRows(t *testing.T) {
	block := corev1.PersistentVolumeBlock
	pv := &corev1.PersistentVolume{ObjectMeta: objMeta("pv1")}
	pv.Spec.Capacity = corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}
	pv.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany, corev1.ReadWriteOnce, corev1.ReadWriteOnce}
	pv.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
	pv.Spec.ClaimRef = &corev1.ObjectReference{Namespace: "default", Name: "data"}
	pv.Spec.StorageClassName = "fast"
	pv.Spec.VolumeMode = &block
	pv.Status.Phase = corev1.VolumeBound

	deleted := pv.DeepCopy()
	deleted.DeletionTimestamp = ptr(ago(time.Second))
	deleted.Annotations = map[string]string{"volume.beta.kubernetes.io/storage-class": "legacy"}
	deleted.Spec.VolumeAttributesClassName = ptr("gold")
	deleted.Status.Reason = "Busy"

	bound := &corev1.PersistentVolumeClaim{ObjectMeta: objMeta("data")}
	bound.Spec.VolumeName = "pv1"
	bound.Spec.StorageClassName = ptr("fast")
	bound.Spec.Resources.Requests = corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("5Gi")}
	bound.Status.Phase = corev1.ClaimBound
	bound.Status.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadOnlyMany, corev1.ReadWriteOncePod}
	bound.Status.Capacity = corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}

	pending := bound.DeepCopy()
	pending.Spec.VolumeName = ""
	pending.Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}

	sc := &storagev1.StorageClass{ObjectMeta: objMeta("standard"), Provisioner: "rancher.io/local-path"}
	sc.Annotations = map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}
	retain, wait := corev1.PersistentVolumeReclaimRetain, storagev1.VolumeBindingWaitForFirstConsumer
	custom := &storagev1.StorageClass{ObjectMeta: objMeta("custom"), Provisioner: "csi.example.com",
		ReclaimPolicy: &retain, VolumeBindingMode: &wait, AllowVolumeExpansion: ptr(true)}

	runRows(t, []rowCase{
		{"bound volume", coreKind("PersistentVolume"), pv,
			[]interface{}{"pv1", "10Gi", "RWO,RWX", "Retain", "Bound", "default/data", "fast", "<unset>", "", "10m", "Block"}},
		{"volume being deleted", coreKind("PersistentVolume"), deleted,
			[]interface{}{"pv1", "10Gi", "RWO,RWX", "Retain", "Terminating", "default/data", "legacy", "gold", "Busy", "10m", "Block"}},
		{"bound claim", coreKind("PersistentVolumeClaim"), bound,
			[]interface{}{"data", "Bound", "pv1", "10Gi", "ROX,RWOP", "fast", "<unset>", "10m", "<unset>"}},
		{"pending claim", coreKind("PersistentVolumeClaim"), pending,
			[]interface{}{"data", "Pending", "", "", "", "fast", "<unset>", "10m", "<unset>"}},
		{"default storage class", schema.GroupKind{Group: "storage.k8s.io", Kind: "StorageClass"}, sc,
			[]interface{}{"standard (default)", "rancher.io/local-path", "Delete", "Immediate", false, "10m"}},
		{"storage class with policies", schema.GroupKind{Group: "storage.k8s.io", Kind: "StorageClass"}, custom,
			[]interface{}{"custom", "csi.example.com", "Retain", "WaitForFirstConsumer", true, "10m"}},
	})
}

func TestPolicyRows(t *testing.T) {
	never := corev1.PreemptNever
	pdb := &policyv1.PodDisruptionBudget{ObjectMeta: objMeta("web")}
	pdb.Spec.MinAvailable = ptr(intstr.FromString("50%"))
	pdb.Status.DisruptionsAllowed = 1
	pdbMax := &policyv1.PodDisruptionBudget{ObjectMeta: objMeta("db")}
	pdbMax.Spec.MaxUnavailable = ptr(intstr.FromInt32(1))

	runRows(t, []rowCase{
		{"lease", schema.GroupKind{Group: "coordination.k8s.io", Kind: "Lease"},
			&coordinationv1.Lease{ObjectMeta: objMeta("kube-scheduler"), Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr("cp-1_abc")}},
			[]interface{}{"kube-scheduler", "cp-1_abc", "10m"}},
		{"priority class", schema.GroupKind{Group: "scheduling.k8s.io", Kind: "PriorityClass"},
			&schedulingv1.PriorityClass{ObjectMeta: objMeta("high"), Value: 1000000, GlobalDefault: true, PreemptionPolicy: &never},
			[]interface{}{"high", int64(1000000), true, "10m", "Never"}},
		{"pdb min available", schema.GroupKind{Group: "policy", Kind: "PodDisruptionBudget"}, pdb,
			[]interface{}{"web", "50%", "N/A", int64(1), "10m"}},
		{"pdb max unavailable", schema.GroupKind{Group: "policy", Kind: "PodDisruptionBudget"}, pdbMax,
			[]interface{}{"db", "N/A", "1", int64(0), "10m"}},
	})
}

func TestHPATargets(t *testing.T) {
	q := func(s string) *resource.Quantity { v := resource.MustParse(s); return &v }
	cpu := func(util *int32) autoscalingv2.MetricSpec {
		return autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
			Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: util}}}
	}
	cpuNow := autoscalingv2.MetricStatus{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{
		Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptr(int32(42)), AverageValue: q("120m")}}}
	memory := autoscalingv2.MetricSpec{Type: autoscalingv2.ContainerResourceMetricSourceType, ContainerResource: &autoscalingv2.ContainerResourceMetricSource{
		Name: corev1.ResourceMemory, Container: "app", Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: q("512Mi")}}}
	pods := autoscalingv2.MetricSpec{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
		Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: q("1k")}}}
	podsNow := autoscalingv2.MetricStatus{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricStatus{
		Current: autoscalingv2.MetricValueStatus{AverageValue: q("800")}}}
	object := autoscalingv2.MetricSpec{Type: autoscalingv2.ObjectMetricSourceType, Object: &autoscalingv2.ObjectMetricSource{
		Target: autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: q("10")}}}
	external := autoscalingv2.MetricSpec{Type: autoscalingv2.ExternalMetricSourceType, External: &autoscalingv2.ExternalMetricSource{
		Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: q("30")}}}

	tests := []struct {
		name     string
		specs    []autoscalingv2.MetricSpec
		statuses []autoscalingv2.MetricStatus
		want     string
	}{
		{"none", nil, nil, "<none>"},
		{"cpu, no status yet", []autoscalingv2.MetricSpec{cpu(ptr(int32(80)))}, nil, "cpu: <unknown>/80%"},
		{"cpu", []autoscalingv2.MetricSpec{cpu(ptr(int32(80)))}, []autoscalingv2.MetricStatus{cpuNow}, "cpu: 42%/80%"},
		{"cpu without target utilization", []autoscalingv2.MetricSpec{cpu(nil)}, nil, "cpu: <unknown>/<auto>"},
		{"container memory", []autoscalingv2.MetricSpec{memory}, nil, "memory: <unknown>/512Mi"},
		{"pods", []autoscalingv2.MetricSpec{pods}, []autoscalingv2.MetricStatus{{}, podsNow}, "<unknown>/1k"},
		{"object", []autoscalingv2.MetricSpec{object}, nil, "<unknown>/10"},
		{"external average", []autoscalingv2.MetricSpec{external}, nil, "<unknown>/30 (avg)"},
		{"more than two", []autoscalingv2.MetricSpec{cpu(ptr(int32(80))), pods, object, external}, []autoscalingv2.MetricStatus{cpuNow, podsNow},
			"cpu: 42%/80%, 800/1k + 2 more..."},
		{"unknown type", []autoscalingv2.MetricSpec{{Type: "Custom"}}, nil, "<unknown type>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: objMeta("web")}
			h.Spec.ScaleTargetRef = autoscalingv2.CrossVersionObjectReference{Kind: "Deployment", Name: "web", APIVersion: "apps/v1"}
			h.Spec.MinReplicas = ptr(int32(2))
			h.Spec.MaxReplicas = 10
			h.Spec.Metrics = tt.specs
			h.Status.CurrentMetrics = tt.statuses
			h.Status.CurrentReplicas = 3
			want := []interface{}{"web", "Deployment/web", tt.want, "2", int64(10), int64(3), "10m"}
			got := rowOfKind(t, schema.GroupKind{Group: "autoscaling", Kind: "HorizontalPodAutoscaler"}, h)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("row (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBindingRows(t *testing.T) {
	subjects := []rbacv1.Subject{
		{Kind: rbacv1.UserKind, Name: "alice"},
		{Kind: rbacv1.UserKind, Name: "bob"},
		{Kind: rbacv1.GroupKind, Name: "system:masters"},
		{Kind: rbacv1.ServiceAccountKind, Namespace: "kube-system", Name: "default"},
		{Kind: "Robot", Name: "r2"},
	}
	rbac := func(kind string) schema.GroupKind {
		return schema.GroupKind{Group: "rbac.authorization.k8s.io", Kind: kind}
	}
	runRows(t, []rowCase{
		{"role binding", rbac("RoleBinding"),
			&rbacv1.RoleBinding{ObjectMeta: objMeta("rb"), RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "reader"}, Subjects: subjects},
			[]interface{}{"rb", "Role/reader", "10m", "alice, bob", "system:masters", "kube-system/default"}},
		{"cluster role binding", rbac("ClusterRoleBinding"),
			&rbacv1.ClusterRoleBinding{ObjectMeta: objMeta("crb"), RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "admin"}},
			[]interface{}{"crb", "ClusterRole/admin", "10m", "", "", ""}},
	})
}

package resourcequota

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// podB builds pods for tests.
type podB struct{ p *corev1.Pod }

func newPod(name string) *podB {
	return &podB{p: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}}}
}

// container adds an app container with "cpu=100m,memory=1Gi"-style
// requests and limits given as name/quantity pairs.
func (b *podB) container(req, lim map[string]string) *podB {
	b.p.Spec.Containers = append(b.p.Spec.Containers, corev1.Container{Name: "c", Resources: reqs(req, lim)})
	return b
}

func (b *podB) init(req, lim map[string]string, sidecar bool) *podB {
	c := corev1.Container{Name: "i", Resources: reqs(req, lim)}
	if sidecar {
		c.RestartPolicy = ptr.To(corev1.ContainerRestartPolicyAlways)
	}
	b.p.Spec.InitContainers = append(b.p.Spec.InitContainers, c)
	return b
}

func (b *podB) overhead(l map[string]string) *podB { b.p.Spec.Overhead = list(l); return b }
func (b *podB) phase(p corev1.PodPhase) *podB      { b.p.Status.Phase = p; return b }
func (b *podB) deadline(s int64) *podB             { b.p.Spec.ActiveDeadlineSeconds = &s; return b }
func (b *podB) priority(c string) *podB            { b.p.Spec.PriorityClassName = c; return b }
func (b *podB) deleted(at time.Time, grace int64) *podB {
	b.p.DeletionTimestamp = &metav1.Time{Time: at}
	b.p.DeletionGracePeriodSeconds = &grace
	return b
}
func (b *podB) obj() *corev1.Pod { return b.p }

func list(m map[string]string) corev1.ResourceList {
	if m == nil {
		return nil
	}
	out := corev1.ResourceList{}
	for k, v := range m {
		out[corev1.ResourceName(k)] = resource.MustParse(v)
	}
	return out
}

func reqs(req, lim map[string]string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{Requests: list(req), Limits: list(lim)}
}

// render shows a resource list as name → canonical quantity, the form the
// API returns.
func render(l corev1.ResourceList) map[string]string {
	out := map[string]string{}
	for k, v := range l {
		out[string(k)] = v.String()
	}
	return out
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestPodUsage(t *testing.T) {
	for _, tc := range []struct {
		name string
		pod  *corev1.Pod
		want map[string]string
	}{
		{
			name: "best effort pod counts only as a pod",
			pod:  newPod("p").container(nil, nil).obj(),
			want: map[string]string{"count/pods": "1", "pods": "1"},
		},
		{
			name: "app containers sum; bare cpu and memory alias the requests",
			pod: newPod("p").container(map[string]string{"cpu": "100m", "memory": "64Mi"}, map[string]string{"cpu": "200m", "memory": "128Mi"}).
				container(map[string]string{"cpu": "250m", "memory": "64Mi"}, map[string]string{"cpu": "1", "memory": "128Mi"}).obj(),
			want: map[string]string{"count/pods": "1", "pods": "1",
				"cpu": "350m", "requests.cpu": "350m", "memory": "128Mi", "requests.memory": "128Mi",
				"limits.cpu": "1200m", "limits.memory": "256Mi"},
		},
		{
			name: "a larger init container sets the request",
			pod: newPod("p").init(map[string]string{"cpu": "2"}, nil, false).
				container(map[string]string{"cpu": "500m"}, nil).container(map[string]string{"cpu": "500m"}, nil).obj(),
			want: map[string]string{"count/pods": "1", "pods": "1", "cpu": "2", "requests.cpu": "2"},
		},
		{
			name: "a smaller init container does not",
			pod: newPod("p").init(map[string]string{"cpu": "300m"}, nil, false).
				container(map[string]string{"cpu": "500m"}, nil).container(map[string]string{"cpu": "500m"}, nil).obj(),
			want: map[string]string{"count/pods": "1", "pods": "1", "cpu": "1", "requests.cpu": "1"},
		},
		{
			name: "sidecars add to the app containers and to later init containers",
			// sidecar 200m runs throughout: apps 500m+200m = 700m;
			// the init container after it needs 600m+200m = 800m.
			pod: newPod("p").init(map[string]string{"cpu": "200m"}, nil, true).
				init(map[string]string{"cpu": "600m"}, nil, false).
				container(map[string]string{"cpu": "500m"}, nil).obj(),
			want: map[string]string{"count/pods": "1", "pods": "1", "cpu": "800m", "requests.cpu": "800m"},
		},
		{
			name: "overhead is added",
			pod: newPod("p").container(map[string]string{"cpu": "100m", "memory": "10Mi"}, nil).
				overhead(map[string]string{"cpu": "50m", "memory": "5Mi"}).obj(),
			want: map[string]string{"count/pods": "1", "pods": "1", "cpu": "150m", "requests.cpu": "150m",
				"memory": "15Mi", "requests.memory": "15Mi"},
		},
		{
			name: "ephemeral storage, hugepages and extended resources",
			pod: newPod("p").container(map[string]string{"ephemeral-storage": "1Gi", "hugepages-2Mi": "4Mi", "nvidia.com/gpu": "2"},
				map[string]string{"ephemeral-storage": "2Gi", "hugepages-2Mi": "4Mi", "nvidia.com/gpu": "2"}).obj(),
			want: map[string]string{"count/pods": "1", "pods": "1",
				"ephemeral-storage": "1Gi", "requests.ephemeral-storage": "1Gi", "limits.ephemeral-storage": "2Gi",
				"hugepages-2Mi": "4Mi", "requests.hugepages-2Mi": "4Mi", "requests.nvidia.com/gpu": "2"},
		},
		{
			name: "succeeded pod is only an object",
			pod:  newPod("p").container(map[string]string{"cpu": "1"}, nil).phase(corev1.PodSucceeded).obj(),
			want: map[string]string{"count/pods": "1"},
		},
		{
			name: "failed pod is only an object",
			pod:  newPod("p").container(map[string]string{"cpu": "1"}, nil).phase(corev1.PodFailed).obj(),
			want: map[string]string{"count/pods": "1"},
		},
		{
			name: "deleted pod within its grace period is charged",
			pod:  newPod("p").container(map[string]string{"cpu": "1"}, nil).deleted(t0, 30).obj(),
			want: map[string]string{"count/pods": "1", "pods": "1", "cpu": "1", "requests.cpu": "1"},
		},
		{
			name: "deleted pod past its grace period is not",
			pod:  newPod("p").container(map[string]string{"cpu": "1"}, nil).deleted(t0.Add(-time.Minute), 30).obj(),
			want: map[string]string{"count/pods": "1"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, render(podUsage(tc.pod, t0))); diff != "" {
				t.Errorf("usage (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPodScopes(t *testing.T) {
	exists := func(s corev1.ResourceQuotaScope) corev1.ScopedResourceSelectorRequirement {
		return corev1.ScopedResourceSelectorRequirement{ScopeName: s, Operator: corev1.ScopeSelectorOpExists}
	}
	prio := func(op corev1.ScopeSelectorOperator, v ...string) corev1.ScopedResourceSelectorRequirement {
		return corev1.ScopedResourceSelectorRequirement{ScopeName: corev1.ResourceQuotaScopePriorityClass, Operator: op, Values: v}
	}
	bestEffort := newPod("be").container(nil, nil).obj()
	burstable := newPod("b").container(map[string]string{"memory": "1Mi"}, nil).obj()
	zeroReq := newPod("z").container(map[string]string{"cpu": "0"}, nil).obj()
	gpuOnly := newPod("g").container(map[string]string{"nvidia.com/gpu": "1"}, nil).obj()
	initOnly := newPod("i").init(map[string]string{"cpu": "1"}, nil, false).container(nil, nil).obj()
	withDeadline := newPod("d").deadline(60).obj()
	high := newPod("h").priority("high").obj()
	affinity := newPod("a").obj()
	affinity.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{TopologyKey: "k", Namespaces: []string{"other"}}}}}
	for _, tc := range []struct {
		name string
		sel  corev1.ScopedResourceSelectorRequirement
		pod  *corev1.Pod
		want bool
	}{
		{"BestEffort matches a pod without requests", exists(corev1.ResourceQuotaScopeBestEffort), bestEffort, true},
		{"BestEffort does not match a memory request", exists(corev1.ResourceQuotaScopeBestEffort), burstable, false},
		{"zero requests are still best effort", exists(corev1.ResourceQuotaScopeBestEffort), zeroReq, true},
		{"extended resources do not change QoS", exists(corev1.ResourceQuotaScopeBestEffort), gpuOnly, true},
		{"init container requests count for QoS", exists(corev1.ResourceQuotaScopeNotBestEffort), initOnly, true},
		{"NotBestEffort matches a memory request", exists(corev1.ResourceQuotaScopeNotBestEffort), burstable, true},
		{"Terminating needs an active deadline", exists(corev1.ResourceQuotaScopeTerminating), withDeadline, true},
		{"Terminating: no deadline", exists(corev1.ResourceQuotaScopeTerminating), bestEffort, false},
		{"NotTerminating: no deadline", exists(corev1.ResourceQuotaScopeNotTerminating), bestEffort, true},
		{"PriorityClass Exists", exists(corev1.ResourceQuotaScopePriorityClass), high, true},
		{"PriorityClass Exists without class", exists(corev1.ResourceQuotaScopePriorityClass), bestEffort, false},
		{"PriorityClass In", prio(corev1.ScopeSelectorOpIn, "high", "mid"), high, true},
		{"PriorityClass In, other class", prio(corev1.ScopeSelectorOpIn, "low"), high, false},
		{"PriorityClass NotIn, no class", prio(corev1.ScopeSelectorOpNotIn, "low"), bestEffort, true},
		{"PriorityClass DoesNotExist, no class", prio(corev1.ScopeSelectorOpDoesNotExist), bestEffort, true},
		{"CrossNamespacePodAffinity", exists(corev1.ResourceQuotaScopeCrossNamespacePodAffinity), affinity, true},
		{"CrossNamespacePodAffinity, none", exists(corev1.ResourceQuotaScopeCrossNamespacePodAffinity), high, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := podInScope(tc.sel, tc.pod)
			if err != nil || got != tc.want {
				t.Errorf("podInScope = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestServiceUsage(t *testing.T) {
	ports := func(n ...int32) []corev1.ServicePort {
		var out []corev1.ServicePort
		for i, np := range n {
			out = append(out, corev1.ServicePort{Port: int32(80 + i), NodePort: np})
		}
		return out
	}
	for _, tc := range []struct {
		name string
		spec corev1.ServiceSpec
		lb   string
		np   string
	}{
		{"ClusterIP", corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, Ports: ports(0, 0)}, "0", "0"},
		{"NodePort counts every port", corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Ports: ports(0, 0)}, "0", "2"},
		{"LoadBalancer", corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Ports: ports(0, 0, 0)}, "1", "3"},
		{"LoadBalancer without node ports counts explicit ones", corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer,
			AllocateLoadBalancerNodePorts: ptr.To(false), Ports: ports(30001, 0)}, "1", "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := render(serviceUsage(&corev1.Service{Spec: tc.spec}))
			want := map[string]string{"count/services": "1", "services": "1", "services.loadbalancers": tc.lb, "services.nodeports": tc.np}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("usage (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPVCUsage(t *testing.T) {
	claim := func(class *string, ann, req, alloc string) *corev1.PersistentVolumeClaim {
		c := &corev1.PersistentVolumeClaim{Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: class,
			Resources: corev1.VolumeResourceRequirements{Requests: list(map[string]string{"storage": req})}}}
		if ann != "" {
			c.Annotations = map[string]string{corev1.BetaStorageClassAnnotation: ann}
		}
		if alloc != "" {
			c.Status.AllocatedResources = list(map[string]string{"storage": alloc})
		}
		return c
	}
	for _, tc := range []struct {
		name string
		pvc  *corev1.PersistentVolumeClaim
		want map[string]string
	}{
		{"no class", claim(nil, "", "1Gi", ""), map[string]string{"count/persistentvolumeclaims": "1",
			"persistentvolumeclaims": "1", "requests.storage": "1Gi"}},
		{"class", claim(ptr.To("gold"), "", "1Gi", ""), map[string]string{"count/persistentvolumeclaims": "1",
			"persistentvolumeclaims": "1", "requests.storage": "1Gi",
			"gold.storageclass.storage.k8s.io/persistentvolumeclaims": "1", "gold.storageclass.storage.k8s.io/requests.storage": "1Gi"}},
		{"beta annotation wins", claim(ptr.To("gold"), "silver", "1Gi", ""), map[string]string{"count/persistentvolumeclaims": "1",
			"persistentvolumeclaims": "1", "requests.storage": "1Gi",
			"silver.storageclass.storage.k8s.io/persistentvolumeclaims": "1", "silver.storageclass.storage.k8s.io/requests.storage": "1Gi"}},
		{"larger allocation counts", claim(nil, "", "1Gi", "2Gi"), map[string]string{"count/persistentvolumeclaims": "1",
			"persistentvolumeclaims": "1", "requests.storage": "2Gi"}},
		{"smaller allocation does not", claim(nil, "", "2Gi", "1Gi"), map[string]string{"count/persistentvolumeclaims": "1",
			"persistentvolumeclaims": "1", "requests.storage": "2Gi"}},
		{"fractional bytes round up", claim(nil, "", "1500m", ""), map[string]string{"count/persistentvolumeclaims": "1",
			"persistentvolumeclaims": "1", "requests.storage": "2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, render(pvcUsage(tc.pvc))); diff != "" {
				t.Errorf("usage (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMatchingNames(t *testing.T) {
	for _, tc := range []struct {
		name corev1.ResourceName
		want string // the resource whose evaluator measures name, "" for none
	}{
		{"pods", "pods"}, {"count/pods", "pods"}, {"requests.cpu", "pods"}, {"cpu", "pods"}, {"limits.memory", "pods"},
		{"requests.nvidia.com/gpu", "pods"}, {"requests.hugepages-1Gi", "pods"}, {"hugepages-1Gi", "pods"},
		{"services", "services"}, {"services.nodeports", "services"}, {"count/services", "services"},
		{"requests.storage", "persistentvolumeclaims"}, {"gold.storageclass.storage.k8s.io/requests.storage", "persistentvolumeclaims"},
		{"configmaps", "configmaps"}, {"count/configmaps", "configmaps"}, {"secrets", "secrets"},
		{"replicationcontrollers", "replicationcontrollers"}, {"resourcequotas", "resourcequotas"},
		{"count/deployments.apps", "deployments.apps"}, {"count/widgets.example.com", "widgets.example.com"},
		{"count/events", ""}, {"requests.kubernetes.io/foo", ""}, {"nvidia.com/gpu", ""},
	} {
		var got []string
		for _, e := range evaluatorsFor([]corev1.ResourceName{tc.name}) {
			if e.matches(tc.name) {
				got = append(got, e.resource.String())
			}
		}
		want := []string{tc.want}
		if tc.want == "" {
			want = nil
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: evaluators (-want +got):\n%s", tc.name, diff)
		}
	}
}

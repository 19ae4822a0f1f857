package integration

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/testutil"
)

// resourcequotaList builds a ResourceList from name/quantity pairs.
func resourcequotaList(kv ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i := 0; i+1 < len(kv); i += 2 {
		out[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return out
}

// resourcequotaWaitUsed waits until the quota's status.used is exactly
// want (canonical quantity strings) and status.hard mirrors spec.hard.
func resourcequotaWaitUsed(t *testing.T, c kubernetes.Interface, ns, name string, want map[string]string) {
	t.Helper()
	var last corev1.ResourceQuotaStatus
	var hard corev1.ResourceList
	ok := false
	poll(t, "quota "+name+" usage", func(ctx context.Context) (bool, error) {
		q, err := c.CoreV1().ResourceQuotas(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last, hard = q.Status, q.Spec.Hard
		got := map[string]string{}
		for k, v := range q.Status.Used {
			got[string(k)] = v.String()
		}
		ok = cmp.Equal(want, got) && cmp.Equal(resourcequotaRender(hard), resourcequotaRender(q.Status.Hard))
		return ok, nil
	})
	if !ok {
		t.Fatalf("quota %s: status %+v, want used %v", name, last, want)
	}
}

func resourcequotaRender(l corev1.ResourceList) map[string]string {
	out := map[string]string{}
	for k, v := range l {
		out[string(k)] = v.String()
	}
	return out
}

func resourcequotaPod(name string, requests, limits corev1.ResourceList) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "busybox",
			Resources: corev1.ResourceRequirements{Requests: requests, Limits: limits}}}},
	}
}

// A quota's status.used follows pods (with their requests and limits),
// configmaps, services and a generic count as they come and go; a pod
// that finished stops being charged but still counts as an object.
func TestResourceQuotaTracksUsage(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"resourcequota"}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	q := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "compute"}, Spec: corev1.ResourceQuotaSpec{Hard: resourcequotaList(
		"pods", "10", "count/pods", "10", "requests.cpu", "4", "requests.memory", "1Gi", "limits.cpu", "8", "cpu", "4",
		"configmaps", "5", "services", "5", "services.nodeports", "10", "services.loadbalancers", "1",
		"count/deployments.apps", "3")}}
	if _, err := c.CoreV1().ResourceQuotas(ns).Create(ctx, q, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	zero := map[string]string{"pods": "0", "count/pods": "0", "requests.cpu": "0", "requests.memory": "0", "limits.cpu": "0", "cpu": "0",
		"configmaps": "0", "services": "0", "services.nodeports": "0", "services.loadbalancers": "0", "count/deployments.apps": "0"}
	resourcequotaWaitUsed(t, c, ns, "compute", zero)

	for i, name := range []string{"a", "b"} {
		p := resourcequotaPod(name, resourcequotaList("cpu", "500m", "memory", "128Mi"), resourcequotaList("cpu", []string{"1", "2"}[i]))
		if _, err := c.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CoreV1().ConfigMaps(ns).Create(ctx, configMap("cm"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort,
		Selector: map[string]string{"app": "web"},
		Ports:    []corev1.ServicePort{{Name: "http", Port: 80}, {Name: "https", Port: 443}}}}
	if _, err := c.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AppsV1().Deployments(ns).Create(ctx, deployment("d", 0), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	resourcequotaWaitUsed(t, c, ns, "compute", map[string]string{"pods": "2", "count/pods": "2", "requests.cpu": "1", "cpu": "1",
		"requests.memory": "256Mi", "limits.cpu": "3", "configmaps": "1", "services": "1", "services.nodeports": "2",
		"services.loadbalancers": "0", "count/deployments.apps": "1"})

	// Pod b finishes (the test plays its kubelet): it is no longer charged.
	b, err := c.CoreV1().Pods(ns).Get(ctx, "b", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b.Status.Phase = corev1.PodSucceeded
	if _, err := c.CoreV1().Pods(ns).UpdateStatus(ctx, b, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	resourcequotaWaitUsed(t, c, ns, "compute", map[string]string{"pods": "1", "count/pods": "2", "requests.cpu": "500m", "cpu": "500m",
		"requests.memory": "128Mi", "limits.cpu": "1", "configmaps": "1", "services": "1", "services.nodeports": "2",
		"services.loadbalancers": "0", "count/deployments.apps": "1"})

	// Deleting everything returns usage to zero. The pods are not bound
	// to nodes, so they go at once.
	for _, name := range []string{"a", "b"} {
		if err := c.CoreV1().Pods(ns).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.CoreV1().ConfigMaps(ns).Delete(ctx, "cm", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := c.CoreV1().Services(ns).Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := c.AppsV1().Deployments(ns).Delete(ctx, "d", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	resourcequotaWaitUsed(t, c, ns, "compute", zero)

	// Raising a limit is reflected in status.hard, and a new resource gets
	// its usage.
	q, err = c.CoreV1().ResourceQuotas(ns).Get(ctx, "compute", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	q.Spec.Hard = resourcequotaList("pods", "20", "secrets", "3")
	if _, err := c.CoreV1().ResourceQuotas(ns).Update(ctx, q, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	resourcequotaWaitUsed(t, c, ns, "compute", map[string]string{"pods": "0", "secrets": "0"})
}

// Scoped quotas charge only the pods in their scope: BestEffort versus
// NotBestEffort, Terminating (an active deadline), and a PriorityClass
// scope selector.
func TestResourceQuotaScopes(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"resourcequota"}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	if _, err := c.SchedulingV1().PriorityClasses().Create(ctx, &schedulingv1.PriorityClass{
		ObjectMeta: metav1.ObjectMeta{Name: "resourcequota-high"}, Value: 1000}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	quotas := []*corev1.ResourceQuota{
		{ObjectMeta: metav1.ObjectMeta{Name: "besteffort"}, Spec: corev1.ResourceQuotaSpec{
			Hard: resourcequotaList("pods", "10"), Scopes: []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeBestEffort}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "notbesteffort"}, Spec: corev1.ResourceQuotaSpec{
			Hard: resourcequotaList("pods", "10", "requests.cpu", "10"), Scopes: []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeNotBestEffort}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "terminating"}, Spec: corev1.ResourceQuotaSpec{
			Hard: resourcequotaList("pods", "10"), Scopes: []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeTerminating}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "high"}, Spec: corev1.ResourceQuotaSpec{
			Hard: resourcequotaList("pods", "10", "requests.cpu", "10"),
			ScopeSelector: &corev1.ScopeSelector{MatchExpressions: []corev1.ScopedResourceSelectorRequirement{{
				ScopeName: corev1.ResourceQuotaScopePriorityClass, Operator: corev1.ScopeSelectorOpIn, Values: []string{"resourcequota-high"}}}}}},
	}
	for _, q := range quotas {
		if _, err := c.CoreV1().ResourceQuotas(ns).Create(ctx, q, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	bestEffort := resourcequotaPod("besteffort", nil, nil)
	bestEffort.Spec.ActiveDeadlineSeconds = ptr.To[int64](600)
	burstable := resourcequotaPod("burstable", resourcequotaList("cpu", "250m"), nil)
	high := resourcequotaPod("high", resourcequotaList("cpu", "1"), nil)
	high.Spec.PriorityClassName = "resourcequota-high"
	for _, p := range []*corev1.Pod{bestEffort, burstable, high} {
		if _, err := c.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	resourcequotaWaitUsed(t, c, ns, "besteffort", map[string]string{"pods": "1"})
	resourcequotaWaitUsed(t, c, ns, "notbesteffort", map[string]string{"pods": "2", "requests.cpu": "1250m"})
	resourcequotaWaitUsed(t, c, ns, "terminating", map[string]string{"pods": "1"})
	resourcequotaWaitUsed(t, c, ns, "high", map[string]string{"pods": "1", "requests.cpu": "1"})
}

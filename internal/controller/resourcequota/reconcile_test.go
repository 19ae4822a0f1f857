package resourcequota

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

// quotaWorld is the observed state reconcile works on.
type quotaWorld struct {
	quota   *corev1.ResourceQuota
	objects map[schema.GroupResource][]runtime.Object
	failing map[schema.GroupResource]bool
	writes  int
	clock   *clocktesting.FakeClock
}

func (w *quotaWorld) deps() Deps {
	return Deps{
		GetQuota: func(ns, name string) (*corev1.ResourceQuota, error) {
			if w.quota == nil {
				return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "resourcequotas"}, name)
			}
			return w.quota.DeepCopy(), nil
		},
		List: func(_ context.Context, gr schema.GroupResource, _ string) ([]runtime.Object, error) {
			if w.failing[gr] {
				return nil, errors.New("boom")
			}
			if gr.Group == "unknown.example.com" {
				return nil, errUnknownResource
			}
			return w.objects[gr], nil
		},
		UpdateStatus: func(_ context.Context, q *corev1.ResourceQuota) error {
			w.writes++
			w.quota = q.DeepCopy()
			return nil
		},
		Now: w.clock.Now,
	}
}

func newQuota(hard map[string]string) *corev1.ResourceQuota {
	return &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "q", Namespace: "ns"}, Spec: corev1.ResourceQuotaSpec{Hard: list(hard)}}
}

func TestReconcileQuota(t *testing.T) {
	cpu := func(name, c string) runtime.Object {
		return newPod(name).container(map[string]string{"cpu": c}, nil).obj()
	}
	for _, tc := range []struct {
		name    string
		quota   *corev1.ResourceQuota
		objects map[schema.GroupResource][]runtime.Object
		failing map[schema.GroupResource]bool
		want    map[string]string
		wantErr bool
	}{
		{
			name:  "counts objects and sums requests",
			quota: newQuota(map[string]string{"pods": "10", "requests.cpu": "4", "configmaps": "5", "count/configmaps": "5", "services": "2"}),
			objects: map[schema.GroupResource][]runtime.Object{
				podsResource:                       {cpu("a", "500m"), cpu("b", "250m"), newPod("done").container(map[string]string{"cpu": "1"}, nil).phase(corev1.PodSucceeded).obj()},
				{Resource: "configmaps"}:           {&corev1.ConfigMap{}, &corev1.ConfigMap{}},
				{Resource: "services"}:             nil,
				{Group: "apps", Resource: "other"}: {&corev1.ConfigMap{}},
			},
			want: map[string]string{"pods": "2", "requests.cpu": "750m", "configmaps": "2", "count/configmaps": "2", "services": "0"},
		},
		{
			name:    "generic count of any resource",
			quota:   newQuota(map[string]string{"count/deployments.apps": "3"}),
			objects: map[schema.GroupResource][]runtime.Object{{Group: "apps", Resource: "deployments"}: {&metav1.PartialObjectMetadata{}}},
			want:    map[string]string{"count/deployments.apps": "1"},
		},
		{
			name:  "scopes select pods",
			quota: &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "q", Namespace: "ns"}, Spec: corev1.ResourceQuotaSpec{Hard: list(map[string]string{"pods": "5"}), Scopes: []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeBestEffort}}},
			objects: map[schema.GroupResource][]runtime.Object{
				podsResource: {cpu("a", "1"), newPod("be").container(nil, nil).obj(), newPod("be2").obj()},
			},
			want: map[string]string{"pods": "2"},
		},
		{
			name: "scope selector selects by priority class",
			quota: &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "q", Namespace: "ns"}, Spec: corev1.ResourceQuotaSpec{
				Hard: list(map[string]string{"pods": "5", "requests.cpu": "5"}),
				ScopeSelector: &corev1.ScopeSelector{MatchExpressions: []corev1.ScopedResourceSelectorRequirement{{
					ScopeName: corev1.ResourceQuotaScopePriorityClass, Operator: corev1.ScopeSelectorOpIn, Values: []string{"high"}}}}}},
			objects: map[schema.GroupResource][]runtime.Object{
				podsResource: {cpu("a", "1"), newPod("h").priority("high").container(map[string]string{"cpu": "2"}, nil).obj()},
			},
			want: map[string]string{"pods": "1", "requests.cpu": "2"},
		},
		{
			name:  "scoped quota charges non-pod objects nothing",
			quota: &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "q", Namespace: "ns"}, Spec: corev1.ResourceQuotaSpec{Hard: list(map[string]string{"configmaps": "5"}), Scopes: []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopePriorityClass}}},
			objects: map[schema.GroupResource][]runtime.Object{
				{Resource: "configmaps"}: {&corev1.ConfigMap{}},
			},
			want: map[string]string{"configmaps": "0"},
		},
		{
			name:  "names nobody measures get no usage",
			quota: newQuota(map[string]string{"pods": "1", "count/widgets.unknown.example.com": "1", "example.com/thing": "1"}),
			want:  map[string]string{"pods": "0"},
		},
		{
			name: "a failed list keeps the last observation and reports the error",
			quota: func() *corev1.ResourceQuota {
				q := newQuota(map[string]string{"pods": "10", "secrets": "10"})
				q.Status = corev1.ResourceQuotaStatus{Hard: q.Spec.Hard, Used: list(map[string]string{"pods": "7", "secrets": "1", "removed": "3"})}
				return q
			}(),
			objects: map[schema.GroupResource][]runtime.Object{{Resource: "secrets"}: {&corev1.Secret{}, &corev1.Secret{}}},
			failing: map[schema.GroupResource]bool{podsResource: true},
			want:    map[string]string{"pods": "7", "secrets": "2"},
			wantErr: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &quotaWorld{quota: tc.quota, objects: tc.objects, failing: tc.failing, clock: clocktesting.NewFakeClock(t0)}
			_, err := reconcile(t.Context(), w.deps(), "ns/q")
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, render(w.quota.Status.Used)); diff != "" {
				t.Errorf("status.used (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(render(tc.quota.Spec.Hard), render(w.quota.Status.Hard)); diff != "" {
				t.Errorf("status.hard (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReconcileQuotaWritesOnlyChanges(t *testing.T) {
	w := &quotaWorld{quota: newQuota(map[string]string{"pods": "5"}), clock: clocktesting.NewFakeClock(t0),
		objects: map[schema.GroupResource][]runtime.Object{podsResource: {newPod("a").obj()}}}
	for range 2 {
		if _, err := reconcile(t.Context(), w.deps(), "ns/q"); err != nil {
			t.Fatal(err)
		}
	}
	if w.writes != 1 {
		t.Fatalf("writes = %d, want 1 (the second sync changes nothing)", w.writes)
	}
	w.objects[podsResource] = append(w.objects[podsResource], newPod("b").obj())
	if _, err := reconcile(t.Context(), w.deps(), "ns/q"); err != nil {
		t.Fatal(err)
	}
	if w.writes != 2 || w.quota.Status.Used.Pods().String() != "2" {
		t.Fatalf("writes = %d, used = %v; want 2 writes and 2 pods", w.writes, w.quota.Status.Used)
	}
	w.quota.Spec.Hard = list(map[string]string{"pods": "5", "secrets": "1"})
	if _, err := reconcile(t.Context(), w.deps(), "ns/q"); err != nil {
		t.Fatal(err)
	}
	if w.writes != 3 || render(w.quota.Status.Hard)["secrets"] != "1" || render(w.quota.Status.Used)["secrets"] != "0" {
		t.Fatalf("after a spec change: writes = %d, status = %+v", w.writes, w.quota.Status)
	}
}

// A pod being deleted is charged until its grace period ends; the
// controller comes back then without waiting for the full resync.
func TestReconcileQuotaRequeuesAtGraceEnd(t *testing.T) {
	clk := clocktesting.NewFakeClock(t0)
	w := &quotaWorld{quota: newQuota(map[string]string{"pods": "5"}), clock: clk,
		objects: map[schema.GroupResource][]runtime.Object{podsResource: {newPod("a").deleted(t0, 30).obj()}}}
	res, err := reconcile(t.Context(), w.deps(), "ns/q")
	if err != nil {
		t.Fatal(err)
	}
	if res.RequeueAfter != 31*time.Second || w.quota.Status.Used.Pods().String() != "1" {
		t.Fatalf("requeue %v, used %v; want 31s and 1 pod", res.RequeueAfter, w.quota.Status.Used)
	}
	clk.Step(31 * time.Second)
	res, err = reconcile(t.Context(), w.deps(), "ns/q")
	if err != nil {
		t.Fatal(err)
	}
	if res.RequeueAfter != 0 || w.quota.Status.Used.Pods().String() != "0" {
		t.Fatalf("requeue %v, used %v; want none and 0 pods", res.RequeueAfter, w.quota.Status.Used)
	}
}

func TestReconcileQuotaGone(t *testing.T) {
	w := &quotaWorld{clock: clocktesting.NewFakeClock(t0)}
	if _, err := reconcile(t.Context(), w.deps(), "ns/q"); err != nil || w.writes != 0 {
		t.Fatalf("err = %v, writes = %d", err, w.writes)
	}
}

func TestTracks(t *testing.T) {
	names := []corev1.ResourceName{"requests.cpu", "count/deployments.apps"}
	for gr, want := range map[schema.GroupResource]bool{
		podsResource: true, servicesResource: false, {Group: "apps", Resource: "deployments"}: true, {Resource: "configmaps"}: false,
	} {
		if got := tracks(gr, names); got != want {
			t.Errorf("tracks(%s) = %v, want %v", gr, got, want)
		}
	}
}

// Only pod updates that can move usage replenish quotas.
func TestPodChanged(t *testing.T) {
	base := newPod("p").container(map[string]string{"cpu": "100m"}, nil).obj()
	ready := base.DeepCopy()
	ready.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	done := base.DeepCopy()
	done.Status.Phase = corev1.PodSucceeded
	resized := base.DeepCopy()
	resized.Spec.Containers[0].Resources.Requests = list(map[string]string{"cpu": "200m"})
	deadline := base.DeepCopy()
	deadline.Spec.ActiveDeadlineSeconds = ptr.To[int64](10)
	for name, tc := range map[string]struct {
		cur  *corev1.Pod
		want bool
	}{
		"readiness": {ready, false}, "finished": {done, true}, "resized": {resized, true}, "deadline set": {deadline, true},
	} {
		if got := podChanged(base, tc.cur, t0); got != tc.want {
			t.Errorf("%s: podChanged = %v, want %v", name, got, tc.want)
		}
	}
}

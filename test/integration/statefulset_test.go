package integration

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/testutil"
)

func statefulSet(name string, replicas int32) *appsv1.StatefulSet {
	labels := map[string]string{"app": name}
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.StatefulSetSpec{
			Replicas:    ptr.To(replicas),
			ServiceName: name,
			Selector:    &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1"}}},
			},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				ObjectMeta: metav1.ObjectMeta{Name: "www"},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
				},
			}},
		},
	}
}

// statefulsetMarkReady plays the kubelet for one pod: Running and Ready.
func statefulsetMarkReady(ctx context.Context, c kubernetes.Interface, p *corev1.Pod) error {
	p = p.DeepCopy()
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()}}
	_, err := c.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return err
}

// statefulsetReadyAll marks every live pod of ns that is not yet ready.
func statefulsetReadyAll(ctx context.Context, c kubernetes.Interface, ns string) error {
	pods, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for i := range pods.Items {
		p := &pods.Items[i]
		if p.DeletionTimestamp == nil && p.Status.Phase != corev1.PodRunning {
			if err := statefulsetMarkReady(ctx, c, p); err != nil {
				return err
			}
		}
	}
	return nil
}

func statefulsetPods(ctx context.Context, t *testing.T, c kubernetes.Interface, ns string) []corev1.Pod {
	t.Helper()
	pods, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return pods.Items
}

// statefulsetWaitStatus waits until the set's status satisfies ok.
func statefulsetWaitStatus(t *testing.T, c kubernetes.Interface, ns, name, what string, ok func(*appsv1.StatefulSet) bool) *appsv1.StatefulSet {
	t.Helper()
	var last *appsv1.StatefulSet
	poll(t, what, func(ctx context.Context) (bool, error) {
		s, err := c.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = s
		return ok(s), nil
	})
	return last
}

// A StatefulSet creates web-0, its claim first, and creates web-1 only
// once web-0 is Running and Ready; scaling down deletes the highest
// ordinal first and keeps the claims.
func TestStatefulSetOrderedScaling(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"statefulset"}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	if _, err := c.AppsV1().StatefulSets(ns).Create(ctx, statefulSet("web", 3), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		name := fmt.Sprintf("web-%d", i)
		// Once the controller has counted pod i in its status, it has seen
		// it unready, and must not have gone on to the next ordinal.
		statefulsetWaitStatus(t, c, ns, "web", fmt.Sprintf("status counting %s", name), func(s *appsv1.StatefulSet) bool {
			return s.Status.Replicas == int32(i+1) && s.Status.ReadyReplicas == int32(i)
		})
		pods := statefulsetPods(ctx, t, c, ns)
		if got := podNames(pods); !slices.Equal(got, wantOrdinals(i+1)) {
			t.Fatalf("with %s not ready, pods = %v, want %v", name, got, wantOrdinals(i+1))
		}
		p := pods[i]
		if p.Spec.Hostname != name || p.Spec.Subdomain != "web" || p.Labels[appsv1.StatefulSetPodNameLabel] != name ||
			p.Labels[appsv1.PodIndexLabel] != fmt.Sprint(i) || p.Labels[appsv1.ControllerRevisionHashLabelKey] == "" {
			t.Errorf("%s identity: hostname %q subdomain %q labels %v", name, p.Spec.Hostname, p.Spec.Subdomain, p.Labels)
		}
		claim := fmt.Sprintf("www-web-%d", i)
		if len(p.Spec.Volumes) == 0 || p.Spec.Volumes[0].PersistentVolumeClaim == nil || p.Spec.Volumes[0].PersistentVolumeClaim.ClaimName != claim {
			t.Errorf("%s volumes = %+v, want claim %s", name, p.Spec.Volumes, claim)
		}
		pvc, err := c.CoreV1().PersistentVolumeClaims(ns).Get(ctx, claim, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("claim %s: %v", claim, err)
		}
		if pvc.CreationTimestamp.After(p.CreationTimestamp.Time) || pvc.Labels["app"] != "web" || len(pvc.OwnerReferences) != 0 {
			t.Errorf("claim %s: created %v (pod %v), labels %v, owners %v", claim, pvc.CreationTimestamp, p.CreationTimestamp, pvc.Labels, pvc.OwnerReferences)
		}
		if err := statefulsetMarkReady(ctx, c, &p); err != nil {
			t.Fatal(err)
		}
	}
	set := statefulsetWaitStatus(t, c, ns, "web", "all ready", func(s *appsv1.StatefulSet) bool {
		return s.Status.ReadyReplicas == 3 && s.Status.AvailableReplicas == 3
	})
	st := set.Status
	if st.Replicas != 3 || st.CurrentReplicas != 3 || st.UpdatedReplicas != 3 || st.CurrentRevision == "" ||
		st.CurrentRevision != st.UpdateRevision || st.ObservedGeneration != set.Generation || st.CollisionCount == nil {
		t.Errorf("status = %+v", st)
	}
	rev, err := c.AppsV1().ControllerRevisions(ns).Get(ctx, st.UpdateRevision, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("update revision: %v", err)
	}
	if ref := metav1.GetControllerOf(rev); ref == nil || ref.UID != set.UID || rev.Revision != 1 {
		t.Errorf("revision %s: owner %v, revision %d", rev.Name, ref, rev.Revision)
	}
	for _, p := range statefulsetPods(ctx, t, c, ns) {
		if p.Labels[appsv1.ControllerRevisionHashLabelKey] != st.UpdateRevision {
			t.Errorf("%s runs revision %q, want %q", p.Name, p.Labels[appsv1.ControllerRevisionHashLabelKey], st.UpdateRevision)
		}
	}
	evs, err := c.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, e := range evs.Items {
		if e.Reason == "SuccessfulCreate" && e.Source.Component == "statefulset-controller" {
			msgs = append(msgs, e.Message)
		}
	}
	for _, want := range []string{"create Pod web-0 in StatefulSet web successful", "create Claim www-web-0 Pod web-0 in StatefulSet web success"} {
		if !slices.Contains(msgs, want) {
			t.Errorf("events %q lack %q", msgs, want)
		}
	}

	// Scale down to 1: web-2 goes before web-1.
	w, err := c.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	var mu sync.Mutex
	var deleted []string
	go func() {
		for ev := range w.ResultChan() {
			if p, ok := ev.Object.(*corev1.Pod); ok && ev.Type == watch.Deleted {
				mu.Lock()
				deleted = append(deleted, p.Name)
				mu.Unlock()
			}
		}
	}()
	if _, err := c.AppsV1().StatefulSets(ns).Patch(ctx, "web", "application/merge-patch+json", []byte(`{"spec":{"replicas":1}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "scale down to web-0", func(ctx context.Context) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		return len(deleted) == 2, nil
	})
	if diff := cmp.Diff([]string{"web-2", "web-1"}, deleted); diff != "" {
		t.Errorf("deletion order (-want +got):\n%s", diff)
	}
	statefulsetWaitStatus(t, c, ns, "web", "status of 1 replica", func(s *appsv1.StatefulSet) bool { return s.Status.Replicas == 1 })
	pvcs, err := c.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
	if err != nil || len(pvcs.Items) != 3 {
		t.Errorf("claims after scale-down = %d, %v; want all 3 retained", len(pvcs.Items), err)
	}
}

func wantOrdinals(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("web-%d", i))
	}
	return out
}

// A rolling update with a partition replaces only the pods at or above it,
// highest ordinal first; lowering the partition finishes the update and
// makes the new revision current.
func TestStatefulSetRollingUpdatePartition(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"statefulset"}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	set := statefulSet("web", 3)
	set.Spec.VolumeClaimTemplates = nil
	set.Spec.PodManagementPolicy = appsv1.ParallelPodManagement
	if _, err := c.AppsV1().StatefulSets(ns).Create(ctx, set, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ready := func(want func(*appsv1.StatefulSet) bool) func(ctx context.Context) (bool, error) {
		return func(ctx context.Context) (bool, error) {
			if err := statefulsetReadyAll(ctx, c, ns); err != nil {
				return false, err
			}
			s, err := c.AppsV1().StatefulSets(ns).Get(ctx, "web", metav1.GetOptions{})
			return err == nil && want(s), err
		}
	}
	poll(t, "3 ready pods", ready(func(s *appsv1.StatefulSet) bool { return s.Status.ReadyReplicas == 3 }))
	old, _ := c.AppsV1().StatefulSets(ns).Get(ctx, "web", metav1.GetOptions{})
	oldRev := old.Status.CurrentRevision

	patch := `{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":2}},"template":{"spec":{"containers":[{"name":"app","image":"nginx:2"}]}}}}`
	if _, err := c.AppsV1().StatefulSets(ns).Patch(ctx, "web", "application/strategic-merge-patch+json", []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	var mid *appsv1.StatefulSet
	poll(t, "web-2 updated", ready(func(s *appsv1.StatefulSet) bool {
		mid = s
		return s.Status.UpdateRevision != oldRev && s.Status.UpdatedReplicas == 1 && s.Status.ReadyReplicas == 3
	}))
	if mid.Status.CurrentRevision != oldRev || mid.Status.CurrentReplicas != 2 {
		t.Errorf("mid-update status = %+v, want current %s with 2 replicas", mid.Status, oldRev)
	}
	images := map[string]string{}
	for _, p := range statefulsetPods(ctx, t, c, ns) {
		images[p.Name] = p.Spec.Containers[0].Image + "@" + p.Labels[appsv1.ControllerRevisionHashLabelKey]
	}
	want := map[string]string{"web-0": "nginx:1@" + oldRev, "web-1": "nginx:1@" + oldRev, "web-2": "nginx:2@" + mid.Status.UpdateRevision}
	if diff := cmp.Diff(want, images); diff != "" {
		t.Errorf("pods at partition 2 (-want +got):\n%s", diff)
	}

	if _, err := c.AppsV1().StatefulSets(ns).Patch(ctx, "web", "application/merge-patch+json", []byte(`{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "rolling update complete", ready(func(s *appsv1.StatefulSet) bool {
		return s.Status.UpdatedReplicas == 3 && s.Status.CurrentRevision == s.Status.UpdateRevision && s.Status.ReadyReplicas == 3
	}))
	for _, p := range statefulsetPods(ctx, t, c, ns) {
		if p.Spec.Containers[0].Image != "nginx:2" {
			t.Errorf("%s runs %s after the update", p.Name, p.Spec.Containers[0].Image)
		}
	}
	revs, err := c.AppsV1().ControllerRevisions(ns).List(ctx, metav1.ListOptions{})
	if err != nil || len(revs.Items) != 2 {
		t.Errorf("revisions = %d, %v; want 2", len(revs.Items), err)
	}
}

// The claim retention policy is expressed as owner references: the set
// owns every claim when whenDeleted is Delete, and a scaled-down pod owns
// its claims when whenScaled is Delete.
func TestStatefulSetClaimRetention(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"statefulset"}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	set := statefulSet("db", 2)
	set.Spec.PodManagementPolicy = appsv1.ParallelPodManagement
	set.Spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
		WhenDeleted: appsv1.DeletePersistentVolumeClaimRetentionPolicyType,
		WhenScaled:  appsv1.DeletePersistentVolumeClaimRetentionPolicyType,
	}
	created, err := c.AppsV1().StatefulSets(ns).Create(ctx, set, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	owners := func(claim string) []string {
		pvc, err := c.CoreV1().PersistentVolumeClaims(ns).Get(ctx, claim, metav1.GetOptions{})
		if err != nil {
			return nil
		}
		var out []string
		for _, r := range pvc.OwnerReferences {
			out = append(out, r.Kind+"/"+r.Name)
		}
		return out
	}
	poll(t, "claims owned by the set", func(ctx context.Context) (bool, error) {
		if err := statefulsetReadyAll(ctx, c, ns); err != nil {
			return false, err
		}
		return slices.Equal(owners("www-db-0"), []string{"StatefulSet/db"}) && slices.Equal(owners("www-db-1"), []string{"StatefulSet/db"}), nil
	})
	pvc, _ := c.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "www-db-0", metav1.GetOptions{})
	if ref := pvc.OwnerReferences[0]; ref.UID != created.UID || !ptr.Deref(ref.Controller, false) {
		t.Errorf("claim owner %+v, want the set (uid %s) as controller", ref, created.UID)
	}
	web1, err := c.CoreV1().Pods(ns).Get(ctx, "db-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AppsV1().StatefulSets(ns).Patch(ctx, "db", "application/merge-patch+json", []byte(`{"spec":{"replicas":1}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "db-1 gone", func(ctx context.Context) (bool, error) {
		_, err := c.CoreV1().Pods(ns).Get(ctx, "db-1", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	// Without a garbage collector running, the reference stays to show
	// what the collector would act on.
	pvc, err = c.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "www-db-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pvc.OwnerReferences) != 1 || pvc.OwnerReferences[0].Kind != "Pod" || pvc.OwnerReferences[0].UID != web1.UID {
		t.Errorf("scaled-down claim owners = %+v, want pod db-1 (%s) only", pvc.OwnerReferences, web1.UID)
	}
	if got := owners("www-db-0"); !slices.Equal(got, []string{"StatefulSet/db"}) {
		t.Errorf("kept claim owners = %v", got)
	}
}

// A failed pod is replaced by a new pod of the same name.
func TestStatefulSetRecreatesFailedPods(t *testing.T) {
	srv := testutil.StartServerWith(t, testutil.Options{Controllers: []string{"statefulset"}})
	c := srv.Client(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	set := statefulSet("web", 1)
	set.Spec.VolumeClaimTemplates = nil
	if _, err := c.AppsV1().StatefulSets(ns).Create(ctx, set, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var first *corev1.Pod
	poll(t, "web-0", func(ctx context.Context) (bool, error) {
		p, err := c.CoreV1().Pods(ns).Get(ctx, "web-0", metav1.GetOptions{})
		first = p
		return err == nil, nil
	})
	failed := first.DeepCopy()
	failed.Status.Phase = corev1.PodFailed
	if _, err := c.CoreV1().Pods(ns).UpdateStatus(ctx, failed, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "a new web-0", func(ctx context.Context) (bool, error) {
		p, err := c.CoreV1().Pods(ns).Get(ctx, "web-0", metav1.GetOptions{})
		return err == nil && p.UID != first.UID && p.Status.Phase == corev1.PodPending, nil
	})
	evs, err := c.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "reason=SuccessfulDelete"})
	if err != nil || len(evs.Items) == 0 || evs.Items[0].Message != "delete Pod web-0 in StatefulSet web successful" {
		t.Errorf("delete events = %v, %v", evs, err)
	}
}

package integration

import (
	"context"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/testutil"
)

// gcServer starts a server running only the garbage collector, so nothing
// else creates or deletes objects behind the tests' backs.
func gcServer(t *testing.T) kubernetes.Interface {
	t.Helper()
	return testutil.StartServerWith(t, testutil.Options{Controllers: []string{"garbagecollector"}}).Client(t)
}

// gcOwnedBy returns an owner reference to obj of apiVersion/kind.
func gcOwnedBy(apiVersion, kind string, obj metav1.Object, block bool) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: obj.GetName(), UID: obj.GetUID(),
		BlockOwnerDeletion: ptr.To(block)}
}

// gcConfigMap creates a ConfigMap in ns with owners and finalizers.
func gcConfigMap(t *testing.T, c kubernetes.Interface, ns, name string, owners []metav1.OwnerReference, finalizers ...string) *corev1.ConfigMap {
	t.Helper()
	cm, err := c.CoreV1().ConfigMaps(ns).Create(t.Context(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
		Name: name, OwnerReferences: owners, Finalizers: finalizers}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create configmap %s: %v", name, err)
	}
	return cm
}

func gcSecret(t *testing.T, c kubernetes.Interface, ns, name string, owners []metav1.OwnerReference) *corev1.Secret {
	t.Helper()
	s, err := c.CoreV1().Secrets(ns).Create(t.Context(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{
		Name: name, OwnerReferences: owners}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create secret %s: %v", name, err)
	}
	return s
}

// gcGone waits until get reports NotFound.
func gcGone(t *testing.T, what string, get func(ctx context.Context) error) {
	t.Helper()
	poll(t, what+" to be deleted", func(ctx context.Context) (bool, error) {
		err := get(ctx)
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	})
}

func gcCMGone(t *testing.T, c kubernetes.Interface, ns, name string) {
	t.Helper()
	gcGone(t, "configmap "+name, func(ctx context.Context) error {
		_, err := c.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
		return err
	})
}

func gcDelete(t *testing.T, c kubernetes.Interface, ns, name string, policy metav1.DeletionPropagation) {
	t.Helper()
	if err := c.CoreV1().ConfigMaps(ns).Delete(t.Context(), name, metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
		t.Fatalf("delete %s: %v", name, err)
	}
}

// Deleting an owner in the background deletes its dependents of every
// kind; a dependent with another live owner only loses the reference.
func TestGCBackgroundDeletesDependents(t *testing.T) {
	c := gcServer(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	owner := gcConfigMap(t, c, ns, "owner", nil)
	other := gcConfigMap(t, c, ns, "other-owner", nil)
	ref := gcOwnedBy("v1", "ConfigMap", owner, false)
	gcConfigMap(t, c, ns, "dep-cm", []metav1.OwnerReference{ref})
	gcSecret(t, c, ns, "dep-secret", []metav1.OwnerReference{ref})
	gcConfigMap(t, c, ns, "shared", []metav1.OwnerReference{ref, gcOwnedBy("v1", "ConfigMap", other, false)})

	gcDelete(t, c, ns, "owner", metav1.DeletePropagationBackground)
	gcCMGone(t, c, ns, "dep-cm")
	gcGone(t, "secret dep-secret", func(ctx context.Context) error {
		_, err := c.CoreV1().Secrets(ns).Get(ctx, "dep-secret", metav1.GetOptions{})
		return err
	})
	poll(t, "shared to lose its reference to the deleted owner", func(ctx context.Context) (bool, error) {
		cm, err := c.CoreV1().ConfigMaps(ns).Get(ctx, "shared", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return len(cm.OwnerReferences) == 1 && cm.OwnerReferences[0].UID == other.UID, nil
	})
	if cm, err := c.CoreV1().ConfigMaps(ns).Get(ctx, "shared", metav1.GetOptions{}); err != nil || cm.DeletionTimestamp != nil {
		t.Fatalf("shared with a live owner: %v, %v; want kept", cm, err)
	}
}

// Foreground deletion deletes the dependents first: the owner stays, with
// its foregroundDeletion finalizer, while a blocking dependent exists, and
// goes once the last one is gone.
func TestGCForegroundWaitsForBlockingDependents(t *testing.T) {
	c := gcServer(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	const hold = "example.com/hold"
	owner := gcConfigMap(t, c, ns, "owner", nil)
	gcConfigMap(t, c, ns, "held", []metav1.OwnerReference{gcOwnedBy("v1", "ConfigMap", owner, true)}, hold)
	gcSecret(t, c, ns, "plain", []metav1.OwnerReference{gcOwnedBy("v1", "ConfigMap", owner, true)})
	gcConfigMap(t, c, ns, "nonblocking", []metav1.OwnerReference{gcOwnedBy("v1", "ConfigMap", owner, false)})

	gcDelete(t, c, ns, "owner", metav1.DeletePropagationForeground)
	gcGone(t, "secret plain", func(ctx context.Context) error {
		_, err := c.CoreV1().Secrets(ns).Get(ctx, "plain", metav1.GetOptions{})
		return err
	})
	gcCMGone(t, c, ns, "nonblocking")
	poll(t, "the held dependent to be deleting", func(ctx context.Context) (bool, error) {
		cm, err := c.CoreV1().ConfigMaps(ns).Get(ctx, "held", metav1.GetOptions{})
		return err == nil && cm.DeletionTimestamp != nil, err
	})
	got, err := c.CoreV1().ConfigMaps(ns).Get(ctx, "owner", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("owner gone while a blocking dependent remains: %v", err)
	}
	if got.DeletionTimestamp == nil || !slices.Contains(got.Finalizers, metav1.FinalizerDeleteDependents) {
		t.Fatalf("owner deletionTimestamp=%v finalizers=%v, want deleting with %s", got.DeletionTimestamp, got.Finalizers, metav1.FinalizerDeleteDependents)
	}

	if _, err := c.CoreV1().ConfigMaps(ns).Patch(ctx, "held", types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	gcCMGone(t, c, ns, "held")
	gcCMGone(t, c, ns, "owner")
}

// Orphaning deletes the owner and leaves its dependents, without the
// reference to it.
func TestGCOrphanKeepsDependents(t *testing.T) {
	c := gcServer(t)
	ctx := t.Context()
	ns := newNamespace(t, c)
	owner := gcConfigMap(t, c, ns, "owner", nil)
	other := gcConfigMap(t, c, ns, "other-owner", nil)
	gcConfigMap(t, c, ns, "dep", []metav1.OwnerReference{gcOwnedBy("v1", "ConfigMap", owner, true)})
	gcSecret(t, c, ns, "dep", []metav1.OwnerReference{gcOwnedBy("v1", "ConfigMap", owner, false), gcOwnedBy("v1", "ConfigMap", other, false)})

	gcDelete(t, c, ns, "owner", metav1.DeletePropagationOrphan)
	gcCMGone(t, c, ns, "owner")
	cm, err := c.CoreV1().ConfigMaps(ns).Get(ctx, "dep", metav1.GetOptions{})
	if err != nil || len(cm.OwnerReferences) != 0 || cm.DeletionTimestamp != nil {
		t.Fatalf("orphaned configmap: %+v, %v; want kept without ownerReferences", cm, err)
	}
	s, err := c.CoreV1().Secrets(ns).Get(ctx, "dep", metav1.GetOptions{})
	if err != nil || len(s.OwnerReferences) != 1 || s.OwnerReferences[0].UID != other.UID {
		t.Fatalf("orphaned secret: %+v, %v; want kept with only the other owner", s, err)
	}
}

// A dependent whose owner never existed, or exists with another UID, is
// deleted.
func TestGCDanglingOwner(t *testing.T) {
	c := gcServer(t)
	ns := newNamespace(t, c)
	gcConfigMap(t, c, ns, "ghost-child", []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "ghost", UID: "00000000-0000-0000-0000-000000000001"}})
	gcConfigMap(t, c, ns, "impostor", nil)
	gcConfigMap(t, c, ns, "impostor-child", []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "impostor", UID: "00000000-0000-0000-0000-000000000002"}})
	gcCMGone(t, c, ns, "ghost-child")
	gcCMGone(t, c, ns, "impostor-child")
	if _, err := c.CoreV1().ConfigMaps(ns).Get(t.Context(), "impostor", metav1.GetOptions{}); err != nil {
		t.Fatalf("the object named by a wrong-UID reference was touched: %v", err)
	}
	// The collector's series is served under upstream's name.
	body, err := c.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), "garbagecollector_controller_resources_sync_error_total") {
		t.Errorf("/metrics lacks garbagecollector_controller_resources_sync_error_total")
	}
}

// A cluster-scoped owner owns namespaced dependents in any namespace; a
// namespaced owner in another namespace does not, and the dependent gets
// an OwnerRefInvalidNamespace warning.
func TestGCOwnerScopes(t *testing.T) {
	c := gcServer(t)
	ctx := t.Context()
	ns1, ns2 := newNamespace(t, c), newNamespace(t, c)
	role, err := c.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "gc-owner"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ref := gcOwnedBy("rbac.authorization.k8s.io/v1", "ClusterRole", role, true)
	gcConfigMap(t, c, ns1, "dep", []metav1.OwnerReference{ref})
	gcSecret(t, c, ns2, "dep", []metav1.OwnerReference{ref})

	owner := gcConfigMap(t, c, ns1, "owner", nil)
	gcConfigMap(t, c, ns2, "elsewhere", []metav1.OwnerReference{gcOwnedBy("v1", "ConfigMap", owner, false)})
	gcCMGone(t, c, ns2, "elsewhere")
	poll(t, "an OwnerRefInvalidNamespace event", func(ctx context.Context) (bool, error) {
		evs, err := c.CoreV1().Events(ns2).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		return slices.ContainsFunc(evs.Items, func(e corev1.Event) bool {
			return e.Reason == "OwnerRefInvalidNamespace" && e.InvolvedObject.Name == "elsewhere" && e.Type == corev1.EventTypeWarning &&
				e.Source.Component == "garbage-collector-controller"
		}), nil
	})

	// A cluster-scoped object cannot be owned by a namespaced one: it is
	// reported, and not collected.
	if _, err := c.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "gc-bad",
		OwnerReferences: []metav1.OwnerReference{gcOwnedBy("v1", "ConfigMap", owner, false)}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, "an OwnerRefInvalidNamespace event for the cluster-scoped dependent", func(ctx context.Context) (bool, error) {
		evs, err := c.CoreV1().Events(metav1.NamespaceDefault).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		return slices.ContainsFunc(evs.Items, func(e corev1.Event) bool {
			return e.Reason == "OwnerRefInvalidNamespace" && e.InvolvedObject.Name == "gc-bad" && e.InvolvedObject.Kind == "ClusterRole"
		}), nil
	})
	if _, err := c.RbacV1().ClusterRoles().Get(ctx, "gc-bad", metav1.GetOptions{}); err != nil {
		t.Fatalf("cluster-scoped dependent of a namespaced owner: %v; want kept", err)
	}

	// The cluster-scoped owner still holds its dependents.
	if _, err := c.CoreV1().ConfigMaps(ns1).Get(ctx, "dep", metav1.GetOptions{}); err != nil {
		t.Fatalf("dependent of a live cluster-scoped owner: %v", err)
	}
	bg := metav1.DeletePropagationBackground
	if err := c.RbacV1().ClusterRoles().Delete(ctx, "gc-owner", metav1.DeleteOptions{PropagationPolicy: &bg}); err != nil {
		t.Fatal(err)
	}
	gcCMGone(t, c, ns1, "dep")
	gcGone(t, "secret dep", func(ctx context.Context) error {
		_, err := c.CoreV1().Secrets(ns2).Get(ctx, "dep", metav1.GetOptions{})
		return err
	})
}

// gcWorkloadChain creates what `kubectl create deployment web` leaves
// once the workload controllers ran: a Deployment owning a ReplicaSet
// owning two pods (here made by hand, with no controllers but the GC). The
// pod named bound, if any, is on a node.
func gcWorkloadChain(t *testing.T, c kubernetes.Interface, ns, bound string) {
	t.Helper()
	ctx := t.Context()
	d, err := c.AppsV1().Deployments(ns).Create(ctx, deployment("web", 2), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	controller := func(r metav1.OwnerReference) metav1.OwnerReference { r.Controller = ptr.To(true); return r }
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web-1", OwnerReferences: []metav1.OwnerReference{controller(gcOwnedBy("apps/v1", "Deployment", d, true))}},
		Spec:       appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](2), Selector: d.Spec.Selector, Template: d.Spec.Template},
	}
	if rs, err = c.AppsV1().ReplicaSets(ns).Create(ctx, rs, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"web-1-a", "web-1-b"} {
		b := pod(name).Labels("app", "web")
		if name == bound {
			b.Node("node-1")
		}
		p := b.Obj()
		p.OwnerReferences = []metav1.OwnerReference{controller(gcOwnedBy("apps/v1", "ReplicaSet", rs, true))}
		if _, err := c.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

func gcWorkloadGone(t *testing.T, c kubernetes.Interface, ns string) {
	t.Helper()
	poll(t, "the deployment, its replicaset and pods to be deleted", func(ctx context.Context) (bool, error) {
		pods, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		rss, err := c.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		_, err = c.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		return len(pods.Items) == 0 && len(rss.Items) == 0 && apierrors.IsNotFound(err), nil
	})
}

// `kubectl delete deploy web` (background) and `--cascade=foreground`
// both take the whole Deployment → ReplicaSet → Pod chain; in the
// foreground the Deployment is the last to go.
func TestGCDeploymentChain(t *testing.T) {
	c := gcServer(t)
	ctx := t.Context()
	t.Run("background", func(t *testing.T) {
		ns := newNamespace(t, c)
		gcWorkloadChain(t, c, ns, "")
		bg := metav1.DeletePropagationBackground
		if err := c.AppsV1().Deployments(ns).Delete(ctx, "web", metav1.DeleteOptions{PropagationPolicy: &bg}); err != nil {
			t.Fatal(err)
		}
		gcWorkloadGone(t, c, ns)
	})
	t.Run("foreground", func(t *testing.T) {
		ns := newNamespace(t, c)
		// A pod bound to a node terminates gracefully: until the test, as
		// its kubelet, confirms, the chain above it must stay.
		gcWorkloadChain(t, c, ns, "web-1-a")
		fg := metav1.DeletePropagationForeground
		if err := c.AppsV1().Deployments(ns).Delete(ctx, "web", metav1.DeleteOptions{PropagationPolicy: &fg}); err != nil {
			t.Fatal(err)
		}
		poll(t, "the bound pod to be terminating", func(ctx context.Context) (bool, error) {
			p, err := c.CoreV1().Pods(ns).Get(ctx, "web-1-a", metav1.GetOptions{})
			return err == nil && p.DeletionTimestamp != nil, err
		})
		gcGone(t, "pod web-1-b", func(ctx context.Context) error {
			_, err := c.CoreV1().Pods(ns).Get(ctx, "web-1-b", metav1.GetOptions{})
			return err
		})
		rs, err := c.AppsV1().ReplicaSets(ns).Get(ctx, "web-1", metav1.GetOptions{})
		if err != nil || rs.DeletionTimestamp == nil || !slices.Contains(rs.Finalizers, metav1.FinalizerDeleteDependents) {
			t.Fatalf("replicaset while its pod terminates: %+v, %v; want deleting in the foreground", rs, err)
		}
		if _, err := c.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{}); err != nil {
			t.Fatalf("deployment gone before its replicaset: %v", err)
		}
		if err := c.CoreV1().Pods(ns).Delete(ctx, "web-1-a", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)}); err != nil {
			t.Fatal(err)
		}
		gcWorkloadGone(t, c, ns)
	})
}

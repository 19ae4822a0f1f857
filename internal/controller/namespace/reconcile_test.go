package namespace

import (
	"context"
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	pods       = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	configmaps = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
)

// world is the observed state reconcile works on.
type world struct {
	ns        *corev1.Namespace
	remaining map[schema.GroupVersionResource]int
	finalized bool
	deleted   []schema.GroupVersionResource
	discovery error
}

func (w *world) deps() Deps {
	return Deps{
		GetNamespace: func(context.Context, string) (*corev1.Namespace, error) { return w.ns.DeepCopy(), nil },
		Resources: func(context.Context) ([]schema.GroupVersionResource, error) {
			return []schema.GroupVersionResource{configmaps, pods}, w.discovery
		},
		DeleteCollection: func(_ context.Context, gvr schema.GroupVersionResource, _ string) error {
			w.deleted = append(w.deleted, gvr)
			return nil
		},
		Count: func(_ context.Context, gvr schema.GroupVersionResource, _ string) (int, int, error) {
			return w.remaining[gvr], 0, nil
		},
		UpdateStatus: func(_ context.Context, ns *corev1.Namespace) (*corev1.Namespace, error) {
			w.ns = ns.DeepCopy()
			return ns, nil
		},
		Finalize: func(_ context.Context, ns *corev1.Namespace) error {
			w.ns = ns.DeepCopy()
			w.finalized = true
			return nil
		},
		Now: func() time.Time { return time.Unix(1000, 0) },
	}
}

func terminating() *corev1.Namespace {
	now := metav1.Unix(900, 0)
	return &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: "x", DeletionTimestamp: &now},
		Spec:       corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{corev1.FinalizerKubernetes}},
		Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating},
	}
}

func condition(ns *corev1.Namespace, t corev1.NamespaceConditionType) *corev1.NamespaceCondition {
	for i := range ns.Status.Conditions {
		if ns.Status.Conditions[i].Type == t {
			return &ns.Status.Conditions[i]
		}
	}
	return nil
}

func TestReconcile(t *testing.T) {
	t.Run("active namespace is left alone", func(t *testing.T) {
		w := &world{ns: &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "x"}}}
		if _, err := reconcile(t.Context(), w.deps(), "x"); err != nil || len(w.deleted) > 0 || w.finalized {
			t.Fatalf("err=%v deleted=%v finalized=%v", err, w.deleted, w.finalized)
		}
	})
	t.Run("empty namespace is finalized", func(t *testing.T) {
		w := &world{ns: terminating()}
		res, err := reconcile(t.Context(), w.deps(), "x")
		if err != nil || res.RequeueAfter != 0 || !w.finalized || len(w.ns.Spec.Finalizers) != 0 {
			t.Fatalf("res=%+v err=%v finalized=%v finalizers=%v", res, err, w.finalized, w.ns.Spec.Finalizers)
		}
		if len(w.deleted) != 2 {
			t.Fatalf("deleted %v, want every resource", w.deleted)
		}
		if c := condition(w.ns, corev1.NamespaceContentRemaining); c == nil || c.Status != corev1.ConditionFalse {
			t.Fatalf("ContentRemaining = %+v", c)
		}
	})
	t.Run("remaining content is reported and waited for", func(t *testing.T) {
		w := &world{ns: terminating(), remaining: map[schema.GroupVersionResource]int{pods: 2}}
		res, err := reconcile(t.Context(), w.deps(), "x")
		if err != nil || res.RequeueAfter == 0 || w.finalized {
			t.Fatalf("res=%+v err=%v finalized=%v", res, err, w.finalized)
		}
		c := condition(w.ns, corev1.NamespaceContentRemaining)
		if c == nil || c.Status != corev1.ConditionTrue || c.Message != "Some resources are remaining: pods has 2 resource instances" {
			t.Fatalf("ContentRemaining = %+v", c)
		}
	})
	t.Run("discovery failure is reported and retried", func(t *testing.T) {
		w := &world{ns: terminating(), discovery: errors.New("group x unavailable")}
		res, err := reconcile(t.Context(), w.deps(), "x")
		if err != nil || res.RequeueAfter == 0 || w.finalized {
			t.Fatalf("res=%+v err=%v finalized=%v", res, err, w.finalized)
		}
		if c := condition(w.ns, corev1.NamespaceDeletionDiscoveryFailure); c == nil || c.Status != corev1.ConditionTrue {
			t.Fatalf("DiscoveryFailure = %+v", c)
		}
	})
}

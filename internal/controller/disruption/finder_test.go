package disruption

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
)

func objMeta(name string, uid types.UID, owner *metav1.OwnerReference) metav1.ObjectMeta {
	m := metav1.ObjectMeta{Name: name, Namespace: "ns", UID: uid}
	if owner != nil {
		m.OwnerReferences = []metav1.OwnerReference{*owner}
	}
	return m
}

func ref(apiVersion, kind, name string, uid types.UID) *metav1.OwnerReference {
	return &metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: name, UID: uid, Controller: ptr.To(true)}
}

func TestFinder(t *testing.T) {
	idx := func(objs ...any) cache.Indexer {
		i := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
		for _, o := range objs {
			if err := i.Add(o); err != nil {
				t.Fatal(err)
			}
		}
		return i
	}
	f := &finder{
		rcs: corelisters.NewReplicationControllerLister(idx(
			&corev1.ReplicationController{ObjectMeta: objMeta("rc", "rc-uid", nil), Spec: corev1.ReplicationControllerSpec{Replicas: ptr.To[int32](2)}})),
		rss: appslisters.NewReplicaSetLister(idx(
			&appsv1.ReplicaSet{ObjectMeta: objMeta("alone", "alone-uid", nil), Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](3)}},
			&appsv1.ReplicaSet{ObjectMeta: objMeta("owned", "owned-uid", ref("apps/v1", "Deployment", "dep", "dep-uid")), Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](1)}},
			&appsv1.ReplicaSet{ObjectMeta: objMeta("orphaned", "orphaned-uid", ref("apps/v1", "Deployment", "missing", "missing-uid")), Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](1)}})),
		deps: appslisters.NewDeploymentLister(idx(
			&appsv1.Deployment{ObjectMeta: objMeta("dep", "dep-uid", nil), Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](5)}})),
		sss: appslisters.NewStatefulSetLister(idx(
			&appsv1.StatefulSet{ObjectMeta: objMeta("ss", "ss-uid", nil), Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](4)}})),
	}
	for _, tc := range []struct {
		name string
		ref  *metav1.OwnerReference
		want *scale
	}{
		{"ReplicationController", ref("v1", "ReplicationController", "rc", "rc-uid"), &scale{"rc-uid", 2}},
		{"ReplicaSet", ref("apps/v1", "ReplicaSet", "alone", "alone-uid"), &scale{"alone-uid", 3}},
		{"ReplicaSet of a Deployment takes the Deployment's scale", ref("apps/v1", "ReplicaSet", "owned", "owned-uid"), &scale{"dep-uid", 5}},
		{"ReplicaSet of a missing Deployment", ref("apps/v1", "ReplicaSet", "orphaned", "orphaned-uid"), nil},
		{"StatefulSet", ref("apps/v1", "StatefulSet", "ss", "ss-uid"), &scale{"ss-uid", 4}},
		{"UID mismatch: a new object of the same name", ref("apps/v1", "StatefulSet", "ss", "old-uid"), nil},
		{"wrong group", ref("example.com/v1", "StatefulSet", "ss", "ss-uid"), nil},
		{"unknown kind without a scale client", ref("example.com/v1", "Widget", "w", "w-uid"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.scale(t.Context(), tc.ref, "ns")
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
				t.Errorf("scale = %+v, want %+v", got, tc.want)
			}
		})
	}
}

package replicaset

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// kind is what differs between ReplicaSets and ReplicationControllers;
// everything else sees ReplicaSets.
type kind struct {
	gvk       schema.GroupVersionKind
	name      string // controller name (queue and --controllers)
	component string // event source
	informer  cache.SharedIndexInformer
	// get and list read the informer cache.
	get  func(namespace, name string) (*appsv1.ReplicaSet, error)
	list func(namespace string) ([]*appsv1.ReplicaSet, error)
	// fresh reads the owner from the API (adoption checks).
	fresh        func(ctx context.Context, namespace, name string) (metav1.Object, error)
	updateStatus func(ctx context.Context, rs *appsv1.ReplicaSet) (*appsv1.ReplicaSet, error)
	// object is what events are recorded on.
	object func(rs *appsv1.ReplicaSet) runtime.Object
}

func replicaSetKind(client kubernetes.Interface, f informers.SharedInformerFactory) kind {
	inf := f.Apps().V1().ReplicaSets()
	return kind{
		gvk: appsv1.SchemeGroupVersion.WithKind("ReplicaSet"), name: Name, component: "replicaset-controller",
		informer: inf.Informer(),
		get:      func(ns, name string) (*appsv1.ReplicaSet, error) { return inf.Lister().ReplicaSets(ns).Get(name) },
		list: func(ns string) ([]*appsv1.ReplicaSet, error) {
			return inf.Lister().ReplicaSets(ns).List(labels.Everything())
		},
		fresh: func(ctx context.Context, ns, name string) (metav1.Object, error) {
			return client.AppsV1().ReplicaSets(ns).Get(ctx, name, metav1.GetOptions{})
		},
		updateStatus: func(ctx context.Context, rs *appsv1.ReplicaSet) (*appsv1.ReplicaSet, error) {
			return client.AppsV1().ReplicaSets(rs.Namespace).UpdateStatus(ctx, rs, metav1.UpdateOptions{})
		},
		object: func(rs *appsv1.ReplicaSet) runtime.Object { return rs },
	}
}

func replicationControllerKind(client kubernetes.Interface, f informers.SharedInformerFactory) kind {
	inf := f.Core().V1().ReplicationControllers()
	return kind{
		gvk: corev1.SchemeGroupVersion.WithKind("ReplicationController"), name: RCName, component: "replication-controller",
		informer: inf.Informer(),
		get: func(ns, name string) (*appsv1.ReplicaSet, error) {
			rc, err := inf.Lister().ReplicationControllers(ns).Get(name)
			if err != nil {
				return nil, err
			}
			return fromRC(rc), nil
		},
		list: func(ns string) ([]*appsv1.ReplicaSet, error) {
			rcs, err := inf.Lister().ReplicationControllers(ns).List(labels.Everything())
			out := make([]*appsv1.ReplicaSet, len(rcs))
			for i, rc := range rcs {
				out[i] = fromRC(rc)
			}
			return out, err
		},
		fresh: func(ctx context.Context, ns, name string) (metav1.Object, error) {
			return client.CoreV1().ReplicationControllers(ns).Get(ctx, name, metav1.GetOptions{})
		},
		updateStatus: func(ctx context.Context, rs *appsv1.ReplicaSet) (*appsv1.ReplicaSet, error) {
			rc, err := client.CoreV1().ReplicationControllers(rs.Namespace).UpdateStatus(ctx, toRC(rs), metav1.UpdateOptions{})
			if err != nil {
				return nil, err
			}
			return fromRC(rc), nil
		},
		object: func(rs *appsv1.ReplicaSet) runtime.Object { return toRC(rs) },
	}
}

// fromRC converts a ReplicationController to the equivalent ReplicaSet:
// its selector map becomes matchLabels.
func fromRC(rc *corev1.ReplicationController) *appsv1.ReplicaSet {
	rc = rc.DeepCopy()
	rs := &appsv1.ReplicaSet{
		ObjectMeta: rc.ObjectMeta,
		Spec: appsv1.ReplicaSetSpec{
			Replicas:        rc.Spec.Replicas,
			MinReadySeconds: rc.Spec.MinReadySeconds,
		},
		Status: appsv1.ReplicaSetStatus{
			Replicas: rc.Status.Replicas, FullyLabeledReplicas: rc.Status.FullyLabeledReplicas,
			ReadyReplicas: rc.Status.ReadyReplicas, AvailableReplicas: rc.Status.AvailableReplicas,
			ObservedGeneration: rc.Status.ObservedGeneration,
		},
	}
	if rc.Spec.Selector != nil {
		rs.Spec.Selector = &metav1.LabelSelector{MatchLabels: rc.Spec.Selector}
	}
	if rc.Spec.Template != nil {
		rs.Spec.Template = *rc.Spec.Template
	}
	for _, c := range rc.Status.Conditions {
		rs.Status.Conditions = append(rs.Status.Conditions, appsv1.ReplicaSetCondition{
			Type: appsv1.ReplicaSetConditionType(c.Type), Status: c.Status,
			LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message,
		})
	}
	return rs
}

// toRC is fromRC's inverse (ReplicationControllers have no
// terminatingReplicas).
func toRC(rs *appsv1.ReplicaSet) *corev1.ReplicationController {
	rs = rs.DeepCopy()
	rc := &corev1.ReplicationController{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ReplicationController"},
		ObjectMeta: rs.ObjectMeta,
		Spec: corev1.ReplicationControllerSpec{
			Replicas:        rs.Spec.Replicas,
			MinReadySeconds: rs.Spec.MinReadySeconds,
			Template:        &rs.Spec.Template,
		},
		Status: corev1.ReplicationControllerStatus{
			Replicas: rs.Status.Replicas, FullyLabeledReplicas: rs.Status.FullyLabeledReplicas,
			ReadyReplicas: rs.Status.ReadyReplicas, AvailableReplicas: rs.Status.AvailableReplicas,
			ObservedGeneration: rs.Status.ObservedGeneration,
		},
	}
	if rs.Spec.Selector != nil {
		rc.Spec.Selector = rs.Spec.Selector.MatchLabels
	}
	for _, c := range rs.Status.Conditions {
		rc.Status.Conditions = append(rc.Status.Conditions, corev1.ReplicationControllerCondition{
			Type: corev1.ReplicationControllerConditionType(c.Type), Status: c.Status,
			LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message,
		})
	}
	return rc
}

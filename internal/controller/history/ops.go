package history

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// Ops are the ControllerRevision reads and writes a controller makes.
type Ops struct {
	Client
	Update func(ctx context.Context, rev *appsv1.ControllerRevision) (*appsv1.ControllerRevision, error)
	// Delete treats an already deleted revision as success.
	Delete func(ctx context.Context, rev *appsv1.ControllerRevision) error
	// Patch applies a strategic merge patch.
	Patch func(ctx context.Context, namespace, name string, patch []byte) error
}

// NewOps binds Ops to a clientset.
func NewOps(cs kubernetes.Interface) Ops {
	revs := func(ns string) interface {
		Create(context.Context, *appsv1.ControllerRevision, metav1.CreateOptions) (*appsv1.ControllerRevision, error)
		Get(context.Context, string, metav1.GetOptions) (*appsv1.ControllerRevision, error)
		Update(context.Context, *appsv1.ControllerRevision, metav1.UpdateOptions) (*appsv1.ControllerRevision, error)
		Delete(context.Context, string, metav1.DeleteOptions) error
	} {
		return cs.AppsV1().ControllerRevisions(ns)
	}
	return Ops{
		Client: Client{
			Create: func(ctx context.Context, rev *appsv1.ControllerRevision) (*appsv1.ControllerRevision, error) {
				return revs(rev.Namespace).Create(ctx, rev, metav1.CreateOptions{})
			},
			Get: func(ctx context.Context, ns, name string) (*appsv1.ControllerRevision, error) {
				return revs(ns).Get(ctx, name, metav1.GetOptions{})
			},
		},
		Update: func(ctx context.Context, rev *appsv1.ControllerRevision) (*appsv1.ControllerRevision, error) {
			return revs(rev.Namespace).Update(ctx, rev, metav1.UpdateOptions{})
		},
		Delete: func(ctx context.Context, rev *appsv1.ControllerRevision) error {
			err := revs(rev.Namespace).Delete(ctx, rev.Name, metav1.DeleteOptions{})
			if apierrors.IsNotFound(err) {
				return nil
			}
			return err
		},
		Patch: func(ctx context.Context, ns, name string, patch []byte) error {
			_, err := cs.AppsV1().ControllerRevisions(ns).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
			return err
		},
	}
}

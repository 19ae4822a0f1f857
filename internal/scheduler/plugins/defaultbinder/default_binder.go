package defaultbinder

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/berth-dev/berth/internal/scheduler/framework"
)

// Name is the plugin's name in the registry and in configuration.
const Name = "DefaultBinder"

// DefaultBinder binds pods through the pods/binding subresource.
type DefaultBinder struct {
	handle framework.Handle
}

var _ framework.BindPlugin = (*DefaultBinder)(nil)

// New returns the plugin; it takes no arguments. The handle must have a
// ClientSet by the time Bind is called.
func New(_ context.Context, _ any, h framework.Handle) (framework.Plugin, error) {
	return &DefaultBinder{handle: h}, nil
}

// Name implements framework.Plugin.
func (*DefaultBinder) Name() string { return Name }

// Bind implements framework.BindPlugin. A failed API call is an Error
// status; the scheduling loop forgets the assumed pod and retries.
func (b *DefaultBinder) Bind(ctx context.Context, _ *framework.CycleState, pod *corev1.Pod, nodeName string) *framework.Status {
	if b.handle == nil || b.handle.ClientSet() == nil {
		return framework.AsStatus(errors.New("bind: no API client"))
	}
	binding := &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
		Target:     corev1.ObjectReference{Kind: "Node", Name: nodeName},
	}
	if err := b.handle.ClientSet().CoreV1().Pods(pod.Namespace).Bind(ctx, binding, metav1.CreateOptions{}); err != nil {
		return framework.AsStatus(fmt.Errorf("bind pod %s/%s to node %q: %w", pod.Namespace, pod.Name, nodeName, err))
	}
	return nil
}

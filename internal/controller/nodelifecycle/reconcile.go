package nodelifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	"github.com/berth-dev/berth/internal/controller/worker"
)

// reconcileNode keeps a node's condition NoSchedule taints and its beta
// os/arch labels in line with its status and stable labels.
func (c *Controller) reconcileNode(ctx context.Context, name string) (worker.Result, error) {
	node, err := c.nodes.Get(name)
	if apierrors.IsNotFound(err) {
		return worker.Result{}, nil
	}
	if err != nil {
		return worker.Result{}, err
	}
	if add, remove := noScheduleDiff(node); len(add)+len(remove) > 0 {
		if err := updateTaints(ctx, c.client, name, add, remove, c.clock.Now); err != nil {
			return worker.Result{}, err
		}
	}
	if missing := labelDiff(node); len(missing) > 0 {
		patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"labels": missing}})
		if err != nil {
			return worker.Result{}, err
		}
		if _, err := c.client.CoreV1().Nodes().Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return worker.Result{}, fmt.Errorf("label node %q: %w", name, err)
		}
	}
	return worker.Result{}, nil
}

// reconcilePod marks a pod newly bound to a node that is not ready as not
// ready itself (the monitor pass only marks pods when the node changes).
func (c *Controller) reconcilePod(ctx context.Context, key string) (worker.Result, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return worker.Result{}, nil
	}
	pod, err := c.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return worker.Result{}, nil
	}
	if err != nil {
		return worker.Result{}, err
	}
	h := c.getHealth(pod.Spec.NodeName)
	if h == nil {
		return worker.Result{}, nil // not seen yet, or gone
	}
	if _, err := c.nodes.Get(pod.Spec.NodeName); err != nil {
		return worker.Result{}, err
	}
	ready := condition(h.status, corev1.NodeReady)
	if ready == nil || ready.Status == corev1.ConditionTrue {
		return worker.Result{}, nil
	}
	return worker.Result{}, c.markPodsNotReady(ctx, []*corev1.Pod{pod}, pod.Spec.NodeName)
}

// markPodsNotReady sets the Ready condition of node's pods False, as their
// kubelet can no longer vouch for them.
func (c *Controller) markPodsNotReady(ctx context.Context, pods []*corev1.Pod, node string) error {
	var errs []error
	for _, p := range pods {
		if p.Spec.NodeName != node {
			continue
		}
		updated, changed := notReady(p, metav1.NewTime(c.clock.Now()))
		if !changed {
			continue
		}
		if _, err := c.client.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{}); err != nil {
			if !apierrors.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("mark pod %s/%s not ready: %w", p.Namespace, p.Name, err))
			}
			continue
		}
		c.recorder.Event(updated, corev1.EventTypeWarning, "NodeNotReady", "Node is not ready")
	}
	return errors.Join(errs...)
}

// notReady returns a copy of p with its Ready condition False, and whether
// that changed anything (pods without a Ready condition are left alone).
func notReady(p *corev1.Pod, now metav1.Time) (*corev1.Pod, bool) {
	for i, c := range p.Status.Conditions {
		if c.Type != corev1.PodReady {
			continue
		}
		if c.Status == corev1.ConditionFalse {
			return p, false
		}
		out := p.DeepCopy()
		out.Status.Conditions[i].Status = corev1.ConditionFalse
		out.Status.Conditions[i].LastTransitionTime = now
		return out, true
	}
	return p, false
}

// nodeEvent records an event about node, as upstream's node controller.
func (c *Controller) nodeEvent(node *corev1.Node, typ, reason, msg string) {
	ref := &corev1.ObjectReference{APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID}
	c.recorder.Event(ref, typ, reason, msg)
}

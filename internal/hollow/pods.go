package hollow

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	"github.com/berth-dev/berth/internal/controller/worker"
	"github.com/berth-dev/berth/internal/podcondition"
)

// podHandler queues pods bound to an active hollow node that need the
// kubelet: to start running, or to confirm their deletion.
func (c *Cluster) podHandler() cache.ResourceEventHandler {
	consider := func(obj any) {
		p, ok := obj.(*corev1.Pod)
		if !ok {
			return
		}
		if n := c.nodes[p.Spec.NodeName]; n != nil && n.active.Load() && needsKubelet(p) {
			c.queue.Add(p.Namespace + "/" + p.Name)
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    consider,
		UpdateFunc: func(_, obj any) { consider(obj) },
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if p, ok := obj.(*corev1.Pod); ok {
				if n := c.nodes[p.Spec.NodeName]; n != nil {
					n.releaseIP(p.UID)
				}
			}
		},
	}
}

// needsKubelet says whether a bound pod waits on its kubelet.
func needsKubelet(p *corev1.Pod) bool {
	if p.DeletionTimestamp != nil {
		return true
	}
	switch p.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed:
		return false
	case corev1.PodRunning:
		return !podcondition.Ready(p)
	}
	return true
}

// syncPod does for one pod what its kubelet would.
func (c *Cluster) syncPod(ctx context.Context, key string) (worker.Result, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return worker.Result{}, nil
	}
	p, err := c.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return worker.Result{}, nil
	}
	if err != nil {
		return worker.Result{}, err
	}
	n := c.nodes[p.Spec.NodeName]
	if n == nil || !n.active.Load() || !needsKubelet(p) {
		return worker.Result{}, nil
	}
	pods := c.cfg.Client.CoreV1().Pods(ns)
	if p.DeletionTimestamp != nil {
		// The containers "stopped": confirm the deletion.
		err := pods.Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To(int64(0)), Preconditions: &metav1.Preconditions{UID: &p.UID}})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return worker.Result{}, fmt.Errorf("delete pod %s: %w", key, err)
		}
		n.releaseIP(p.UID)
		return worker.Result{}, nil
	}
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"uid": p.UID}, // precondition: the same pod
		"status":   runningStatus(p, n.ip.String(), n.allocIP(p.UID), c.cfg.Clock.Now()),
	})
	if err != nil {
		return worker.Result{}, err
	}
	_, err = pods.Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status")
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return worker.Result{}, fmt.Errorf("patch pod status %s: %w", key, err)
	}
	return worker.Result{}, nil
}

// runningStatus is the status of p with every container running and
// ready, on a node at hostIP, with pod IP podIP, as of now. Times already
// set (start time, condition transitions) are kept.
func runningStatus(p *corev1.Pod, hostIP, podIP string, now time.Time) corev1.PodStatus {
	t := metav1.NewTime(now)
	st := corev1.PodStatus{
		Phase:     corev1.PodRunning,
		HostIP:    hostIP,
		HostIPs:   []corev1.HostIP{{IP: hostIP}},
		StartTime: p.Status.StartTime,
		QOSClass:  p.Status.QOSClass,
	}
	if st.StartTime == nil {
		st.StartTime = &t
	}
	if p.Spec.HostNetwork {
		podIP = hostIP
	}
	if p.Status.PodIP != "" {
		podIP = p.Status.PodIP
	}
	if podIP != "" {
		st.PodIP = podIP
		st.PodIPs = []corev1.PodIP{{IP: podIP}}
	}
	for _, typ := range []corev1.PodConditionType{corev1.PodReadyToStartContainers, corev1.PodInitialized, corev1.PodReady, corev1.ContainersReady, corev1.PodScheduled} {
		cond := corev1.PodCondition{Type: typ, Status: corev1.ConditionTrue, LastTransitionTime: t}
		for _, old := range p.Status.Conditions {
			if old.Type == typ && old.Status == corev1.ConditionTrue {
				cond.LastTransitionTime = old.LastTransitionTime
			}
		}
		st.Conditions = append(st.Conditions, cond)
	}
	started := *st.StartTime
	for _, ctr := range p.Spec.InitContainers {
		s := containerStatus(p, ctr)
		if ctr.RestartPolicy != nil && *ctr.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			// A sidecar keeps running.
			s.State.Running = &corev1.ContainerStateRunning{StartedAt: started}
		} else {
			s.Ready = false
			s.Started = ptr.To(false)
			s.State.Terminated = &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", StartedAt: started, FinishedAt: started, ContainerID: s.ContainerID}
		}
		st.InitContainerStatuses = append(st.InitContainerStatuses, s)
	}
	for _, ctr := range p.Spec.Containers {
		s := containerStatus(p, ctr)
		s.State.Running = &corev1.ContainerStateRunning{StartedAt: started}
		st.ContainerStatuses = append(st.ContainerStatuses, s)
	}
	return st
}

func containerStatus(p *corev1.Pod, ctr corev1.Container) corev1.ContainerStatus {
	return corev1.ContainerStatus{
		Name:        ctr.Name,
		Image:       ctr.Image,
		ImageID:     "hollow://" + ctr.Image,
		ContainerID: fmt.Sprintf("hollow://%s/%s", p.UID, ctr.Name),
		Ready:       true,
		Started:     ptr.To(true),
	}
}

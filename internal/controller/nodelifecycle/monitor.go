package nodelifecycle

import (
	"context"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/util/workqueue"
)

// monitor is one health pass over all nodes.
func (c *Controller) monitor(ctx context.Context) {
	start := c.clock.Now()
	defer func() { updateAllNodesHealthDuration.Observe(c.clock.Since(start).Seconds()) }()
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		c.log.Error("list nodes", "err", err)
		return
	}
	seen := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		seen[n.Name] = true
		if _, ok := c.known[n.Name]; ok {
			c.ensureZone(zoneKey(n))
			continue
		}
		c.nodeEvent(n, corev1.EventTypeNormal, "RegisteredNode", fmt.Sprintf("Node %s event: Registered Node %s in Controller", n.Name, n.Name))
		c.known[n.Name] = n
		c.ensureZone(zoneKey(n))
		if err := c.markReachable(ctx, n); err != nil {
			c.log.Warn("remove NoExecute taints", "node", n.Name, "err", err)
		}
	}
	for name, n := range c.known {
		if seen[name] {
			continue
		}
		c.nodeEvent(n, corev1.EventTypeNormal, "RemovingNode", fmt.Sprintf("Node %s event: Removing Node %s from Controller", name, name))
		delete(c.known, name)
		c.setHealth(name, nil)
	}

	var mu sync.Mutex
	zoneReady := map[string][]*corev1.NodeCondition{}
	workqueue.ParallelizeUntil(ctx, monitorParallelism, len(nodes), func(i int) {
		ready, ok := c.updateNode(ctx, nodes[i])
		if !ok || hasLabel(nodes[i], excludeDisruptionLabel) {
			return
		}
		mu.Lock()
		zoneReady[zoneKey(nodes[i])] = append(zoneReady[zoneKey(nodes[i])], ready)
		mu.Unlock()
	})
	c.handleDisruption(ctx, zoneReady, nodes)
}

func hasLabel(n *corev1.Node, key string) bool {
	_, ok := n.Labels[key]
	return ok
}

// updateNode checks one node's health, writes Unknown conditions when its
// kubelet went silent, queues or lifts its NoExecute taint, and marks its
// pods not ready when it stops being ready. It returns the node's current
// Ready condition, and false if the node could not be handled this pass.
func (c *Controller) updateNode(ctx context.Context, node *corev1.Node) (*corev1.NodeCondition, bool) {
	start := c.clock.Now()
	defer func() { updateNodeHealthDuration.Observe(c.clock.Since(start).Seconds()) }()
	node = node.DeepCopy()
	var observed corev1.NodeCondition
	var current *corev1.NodeCondition
	var err error
	for attempt := 0; ; attempt++ {
		observed, current, err = c.updateHealth(ctx, node)
		if err == nil {
			break
		}
		if attempt+1 >= healthUpdateRetries || ctx.Err() != nil {
			c.log.Warn("update node health; no pods will be evicted this pass", "node", node.Name, "err", err)
			return nil, false
		}
		fresh, err := c.client.CoreV1().Nodes().Get(ctx, node.Name, metav1.GetOptions{})
		if err != nil {
			c.log.Warn("get node to retry its health update", "node", node.Name, "err", err)
			return nil, false
		}
		node = fresh
	}
	if current == nil {
		return nil, true
	}
	c.taintByReadiness(ctx, node, observed.Status)
	c.retryMu.Lock()
	retry := c.retry[node.Name]
	c.retryMu.Unlock()
	mark := false
	switch {
	case current.Status != corev1.ConditionTrue && observed.Status == corev1.ConditionTrue:
		c.nodeEvent(node, corev1.EventTypeNormal, "NodeNotReady", fmt.Sprintf("Node %s status is now: NodeNotReady", node.Name))
		mark = true
	case retry && observed.Status != corev1.ConditionTrue:
		mark = true
	}
	if mark {
		if err := c.markPodsNotReady(ctx, c.podsOnNode(node.Name), node.Name); err != nil {
			c.log.Warn("mark pods not ready; will retry", "node", node.Name, "err", err)
			c.retryMu.Lock()
			c.retry[node.Name] = true
			c.retryMu.Unlock()
			return current, true
		}
	}
	c.retryMu.Lock()
	delete(c.retry, node.Name)
	c.retryMu.Unlock()
	return current, true
}

// updateHealth records what node and its Lease show, and when the kubelet
// has been silent past the grace period writes its conditions Unknown. It
// returns the Ready condition as observed and as it now stands.
func (c *Controller) updateHealth(ctx context.Context, node *corev1.Node) (corev1.NodeCondition, *corev1.NodeCondition, error) {
	now := c.clock.Now()
	lease, _ := c.leases.Leases(corev1.NamespaceNodeLease).Get(node.Name)
	h := observe(c.getHealth(node.Name), node, lease, now)
	grace := c.cfg.GracePeriod
	var observed corev1.NodeCondition
	if ready := condition(&node.Status, corev1.NodeReady); ready != nil {
		observed = *ready
	} else {
		observed = corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionUnknown,
			LastHeartbeatTime: node.CreationTimestamp, LastTransitionTime: node.CreationTimestamp}
		grace = c.cfg.StartupGracePeriod
	}
	defer func() { c.setHealth(node.Name, h) }()
	if !now.After(h.probe.Add(grace)) {
		return observed, condition(&node.Status, corev1.NodeReady), nil
	}
	markUnknown(node, now)
	current := condition(&node.Status, corev1.NodeReady)
	if equality.Semantic.DeepEqual(current, &observed) {
		return observed, current, nil
	}
	if _, err := c.client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
		return observed, current, fmt.Errorf("update status of node %q: %w", node.Name, err)
	}
	h = &health{probe: h.probe, readyTransition: now, status: node.Status.DeepCopy(), lease: lease.DeepCopy()}
	return observed, current, nil
}

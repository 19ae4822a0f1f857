package nodelifecycle

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// taintByReadiness acts on the Ready status observed before this pass:
// a node not ready or unreachable is queued for its NoExecute taint (or
// has it swapped at once when it carries the other one); a ready node
// loses both.
func (c *Controller) taintByReadiness(ctx context.Context, node *corev1.Node, observed corev1.ConditionStatus) {
	var want, other corev1.Taint
	switch observed {
	case corev1.ConditionFalse:
		want, other = notReadyTaint, unreachableTaint
	case corev1.ConditionUnknown:
		want, other = unreachableTaint, notReadyTaint
	case corev1.ConditionTrue:
		if err := c.markReachable(ctx, node); err != nil {
			c.log.Warn("remove NoExecute taints; will retry", "node", node.Name, "err", err)
		}
		return
	default:
		return
	}
	if hasTaint(node.Spec.Taints, other) {
		if err := updateTaints(ctx, c.client, node.Name, []corev1.Taint{want}, []corev1.Taint{other}, c.clock.Now); err != nil {
			c.log.Warn("swap NoExecute taint; will retry", "node", node.Name, "err", err)
		}
		return
	}
	q := c.ensureZone(zoneKey(node))
	if !hasTaint(node.Spec.Taints, want) {
		q.remove(node.Name)
	}
	q.add(node.Name, string(node.UID), c.clock.Now())
}

// markReachable removes the not-ready and unreachable NoExecute taints
// and drops the node from its zone's queue.
func (c *Controller) markReachable(ctx context.Context, node *corev1.Node) error {
	if hasTaint(node.Spec.Taints, unreachableTaint) || hasTaint(node.Spec.Taints, notReadyTaint) {
		if err := updateTaints(ctx, c.client, node.Name, nil, []corev1.Taint{unreachableTaint, notReadyTaint}, c.clock.Now); err != nil {
			return err
		}
	}
	c.ensureZone(zoneKey(node)).remove(node.Name)
	return nil
}

// ensureZone returns zone's tainting queue, creating it (and the zone's
// Initial state) for a zone seen for the first time.
func (c *Controller) ensureZone(zone string) *timedQueue {
	c.zonesMu.Lock()
	defer c.zonesMu.Unlock()
	q, ok := c.tainters[zone]
	if !ok {
		q = newTimedQueue(c.cfg.EvictionQPS, c.clock.Now())
		c.tainters[zone] = q
		evictionsTotal.WithLabelValues(zone).Add(0)
	}
	return q
}

func (c *Controller) zoneQueues() map[string]*timedQueue {
	c.zonesMu.Lock()
	defer c.zonesMu.Unlock()
	out := make(map[string]*timedQueue, len(c.tainters))
	for k, v := range c.tainters {
		out[k] = v
	}
	return out
}

// taintingPass gives queued nodes their NoExecute taint, each zone at its
// own rate.
func (c *Controller) taintingPass(ctx context.Context) {
	now := c.clock.Now()
	for _, q := range c.zoneQueues() {
		q.try(now, func(v timedValue) (bool, time.Duration) {
			node, err := c.nodes.Get(v.name)
			if apierrors.IsNotFound(err) {
				return true, 0
			}
			if err != nil {
				return false, 50 * time.Millisecond
			}
			ready := condition(&node.Status, corev1.NodeReady)
			if ready == nil {
				return false, 50 * time.Millisecond
			}
			var add, remove corev1.Taint
			switch ready.Status {
			case corev1.ConditionFalse:
				add, remove = notReadyTaint, unreachableTaint
			case corev1.ConditionUnknown:
				add, remove = unreachableTaint, notReadyTaint
			default:
				return true, 0 // ready again
			}
			if err := updateTaints(ctx, c.client, v.name, []corev1.Taint{add}, []corev1.Taint{remove}, c.clock.Now); err != nil {
				c.log.Warn("add NoExecute taint; will retry", "node", v.name, "err", err)
				return false, 0
			}
			evictionsTotal.WithLabelValues(zoneKey(node)).Inc()
			return true, 0
		})
	}
}

// handleDisruption moves zones between states and sets their tainting
// rates accordingly.
func (c *Controller) handleDisruption(ctx context.Context, zoneReady map[string][]*corev1.NodeCondition, nodes []*corev1.Node) {
	for zone := range c.zoneStates {
		if _, ok := zoneReady[zone]; !ok {
			zoneSize.WithLabelValues(zone).Set(0)
			zoneHealth.WithLabelValues(zone).Set(100)
			unhealthyNodes.WithLabelValues(zone).Set(0)
		}
	}
	for zone, conds := range zoneReady {
		unhealthy, _ := computeZoneState(conds, c.cfg.UnhealthyZoneThreshold)
		zoneSize.WithLabelValues(zone).Set(float64(len(conds)))
		zoneHealth.WithLabelValues(zone).Set(float64(100*(len(conds)-unhealthy)) / float64(len(conds)))
		unhealthyNodes.WithLabelValues(zone).Set(float64(unhealthy))
	}
	next, what := nextZoneStates(c.zoneStates, zoneReady, c.cfg.UnhealthyZoneThreshold)
	now := c.clock.Now()
	switch what {
	case enterFullDisruption:
		c.log.Info("all nodes are not ready; stopping NoExecute tainting (control plane disruption mode)")
		for _, n := range nodes {
			if err := c.markReachable(ctx, n); err != nil {
				c.log.Warn("remove NoExecute taints", "node", n.Name, "err", err)
			}
		}
		for zone := range c.zoneStates {
			c.ensureZone(zone).setQPS(0, now)
			c.zoneStates[zone] = stateFullDisruption
		}
	case exitFullDisruption:
		c.log.Info("some nodes are ready again; leaving control plane disruption mode")
		for _, n := range nodes {
			if h := c.getHealth(n.Name); h != nil {
				h.probe, h.readyTransition = now, now
				c.setHealth(n.Name, h)
			}
		}
		for zone := range c.zoneStates {
			c.ensureZone(zone).setQPS(c.zoneQPS(next[zone], len(zoneReady[zone])), now)
			c.zoneStates[zone] = next[zone]
		}
	case zonesChanged:
		for zone, st := range c.zoneStates {
			if next[zone] == st {
				continue
			}
			c.log.Info("zone changed state", "zone", zone, "state", next[zone])
			c.ensureZone(zone).setQPS(c.zoneQPS(next[zone], len(zoneReady[zone])), now)
			c.zoneStates[zone] = next[zone]
		}
	}
}

// zoneQPS is the tainting rate for a zone of size nodes in state st.
func (c *Controller) zoneQPS(st zoneState, size int) float64 {
	if st == statePartialDisruption {
		if size > c.cfg.LargeClusterThreshold {
			return c.cfg.SecondaryEvictionQPS
		}
		return 0
	}
	return c.cfg.EvictionQPS
}

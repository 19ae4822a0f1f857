package hollow

import (
	"context"
	"fmt"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
)

// renewSlices is how many batches a lease interval is cut into: each tick
// renews one slice of the nodes, so the API server sees a steady rate
// rather than a burst per interval.
const renewSlices = 10

// heartbeats renews every active node's Lease once per LeaseInterval, a
// slice of the nodes per tick, and posts the status of those whose last
// post is StatusInterval old.
func (c *Cluster) heartbeats(ctx context.Context) {
	slices := renewSlices
	if c.cfg.LeaseInterval/time.Duration(slices) < 10*time.Millisecond {
		slices = 1
	}
	t := c.cfg.Clock.NewTicker(c.cfg.LeaseInterval / time.Duration(slices))
	defer t.Stop()
	for tick := 0; ; tick++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
			c.renewSlice(ctx, tick%slices, slices)
		}
	}
}

// renewSlice is one heartbeat pass over the active nodes whose index is
// slice modulo slices.
func (c *Cluster) renewSlice(ctx context.Context, slice, slices int) {
	var nodes []*node
	for _, n := range c.active() {
		if n.index%slices == slice {
			nodes = append(nodes, n)
		}
	}
	workqueue.ParallelizeUntil(ctx, c.cfg.Parallelism, len(nodes), func(i int) {
		n := nodes[i]
		if err := c.renewLease(ctx, n); err != nil && ctx.Err() == nil {
			c.log.Warn("lease renewal failed", "node", n.name, "err", err)
		}
		n.mu.Lock()
		due := c.cfg.Clock.Since(n.lastStatus) >= c.cfg.StatusInterval
		n.mu.Unlock()
		if due {
			if err := c.postStatus(ctx, n); err != nil && ctx.Err() == nil {
				c.log.Warn("status post failed", "node", n.name, "err", err)
			}
		}
	})
}

// renewLease sets the node's Lease renewTime to now, creating the Lease
// (owned by the Node, as upstream's kubelet does) when missing.
func (c *Cluster) renewLease(ctx context.Context, n *node) error {
	leases := c.cfg.Client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	n.mu.Lock()
	lease := n.lease.DeepCopy()
	uid := n.uid
	n.mu.Unlock()
	now := metav1.NewMicroTime(c.cfg.Clock.Now())
	if lease != nil {
		lease.Spec.RenewTime = &now
		updated, err := leases.Update(ctx, lease, metav1.UpdateOptions{})
		if err == nil {
			n.mu.Lock()
			n.lease = updated
			n.mu.Unlock()
			return nil
		}
		if !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
			return fmt.Errorf("renew lease %q: %w", n.name, err)
		}
	}
	// No cached copy, or a stale one: read the Lease, or create it.
	cur, err := leases.Get(ctx, n.name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		cur, err = leases.Create(ctx, n.newLease(uid, now), metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create lease %q: %w", n.name, err)
		}
	case err != nil:
		return fmt.Errorf("get lease %q: %w", n.name, err)
	default:
		cur.Spec.HolderIdentity = ptr.To(n.name)
		cur.Spec.LeaseDurationSeconds = ptr.To(int32(LeaseDurationSeconds))
		cur.Spec.RenewTime = &now
		if cur, err = leases.Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("renew lease %q: %w", n.name, err)
		}
	}
	n.mu.Lock()
	n.lease = cur
	n.mu.Unlock()
	return nil
}

func (n *node) newLease(uid types.UID, now metav1.MicroTime) *coordinationv1.Lease {
	l := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: n.name, Namespace: corev1.NamespaceNodeLease},
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity:       ptr.To(n.name),
			LeaseDurationSeconds: ptr.To(int32(LeaseDurationSeconds)),
			RenewTime:            &now,
		},
	}
	if uid != "" {
		l.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: n.name, UID: uid}}
	}
	return l
}

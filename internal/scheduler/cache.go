package scheduler

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/berth-dev/berth/internal/scheduler/framework"
)

// cache holds a NodeInfo per node built from the informers' nodes and
// assigned pods, plus the pods the loop assumed onto a node whose binding
// has not been observed yet. All methods are safe for concurrent use.
type cache struct {
	mu sync.Mutex
	// gen increases on every change; each node item records the gen of
	// its last change so a snapshot copies only changed nodes.
	gen   int64
	nodes map[string]*nodeItem
	pods  map[types.UID]*podState
}

type nodeItem struct {
	info *framework.NodeInfo
	gen  int64
}

type podState struct {
	pod *corev1.Pod
	// assumed: placed by the loop, binding not yet seen by the informer.
	assumed bool
}

func newCache() *cache {
	return &cache{nodes: map[string]*nodeItem{}, pods: map[types.UID]*podState{}}
}

// item returns the node's item, creating one without a node (pods may be
// seen before their node).
func (c *cache) itemLocked(name string) *nodeItem {
	it, ok := c.nodes[name]
	if !ok {
		it = &nodeItem{info: framework.NewNodeInfo()}
		c.nodes[name] = it
	}
	return it
}

func (c *cache) touchLocked(it *nodeItem) {
	c.gen++
	it.gen = c.gen
}

func (c *cache) addPodLocked(pod *corev1.Pod, assumed bool) {
	it := c.itemLocked(pod.Spec.NodeName)
	it.info.AddPod(pod)
	c.touchLocked(it)
	c.pods[pod.UID] = &podState{pod: pod, assumed: assumed}
}

func (c *cache) removePodLocked(pod *corev1.Pod) {
	delete(c.pods, pod.UID)
	it, ok := c.nodes[pod.Spec.NodeName]
	if !ok {
		return
	}
	it.info.RemovePod(pod)
	c.touchLocked(it)
	if it.info.Node() == nil && len(it.info.Pods) == 0 {
		delete(c.nodes, pod.Spec.NodeName)
	}
}

// AddNode adds or replaces a node.
func (c *cache) AddNode(node *corev1.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	it := c.itemLocked(node.Name)
	it.info.SetNode(node)
	c.touchLocked(it)
}

// RemoveNode forgets a node; its pods stay accounted until they are
// deleted themselves.
func (c *cache) RemoveNode(node *corev1.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	it, ok := c.nodes[node.Name]
	if !ok {
		return
	}
	if len(it.info.Pods) == 0 {
		delete(c.nodes, node.Name)
		c.gen++
		return
	}
	fresh := framework.NewNodeInfo()
	for _, pi := range it.info.Pods {
		fresh.AddPodInfo(pi)
	}
	it.info = fresh
	c.touchLocked(it)
}

// AddPod accounts a pod the informer saw bound. If the loop assumed it,
// the assumption is confirmed (and moved, should the pod have landed on
// another node).
func (c *cache) AddPod(pod *corev1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ps, ok := c.pods[pod.UID]; ok {
		c.removePodLocked(ps.pod)
	}
	c.addPodLocked(pod, false)
}

// UpdatePod replaces a bound pod.
func (c *cache) UpdatePod(_, newPod *corev1.Pod) { c.AddPod(newPod) }

// RemovePod forgets a bound pod.
func (c *cache) RemovePod(pod *corev1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ps, ok := c.pods[pod.UID]; ok {
		c.removePodLocked(ps.pod)
	}
}

// AssumePod accounts pod (with spec.nodeName set to the chosen node) before
// its binding is observed, so the next cycle sees it.
func (c *cache) AssumePod(pod *corev1.Pod) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.pods[pod.UID]; ok {
		return fmt.Errorf("assume pod %s/%s: already in the cache", pod.Namespace, pod.Name)
	}
	c.addPodLocked(pod, true)
	return nil
}

// ForgetPod drops an assumption, after a failed binding. A pod already
// confirmed by the informer is left alone.
func (c *cache) ForgetPod(pod *corev1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ps, ok := c.pods[pod.UID]; ok && ps.assumed {
		c.removePodLocked(ps.pod)
	}
}

// IsAssumed reports whether the pod is assumed and not yet confirmed.
func (c *cache) IsAssumed(uid types.UID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	ps, ok := c.pods[uid]
	return ok && ps.assumed
}

// Has reports whether the pod is in the cache, assumed or bound.
func (c *cache) Has(uid types.UID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.pods[uid]
	return ok
}

// snapshot is the loop's per-cycle copy of the cache. Update refreshes it,
// cloning only the nodes changed since the previous Update.
type snapshot struct {
	infos map[string]*nodeItem
	*framework.Snapshot
}

func newSnapshot() *snapshot {
	return &snapshot{infos: map[string]*nodeItem{}, Snapshot: framework.NewSnapshot()}
}

// UpdateSnapshot brings s up to date with the cache, cloning only nodes
// changed since s was last updated. Nodes whose object is not known (only
// pods seen) are left out.
func (c *cache) UpdateSnapshot(s *snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	changed := false
	for name := range s.infos {
		if it, ok := c.nodes[name]; !ok || it.info.Node() == nil {
			delete(s.infos, name)
			changed = true
		}
	}
	for name, it := range c.nodes {
		if it.info.Node() == nil {
			continue
		}
		if have, ok := s.infos[name]; ok && have.gen == it.gen {
			continue
		}
		s.infos[name] = &nodeItem{info: it.info.Clone(), gen: it.gen}
		changed = true
	}
	if !changed {
		return
	}
	list := make([]*framework.NodeInfo, 0, len(s.infos))
	for _, it := range s.infos {
		list = append(list, it.info)
	}
	slices.SortFunc(list, func(a, b *framework.NodeInfo) int { return strings.Compare(a.Node().Name, b.Node().Name) })
	// Image states count holders over all nodes, so any change redoes
	// them; the clones are the snapshot's own.
	framework.SetImageStates(list)
	s.Snapshot = framework.NewSnapshot(list...)
}

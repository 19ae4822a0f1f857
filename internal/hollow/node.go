package hollow

import (
	"context"
	"fmt"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"
	"k8s.io/client-go/util/workqueue"

	"github.com/berth-dev/berth/internal/controller/worker"
)

// Address plan: node i has InternalIP 10.0.0.0/10 + i + 1 and pod CIDR
// 10.64.0.0/10 split in /24s, the i-th of them.
const maxNodes = 1 << 14

// node is one simulated kubelet's state.
type node struct {
	index int
	name  string
	zone  string
	ip    netip.Addr
	cidr  netip.Prefix

	active atomic.Bool

	mu         sync.Mutex
	uid        types.UID
	lease      *coordinationv1.Lease
	lastStatus time.Time
	podIPs     map[types.UID]string // pod → IP handed out
	usedIPs    map[string]bool
	nextHost   int
}

func newNode(i int, cfg Config) *node {
	n := &node{
		index:   i,
		name:    fmt.Sprintf("%s%d", cfg.NamePrefix, i),
		zone:    cfg.Zones[i%len(cfg.Zones)],
		ip:      nodeIP(i),
		cidr:    podCIDR(i),
		podIPs:  map[types.UID]string{},
		usedIPs: map[string]bool{},
	}
	n.active.Store(true)
	return n
}

// nodeIP is node i's InternalIP.
func nodeIP(i int) netip.Addr {
	v := uint32(10)<<24 | uint32(i+1)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// podCIDR is node i's pod range, a /24.
func podCIDR(i int) netip.Prefix {
	v := uint32(10)<<24 | uint32(64)<<16 | uint32(i)<<8
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), 0}), 24)
}

// allocIP returns the pod's IP on n, handing out the next free address in
// the node's CIDR (.2 to .254) on first use.
func (n *node) allocIP(uid types.UID) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if ip, ok := n.podIPs[uid]; ok {
		return ip
	}
	base := n.cidr.Addr().As4()
	for range 253 {
		host := 2 + n.nextHost%253
		n.nextHost++
		ip := netip.AddrFrom4([4]byte{base[0], base[1], base[2], byte(host)}).String()
		if !n.usedIPs[ip] {
			n.usedIPs[ip] = true
			n.podIPs[uid] = ip
			return ip
		}
	}
	return "" // the /24 is full: the pod runs without an IP
}

func (n *node) releaseIP(uid types.UID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if ip, ok := n.podIPs[uid]; ok {
		delete(n.usedIPs, ip)
		delete(n.podIPs, uid)
	}
}

// object is the Node a hollow kubelet registers.
func (n *node) object(cfg Config, now time.Time) *corev1.Node {
	labels := map[string]string{
		corev1.LabelHostname:           n.name,
		corev1.LabelOSStable:           "linux",
		corev1.LabelArchStable:         runtime.GOARCH,
		corev1.LabelInstanceTypeStable: "hollow",
		corev1.LabelTopologyZone:       n.zone,
		corev1.LabelTopologyRegion:     cfg.Region,
	}
	for k, v := range cfg.Labels {
		labels[k] = v
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: n.name, Labels: labels},
		Spec: corev1.NodeSpec{
			PodCIDR:    n.cidr.String(),
			PodCIDRs:   []string{n.cidr.String()},
			ProviderID: "hollow://" + n.name,
			Taints:     append([]corev1.Taint(nil), cfg.Taints...),
		},
		Status: n.status(cfg, nil, now),
	}
}

// status is the NodeStatus the kubelet posts at now; old keeps transition
// times of conditions whose status did not change.
func (n *node) status(cfg Config, old *corev1.NodeStatus, now time.Time) corev1.NodeStatus {
	t := metav1.NewTime(now)
	conds := []corev1.NodeCondition{
		{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientMemory", Message: "kubelet has sufficient memory available"},
		{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasNoDiskPressure", Message: "kubelet has no disk pressure"},
		{Type: corev1.NodePIDPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientPID", Message: "kubelet has sufficient PID available"},
		{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "kubelet is posting ready status"},
	}
	for i := range conds {
		conds[i].LastHeartbeatTime = t
		conds[i].LastTransitionTime = t
		if old == nil {
			continue
		}
		for _, o := range old.Conditions {
			if o.Type == conds[i].Type && o.Status == conds[i].Status {
				conds[i].LastTransitionTime = o.LastTransitionTime
			}
		}
	}
	var out corev1.NodeStatus
	if old != nil {
		// Keep what others wrote (e.g. a NetworkUnavailable condition).
		for _, o := range old.Conditions {
			if !isKubeletCondition(o.Type) {
				conds = append(conds, o)
			}
		}
	}
	out.Conditions = conds
	out.Capacity = cfg.Capacity.DeepCopy()
	out.Allocatable = cfg.Capacity.DeepCopy()
	out.Phase = corev1.NodeRunning
	out.Addresses = []corev1.NodeAddress{
		{Type: corev1.NodeInternalIP, Address: n.ip.String()},
		{Type: corev1.NodeHostName, Address: n.name},
	}
	out.DaemonEndpoints = corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: 10250}}
	id := fmt.Sprintf("%032x", n.index+1)
	out.NodeInfo = corev1.NodeSystemInfo{
		MachineID:               id,
		SystemUUID:              id,
		BootID:                  id,
		KernelVersion:           "hollow",
		OSImage:                 "Hollow Node",
		ContainerRuntimeVersion: "hollow://1.0.0",
		KubeletVersion:          cfg.KubeletVersion,
		OperatingSystem:         "linux",
		Architecture:            runtime.GOARCH,
	}
	return out
}

func isKubeletCondition(t corev1.NodeConditionType) bool {
	switch t {
	case corev1.NodeReady, corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure:
		return true
	}
	return false
}

// register creates every node and its Lease, Parallelism at a time. A node
// that already exists is adopted and its status posted.
func (c *Cluster) register(ctx context.Context) error {
	nodes := c.active()
	errs := make([]error, len(nodes))
	workqueue.ParallelizeUntil(ctx, c.cfg.Parallelism, len(nodes), func(i int) {
		errs[i] = c.registerNode(ctx, nodes[i])
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *Cluster) registerNode(ctx context.Context, n *node) error {
	now := c.cfg.Clock.Now()
	created, err := c.cfg.Client.CoreV1().Nodes().Create(ctx, n.object(c.cfg, now), metav1.CreateOptions{})
	switch {
	case apierrors.IsAlreadyExists(err):
		if err := c.postStatus(ctx, n); err != nil {
			return err
		}
	case err != nil:
		return fmt.Errorf("hollow: register node %q: %w", n.name, err)
	default:
		n.mu.Lock()
		n.uid = created.UID
		n.lastStatus = now
		n.mu.Unlock()
		// An API server may drop status on create: post it if it did.
		if len(created.Status.Conditions) == 0 {
			if err := c.postStatus(ctx, n); err != nil {
				return err
			}
		}
	}
	return c.renewLease(ctx, n)
}

// postStatus writes the node's status with a fresh heartbeat.
func (c *Cluster) postStatus(ctx context.Context, n *node) error {
	nodes := c.cfg.Client.CoreV1().Nodes()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := nodes.Get(ctx, n.name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		now := c.cfg.Clock.Now()
		cur.Status = n.status(c.cfg, &cur.Status, now)
		if _, err := nodes.UpdateStatus(ctx, cur, metav1.UpdateOptions{}); err != nil {
			return err
		}
		n.mu.Lock()
		n.uid = cur.UID
		n.lastStatus = now
		n.mu.Unlock()
		return nil
	})
	if err != nil {
		return fmt.Errorf("hollow: post status of node %q: %w", n.name, err)
	}
	return nil
}

// nodeHandler queues active nodes whose kubelet conditions are not what
// their kubelet reports.
func (c *Cluster) nodeHandler() cache.ResourceEventHandler {
	consider := func(obj any) {
		nd, ok := obj.(*corev1.Node)
		if !ok {
			return
		}
		if n := c.nodes[nd.Name]; n != nil && n.active.Load() && !kubeletConditionsHealthy(nd) {
			c.statusQueue.Add(nd.Name)
		}
	}
	return cache.ResourceEventHandlerFuncs{AddFunc: consider, UpdateFunc: func(_, obj any) { consider(obj) }}
}

// kubeletConditionsHealthy reports whether node's kubelet conditions are
// all as a hollow kubelet posts them.
func kubeletConditionsHealthy(node *corev1.Node) bool {
	for _, c := range node.Status.Conditions {
		if !isKubeletCondition(c.Type) {
			continue
		}
		want := corev1.ConditionFalse
		if c.Type == corev1.NodeReady {
			want = corev1.ConditionTrue
		}
		if c.Status != want {
			return false
		}
	}
	return true
}

func (c *Cluster) syncNodeStatus(ctx context.Context, name string) (worker.Result, error) {
	n := c.nodes[name]
	if n == nil || !n.active.Load() {
		return worker.Result{}, nil
	}
	err := c.postStatus(ctx, n)
	if apierrors.IsNotFound(err) {
		return worker.Result{}, nil // deleted: a kubelet does not re-register
	}
	return worker.Result{}, err
}

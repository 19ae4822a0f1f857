package framework

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/kubernetes"
)

// MaxNodeScore and MinNodeScore bound the score a Score plugin gives a
// node after normalisation, before the weight is applied.
const (
	MaxNodeScore int64 = 100
	MinNodeScore int64 = 0
)

// Plugin is the one method every plugin has.
type Plugin interface {
	// Name is the plugin's unique name, the key it is registered under.
	Name() string
}

// PreFilterResult narrows the nodes the Filter plugins are run on.
type PreFilterResult struct {
	// NodeNames are the only nodes that may fit; nil means all nodes.
	NodeNames sets.Set[string]
}

// AllNodes reports whether r does not narrow the nodes.
func (r *PreFilterResult) AllNodes() bool {
	return r == nil || r.NodeNames == nil
}

// Merge intersects two results; nil (all nodes) is the identity.
func (r *PreFilterResult) Merge(o *PreFilterResult) *PreFilterResult {
	if r.AllNodes() && o.AllNodes() {
		return nil
	}
	if r.AllNodes() {
		return o
	}
	if o.AllNodes() {
		return r
	}
	return &PreFilterResult{NodeNames: r.NodeNames.Intersection(o.NodeNames)}
}

// PreFilterPlugin runs once per scheduling cycle before any Filter. It
// usually computes data about the pod for its Filter and stores it in the
// CycleState.
type PreFilterPlugin interface {
	Plugin
	// PreFilter returns Success, Skip (the plugin's Filter is not called for
	// this pod), a rejection (the pod fits no node), or Error. A non-nil
	// result narrows the nodes to filter. nodes are all nodes of the
	// snapshot; PreFilter must not change them.
	PreFilter(ctx context.Context, state *CycleState, pod *corev1.Pod, nodes []*NodeInfo) (*PreFilterResult, *Status)
	// PreFilterExtensions returns the hooks preemption uses to update the
	// plugin's cycle state as victims are removed, or nil.
	PreFilterExtensions() PreFilterExtensions
}

// PreFilterExtensions keep a PreFilter plugin's cycle state in step when
// preemption adds or removes pods on a node in a what-if CycleState.
type PreFilterExtensions interface {
	AddPod(ctx context.Context, state *CycleState, podToSchedule *corev1.Pod, podToAdd *PodInfo, nodeInfo *NodeInfo) *Status
	RemovePod(ctx context.Context, state *CycleState, podToSchedule *corev1.Pod, podToRemove *PodInfo, nodeInfo *NodeInfo) *Status
}

// FilterPlugin decides whether pod can run on one node. It is called
// concurrently for many nodes and must only read shared data.
type FilterPlugin interface {
	Plugin
	// Filter returns Success when pod fits nodeInfo, Unschedulable or
	// UnschedulableAndUnresolvable with reasons when it does not, Error when
	// the plugin failed.
	Filter(ctx context.Context, state *CycleState, pod *corev1.Pod, nodeInfo *NodeInfo) *Status
}

// NodeToStatus maps a node name to the status that rejected it.
type NodeToStatus map[string]*Status

// PostFilterResult is what a PostFilter plugin (preemption) proposes.
type PostFilterResult struct {
	// NominatedNodeName is the node the pod should wait for, if any.
	NominatedNodeName string
}

// PostFilterPlugin runs when no node passed the filters, to make room
// (preemption) or record why.
type PostFilterPlugin interface {
	Plugin
	// PostFilter returns Success with a result when it made the pod
	// schedulable, Unschedulable when it could not, Error when it failed.
	PostFilter(ctx context.Context, state *CycleState, pod *corev1.Pod, filtered NodeToStatus) (*PostFilterResult, *Status)
}

// PreScorePlugin runs once per cycle with the feasible nodes, before
// scoring.
type PreScorePlugin interface {
	Plugin
	// PreScore returns Success, Skip (the plugin's Score is not called) or
	// Error.
	PreScore(ctx context.Context, state *CycleState, pod *corev1.Pod, nodes []*NodeInfo) *Status
}

// ScorePlugin ranks the feasible nodes. Score is called concurrently for
// many nodes.
type ScorePlugin interface {
	Plugin
	// Score returns the node's raw score. Unless ScoreExtensions normalises
	// it, it must be in [MinNodeScore, MaxNodeScore].
	Score(ctx context.Context, state *CycleState, pod *corev1.Pod, nodeInfo *NodeInfo) (int64, *Status)
	// ScoreExtensions returns the normaliser, or nil.
	ScoreExtensions() ScoreExtensions
}

// NodeScore is one node's score.
type NodeScore struct {
	Name  string
	Score int64
}

// ScoreExtensions normalises the raw scores of one plugin.
type ScoreExtensions interface {
	// NormalizeScore rewrites scores in place into [MinNodeScore,
	// MaxNodeScore]. It is called once per cycle after all Score calls.
	NormalizeScore(ctx context.Context, state *CycleState, pod *corev1.Pod, scores []NodeScore) *Status
}

// ReservePlugin is told when a node has been chosen (Reserve) and when the
// choice is abandoned later in the cycle (Unreserve), so that it can keep
// its own accounting.
type ReservePlugin interface {
	Plugin
	// Reserve returns Success or a status that fails the cycle.
	Reserve(ctx context.Context, state *CycleState, pod *corev1.Pod, nodeName string) *Status
	// Unreserve undoes Reserve. It must be idempotent and may be called
	// even if this plugin's Reserve was not.
	Unreserve(ctx context.Context, state *CycleState, pod *corev1.Pod, nodeName string)
}

// PermitPlugin may hold a pod after Reserve.
type PermitPlugin interface {
	Plugin
	// Permit returns Success, a rejection, or Wait with the longest time to
	// wait. (Waiting pods are not implemented by the runtime yet: Wait is
	// returned to the caller.)
	Permit(ctx context.Context, state *CycleState, pod *corev1.Pod, nodeName string) (*Status, time.Duration)
}

// PreBindPlugin runs before binding (for example to provision volumes).
type PreBindPlugin interface {
	Plugin
	PreBind(ctx context.Context, state *CycleState, pod *corev1.Pod, nodeName string) *Status
}

// BindPlugin binds pod to nodeName. The runtime calls Bind plugins in order
// until one does not return Skip.
type BindPlugin interface {
	Plugin
	Bind(ctx context.Context, state *CycleState, pod *corev1.Pod, nodeName string) *Status
}

// PostBindPlugin is informed after a successful bind.
type PostBindPlugin interface {
	Plugin
	PostBind(ctx context.Context, state *CycleState, pod *corev1.Pod, nodeName string)
}

// NodeInfoLister reads the snapshot of the current cycle.
type NodeInfoLister interface {
	// List returns all nodes.
	List() ([]*NodeInfo, error)
	// Get returns the named node or an error if it is not in the snapshot.
	Get(name string) (*NodeInfo, error)
}

// Handle is what the runtime gives plugin factories.
type Handle interface {
	// SnapshotSharedLister gives the snapshot of the current cycle; valid
	// only during a cycle.
	SnapshotSharedLister() NodeInfoLister
	// ClientSet is the API client; nil in unit tests that do not bind.
	ClientSet() kubernetes.Interface
}

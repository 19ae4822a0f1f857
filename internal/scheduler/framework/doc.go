// Package framework is berth's scheduling framework: the extension-point
// interfaces scheduler plugins implement, the values they exchange (Status,
// NodeInfo, CycleState), and the runtime (Framework) that runs the enabled
// plugins of one profile in order.
//
// The behaviour follows kube-scheduler's framework: filters reject nodes
// with a Status whose Code says whether the rejection is final
// (UnschedulableAndUnresolvable), may be resolved by preemption
// (Unschedulable) or is a failure of the plugin itself (Error); scores are
// normalised to [0, MaxNodeScore] and multiplied by the plugin's weight.
//
// Nothing here talks to the API server; a scheduling loop feeds the runtime
// with a snapshot of NodeInfos and binds through the Bind plugins.
package framework

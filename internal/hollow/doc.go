// Package hollow simulates many kubelets in one process for tests and
// scale runs: each hollow node registers a Node, keeps its Lease in
// kube-node-lease renewed, posts its status, and "runs" the pods bound to
// it by writing the status a kubelet would (Running, Ready, a pod IP),
// without running any container. Pods being deleted are confirmed at once,
// as a kubelet does once their containers stopped.
//
// One process holds thousands of nodes: all nodes share one pod informer
// (pods with a spec.nodeName) and one worker queue, and lease renewals run
// as one batched pass per interval rather than a goroutine per node.
package hollow

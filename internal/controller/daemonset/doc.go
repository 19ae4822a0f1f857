// Package daemonset runs DaemonSets as upstream's daemonset controller
// does: one pod per node the pod template fits (nodeSelector, required
// node affinity, and taints against the template's tolerations plus the
// ones upstream adds to every daemon pod), pinned to its node by a
// required node affinity on metadata.name for the scheduler to honour;
// failed pods deleted with a per-node backoff; rolling updates bounded by
// maxUnavailable or maxSurge, or OnDelete; ControllerRevisions of the
// template, and the controller-revision-hash and pod-template-generation
// pod labels.
package daemonset

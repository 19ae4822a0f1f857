// Package podgc force-deletes pods nothing else will clean up, as
// upstream's pod garbage collector: finished pods beyond a threshold
// (oldest first), pods bound to nodes that are gone (checked against the
// API after a quarantine, so a node just created is not mistaken for a
// deleted one), terminating pods on not-ready nodes tainted out-of-service,
// and terminating pods never bound to a node. Pods not yet finished are
// marked Failed first, orphans with a DisruptionTarget condition saying
// why.
package podgc

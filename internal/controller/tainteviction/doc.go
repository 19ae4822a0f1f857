// Package tainteviction deletes pods from nodes with NoExecute taints they
// do not tolerate, as upstream's taint-eviction controller: at once for an
// untolerated taint, after the shortest tolerationSeconds of the
// tolerations in use otherwise, never when those tolerate forever. A
// scheduled deletion is cancelled when the taints go away. Before deleting
// a pod it records why, as a DisruptionTarget condition and a
// TaintManagerEviction event.
package tainteviction

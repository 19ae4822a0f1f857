// Package tainttoleration is the TaintToleration plugin: it rejects nodes
// with a NoSchedule or NoExecute taint the pod does not tolerate, and
// prefers nodes with fewer untolerated PreferNoSchedule taints.
package tainttoleration

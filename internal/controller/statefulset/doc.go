// Package statefulset runs StatefulSets as upstream's statefulset
// controller does: pods named "<set>-<ordinal>" with a stable hostname
// under the set's service, a PersistentVolumeClaim per volumeClaimTemplate
// and ordinal created before the pod, ordered (OrderedReady) or parallel
// creation and deletion, rolling updates from the highest ordinal down to
// the partition (or OnDelete), ControllerRevisions for the current and
// update templates, and the claim retention policy expressed as owner
// references for the garbage collector.
package statefulset

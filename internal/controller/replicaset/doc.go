// Package replicaset keeps the number of pods of each ReplicaSet (apps/v1)
// and ReplicationController (core/v1) equal to its spec.replicas.
//
// Both kinds run the same reconcile: a ReplicationController is converted
// to a ReplicaSet on the way in (its map selector becomes matchLabels) and
// its status converted back on the way out, as upstream does. The
// controller creates missing pods in slow-start batches (1, 2, 4, … at
// most 500 per sync), deletes surplus pods in upstream's order (least
// established first), adopts orphans matching the selector and releases
// owned pods that stopped matching, and reports replicas,
// fullyLabeledReplicas, readyReplicas, availableReplicas (honouring
// minReadySeconds), terminatingReplicas and a ReplicaFailure condition when
// pods cannot be created or deleted. Expectations keep a slow watch from
// causing over-creation: while creations or deletions the controller issued
// are not yet seen by its informer, it does not act again.
package replicaset

// Package deployment rolls Deployments out through ReplicaSets, as
// upstream's deployment controller: one ReplicaSet per pod template, named
// "<deployment>-<pod-template-hash>", the RollingUpdate strategy (bounded
// by maxSurge and maxUnavailable) and the Recreate strategy (old pods gone
// before new ones start), proportional scaling of a rollout in flight,
// pause and resume, revision annotations and history cleanup, and the
// Progressing and Available conditions that `kubectl rollout status`
// reads, including progressDeadlineSeconds. Rollbacks are done by kubectl
// (it copies an old ReplicaSet's template into the Deployment); the
// controller sees them as any template change that matches an existing
// ReplicaSet.
package deployment

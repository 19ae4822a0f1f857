// Package apps holds the defaulting and validation rules of the apps/v1
// group (Deployment, ReplicaSet, StatefulSet, DaemonSet, ControllerRevision),
// matching upstream Kubernetes field paths and messages.
//
// Kinds that embed a pod template take the core pod template rules through
// Rules, so this package does not depend on the core registry package.
package apps

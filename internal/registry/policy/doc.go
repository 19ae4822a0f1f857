// Package policy holds the validation rules of the policy/v1 group
// (PodDisruptionBudget), matching upstream Kubernetes field paths and
// messages.
package policy

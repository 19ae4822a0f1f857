// Package coordination holds the validation rules of the
// coordination.k8s.io/v1 group (Lease), matching upstream Kubernetes field
// paths and messages.
package coordination

// Package networking holds the defaulting and validation rules of the
// networking.k8s.io/v1 group (Ingress, IngressClass, NetworkPolicy),
// matching upstream Kubernetes field paths and messages.
package networking

// Package discovery holds the defaulting and validation rules of the
// discovery.k8s.io/v1 group (EndpointSlice), matching upstream Kubernetes
// field paths and messages.
package discovery

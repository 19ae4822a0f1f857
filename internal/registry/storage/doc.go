// Package storage holds the defaulting and validation rules of the
// storage.k8s.io/v1 group (StorageClass), matching upstream Kubernetes
// field paths and messages.
package storage

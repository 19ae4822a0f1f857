// Package core holds the defaulting and validation rules for the core ("")
// API group: Pods, Services, Namespaces, ConfigMaps, Secrets, Nodes and the
// rest of k8s.io/api/core/v1.
//
// Every kind K exposes plain functions: DefaultK fills unset fields with
// upstream Kubernetes' defaults (idempotently), ValidateK checks a new object,
// ValidateKUpdate checks a replacement, and ValidateKStatusUpdate checks a
// write through the status subresource where K has one. Field paths, error
// types and messages follow upstream so clients see the same 422 responses.
// The registry adapts these functions to its Strategy; this package never
// imports the registry.
//
// DefaultPodTemplateSpec, ValidatePodTemplateSpec and ValidatePodSpec are
// shared with the apps and batch groups.
package core

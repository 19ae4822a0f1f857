// Package apiserver is berth's Kubernetes API server: HTTP routing,
// authentication, content negotiation (JSON, YAML, protobuf, Table,
// PartialObjectMetadata), the REST verbs over the registry, watch
// streaming, discovery, OpenAPI, health and metrics.
//
// Errors from the layers below are turned into metav1.Status bodies in
// exactly one place (writeError).
package apiserver

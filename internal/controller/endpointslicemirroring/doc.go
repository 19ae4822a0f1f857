// Package endpointslicemirroring is the EndpointSlice mirroring
// controller: for a Service without a selector whose Endpoints object was
// written by a user, it mirrors that Endpoints object into EndpointSlices
// (labelled endpointslice.kubernetes.io/managed-by=
// endpointslicemirroring-controller.k8s.io and owned by the Endpoints),
// one slice per address family and set of ports, at most
// MaxEndpointsPerSubset addresses each. Endpoints labelled
// endpointslice.kubernetes.io/skip-mirror=true (the API server's own
// "kubernetes" Endpoints) and leader-election records are not mirrored.
package endpointslicemirroring

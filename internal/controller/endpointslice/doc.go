// Package endpointslice is the EndpointSlice controller: for every Service
// with a selector it keeps EndpointSlices (labelled
// endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io
// and owned by the Service) listing the selected pods, one endpoint per
// pod with ready/serving/terminating conditions, node, zone and target
// reference, grouped by the set of ports the pod resolves and by address
// family, at most MaxEndpointsPerSlice per slice.
//
// Its reconciler follows upstream's, which keeps churn low: endpoints stay
// in the slice they are in, changed slices are filled up before new ones
// are made, a slice that would be deleted is reused instead of creating a
// new one, and a Service with no endpoints keeps one empty placeholder
// slice.
package endpointslice

// Package endpoints is the Endpoints controller: for every Service with a
// selector it keeps an Endpoints object of the same name listing the
// selected pods' addresses (ready ones in addresses, the others in
// notReadyAddresses) and their resolved ports, packed into subsets as
// upstream Kubernetes packs them, capped at 1000 addresses. The Endpoints
// carry the Service's labels, service.kubernetes.io/headless for headless
// Services and endpoints.kubernetes.io/managed-by=endpoint-controller. It
// deletes the Endpoints of Services that no longer exist (including, once
// at start, those left behind while it was not running).
//
// It also exports the pod helpers the EndpointSlice controllers share:
// which pods belong in endpoints, how service ports resolve on a pod, and
// the last-change-trigger-time tracker.
package endpoints

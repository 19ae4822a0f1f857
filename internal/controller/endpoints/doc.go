// Package endpoints is the Endpoints controller: for every Service with a
// selector it keeps an Endpoints object of the same name listing the
// selected pods' addresses (ready ones in addresses, the others in
// notReadyAddresses) and their resolved ports, packed into subsets as
// upstream Kubernetes packs them, capped at 1000 addresses. It deletes the
// Endpoints of Services that no longer exist.
//
// It also exports the pod helpers the EndpointSlice controllers share:
// which pods belong in endpoints, how service ports resolve on a pod, and
// the last-change-trigger-time tracker.
package endpoints

// Package integration runs the whole API server in-process on a real
// embedded etcd and drives it with client-go, as third-party controllers do.
package integration

// Package pki creates and loads berth's cluster public-key infrastructure:
// the cluster certificate authority, the API server's serving certificate,
// client certificates for components and users, the service-account signing
// key pair, and kubeconfig files that carry those credentials to kubectl and
// client-go.
//
// Only the standard library's crypto packages are used. New keys are ECDSA
// P-256; keys loaded from disk may also be RSA. Private keys are written in
// PKCS #8 PEM with mode 0600, and every file is written atomically (a
// temporary file in the same directory, then rename), so a crash never leaves
// a half-written certificate or key behind.
package pki

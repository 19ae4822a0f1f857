// Package api holds berth's runtime.Scheme: every API group berth serves,
// registered from k8s.io/api, plus the codecs built on it.
package api

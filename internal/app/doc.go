// Package app is the only package that imports every component: it builds
// and starts them for `berth server` (and for tests that want a whole
// server in-process).
package app

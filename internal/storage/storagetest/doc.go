// Package storagetest is the conformance suite every storage.Store
// implementation runs: one test body, many backends.
package storagetest

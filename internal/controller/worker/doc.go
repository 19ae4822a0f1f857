// Package worker is the loop every controller runs: a rate-limited
// workqueue of keys drained by N goroutines calling a level-based
// reconcile function, with failures retried under exponential backoff.
package worker

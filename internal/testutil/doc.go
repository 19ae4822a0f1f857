// Package testutil starts whole berth servers in-process for integration
// tests and benchmarks, and builds the clients that talk to them.
package testutil

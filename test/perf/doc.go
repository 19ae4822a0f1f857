// Package perf holds the benchmarks behind docs/benchmarks.md: API server
// start-up, memory, write throughput, list latency and watch fan-out, each
// against a real server on embedded etcd with fsync on.
package perf

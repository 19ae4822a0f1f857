// Package e2e drives a real `berth server` process with the real kubectl
// binaries, as users do: the stock /usr/bin/kubectl, every versioned
// kubectl.1.NN found next to it (version skew), and `berth kubectl`.
// TestMain builds the berth binary once; each test starts its own server
// on a temp data dir and a free loopback port and stops it with SIGTERM.
package e2e

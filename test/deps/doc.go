// Package deps guards the boundaries between berth's packages: a test
// fails when a package imports across a line the design forbids.
package deps

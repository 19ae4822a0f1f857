// Package expectations records the creations and deletions a controller
// has asked for but not yet seen in its informer cache, so a slow watch
// never makes it create or delete twice.
package expectations

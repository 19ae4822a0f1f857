// Package defaultbinder is the DefaultBinder plugin: it binds a pod by
// creating its binding subresource through the API.
package defaultbinder

// Package events holds the validation rules of the events.k8s.io/v1 group
// (Event). Field paths follow upstream, which names some fields by their
// core/v1 names (involvedObject, message, source).
package events

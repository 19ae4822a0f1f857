// Package scheduling holds the defaulting and validation rules of the
// scheduling.k8s.io/v1 group (PriorityClass) and the two built-in system
// priority classes.
package scheduling

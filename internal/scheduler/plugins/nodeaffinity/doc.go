// Package nodeaffinity is the NodeAffinity plugin: it keeps the nodes that
// match the pod's nodeSelector and required node affinity, and scores
// nodes by the weights of the preferred node affinity terms they match.
package nodeaffinity

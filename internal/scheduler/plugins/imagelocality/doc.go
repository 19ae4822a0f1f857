// Package imagelocality is the ImageLocality score: it prefers nodes that
// already hold the pod's container images, weighting each image by its
// size and by how widely it is spread (so that one node holding a rare
// image does not attract every pod).
package imagelocality

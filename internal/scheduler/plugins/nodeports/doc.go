// Package nodeports is the NodePorts filter: a pod asking for host ports
// fits only nodes where those ports are free.
package nodeports

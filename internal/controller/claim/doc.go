// Package claim decides which objects a controller owns: it adopts
// orphans its selector matches and releases owned objects it no longer
// matches, by patching their controller ownerReference, as upstream's
// ControllerRefManager does.
package claim

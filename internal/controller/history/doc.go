// Package history keeps the ControllerRevisions that StatefulSets and
// DaemonSets record for each pod template they have run, as upstream's
// controller history does: a revision stores a strategic merge patch that
// replaces spec.template, its name is "<owner>-<hash>" where the hash is
// an FNV-32 hash of that patch (and of the owner's collisionCount once
// names have collided), and its Revision number orders the history.
package history

// Package ttlafterfinished deletes finished Jobs (condition Complete or
// Failed) spec.ttlSecondsAfterFinished seconds after they finished, as
// kube-controller-manager's ttl-after-finished controller: it re-reads
// the Job from the API server before deleting it, deletes in the
// foreground with a precondition on the Job's UID, and looks at a Job
// again exactly when its time-to-live expires.
package ttlafterfinished

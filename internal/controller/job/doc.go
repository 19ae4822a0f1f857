// Package job runs Jobs to completion, as kube-controller-manager's job
// controller does: it creates pods up to spec.parallelism until
// spec.completions succeed (NonIndexed) or every completion index has a
// succeeded pod (Indexed), recreates failed pods after an exponential
// back-off, applies spec.podFailurePolicy, spec.successPolicy,
// backoffLimit, backoffLimitPerIndex and activeDeadlineSeconds, deletes the
// pods of suspended Jobs, and counts finished pods exactly once by holding
// the batch.kubernetes.io/job-tracking finalizer on them until their
// outcome is recorded in status (through status.uncountedTerminatedPods).
//
// Terminal conditions follow upstream's two-step order: FailureTarget or
// SuccessCriteriaMet is written first, and Failed or Complete only once no
// pod of the Job is still terminating.
package job

// Package printers renders berth's objects as the rows of server-side
// Tables (Accept: application/json;as=Table;v=v1;g=meta.k8s.io), the format
// kubectl get asks for.
//
// Every printer reproduces the columns (name, type, format, description and
// priority) and the cell values that upstream Kubernetes prints for the same
// kind, so that kubectl output against berth reads exactly as it does against
// a Kubernetes API server. Like the upstream API server, a Row always carries
// the wide (priority 1) cells too; kubectl hides them unless -o wide is
// given.
//
// Kinds without a dedicated upstream printer (LimitRange, Role, ClusterRole,
// and anything not listed by ForKinds) use Default, upstream's fallback table
// of "Name" and "Created At".
//
// Printers are pure functions of the object and of the time passed in as now,
// which is what ages and durations are measured against; they are safe for
// concurrent use.
package printers

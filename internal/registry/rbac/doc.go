// Package rbac holds the defaulting and validation rules of the
// rbac.authorization.k8s.io/v1 group (Role, ClusterRole, RoleBinding,
// ClusterRoleBinding), matching upstream Kubernetes field paths and
// messages.
package rbac

package apiserver

import (
	"net/http"
	"strings"
)

// requestInfo is what a resource URL says.
type requestInfo struct {
	// Verb is the Kubernetes verb: get, list, watch, create, update, patch,
	// delete, deletecollection.
	Verb                  string
	Group, Version        string
	Namespace             string
	Resource, Subresource string
	Name                  string
	// LegacyWatch: the path started with /watch/ (deprecated form).
	LegacyWatch bool
}

// parseResourcePath splits /api/v1/... and /apis/<group>/<version>/...
// into a requestInfo. ok is false for paths that name no resource (the
// discovery documents).
func parseResourcePath(r *http.Request) (requestInfo, bool) {
	parts := splitPath(r.URL.Path)
	var info requestInfo
	for _, p := range parts {
		if p == "" {
			return info, false // "//" never names a resource
		}
	}
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		info.Version = parts[1]
		parts = parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		info.Group, info.Version = parts[1], parts[2]
		parts = parts[3:]
	default:
		return info, false
	}
	if parts[0] == "watch" {
		info.LegacyWatch = true
		parts = parts[1:]
		if len(parts) == 0 {
			return info, false
		}
	}
	// /namespaces/{ns}/{resource}/... is namespaced; /namespaces and
	// /namespaces/{name}[/{sub}] are the namespace resource itself.
	if parts[0] == "namespaces" && len(parts) >= 3 && !isNamespaceSubresource(parts) {
		info.Namespace = parts[1]
		parts = parts[2:]
	}
	info.Resource = parts[0]
	if len(parts) > 1 {
		info.Name = parts[1]
	}
	if len(parts) > 2 {
		info.Subresource = parts[2]
	}
	if len(parts) > 3 {
		return info, false
	}
	info.Verb = verbFor(r, info)
	return info, true
}

// isNamespaceSubresource: /namespaces/{name}/status and /finalize address the
// namespace object, not a resource inside it.
func isNamespaceSubresource(parts []string) bool {
	return len(parts) == 3 && (parts[2] == "status" || parts[2] == "finalize")
}

func verbFor(r *http.Request, info requestInfo) string {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if info.LegacyWatch {
			return "watch"
		}
		if info.Name == "" {
			if w := r.URL.Query().Get("watch"); w == "true" || w == "1" {
				return "watch"
			}
			return "list"
		}
		return "get"
	case http.MethodPost:
		return "create"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		if info.Name == "" {
			return "deletecollection"
		}
		return "delete"
	}
	return strings.ToLower(r.Method)
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

package openapi

import (
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// defName returns the definition name of a named Go type the way the
// upstream generator spells it: the package path with its host reversed,
// slashes turned into dots, then the type name. k8s.io/api/core/v1.Pod
// becomes io.k8s.api.core.v1.Pod.
func defName(t reflect.Type) string {
	pkg := t.PkgPath()
	host, rest, _ := strings.Cut(pkg, "/")
	parts := strings.Split(host, ".")
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	name := strings.Join(parts, ".")
	if rest != "" {
		name += "." + strings.ReplaceAll(rest, "/", ".")
	}
	return name + "." + t.Name()
}

// opPrefix returns the group-version part of operation ids: "CoreV1",
// "AppsV1", "RbacAuthorizationV1", "NetworkingV1".
func opPrefix(gv schema.GroupVersion) string {
	return groupWords(gv.Group, true) + upperFirst(gv.Version)
}

// tag returns the operation tag of a group version: "core_v1", "apps_v1",
// "rbacAuthorization_v1".
func tag(gv schema.GroupVersion) string {
	return groupWords(gv.Group, false) + "_" + gv.Version
}

func groupWords(group string, upper bool) string {
	if group == "" {
		group = "core"
	}
	group = strings.TrimSuffix(group, ".k8s.io")
	var b strings.Builder
	for i, w := range strings.Split(group, ".") {
		if i == 0 && !upper {
			b.WriteString(w)
			continue
		}
		b.WriteString(upperFirst(w))
	}
	return b.String()
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// gvPath returns the URL prefix of a group version: "/api/v1" or
// "/apis/apps/v1".
func gvPath(gv schema.GroupVersion) string {
	if gv.Group == "" {
		return "/api/" + gv.Version
	}
	return "/apis/" + gv.Group + "/" + gv.Version
}

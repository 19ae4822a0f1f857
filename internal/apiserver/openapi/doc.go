// Package openapi builds and serves the OpenAPI v2 (/openapi/v2) and v3
// (/openapi/v3, /openapi/v3/<group path>) documents of berth's API server.
//
// Schemas are derived by reflection from the Go types in k8s.io/api and
// k8s.io/apimachinery: json tags give property names and required fields,
// SwaggerDoc methods give descriptions, patch struct tags give the
// strategic-merge-patch extensions, and types with OpenAPISchemaType methods
// (Quantity, IntOrString, Time, ...) are represented as the upstream
// generator represents them. Definition names, paths, operation ids,
// parameters and x-kubernetes-* extensions follow the shapes of the
// kube-apiserver documents, so that the stock kubectl (explain, apply, diff,
// edit) works against berth.
//
// What reflection cannot see, and how it is approximated:
//   - +optional markers: a field is required when its json tag lacks
//     omitempty, which is what the upstream generator does for nearly all
//     fields.
//   - +listType / +listMapKey / +structType / +mapType markers: list types
//     are derived from the patch strategy (merge with a key gives a map list
//     keyed by it, merge without a key gives a set, anything else is atomic),
//     the same inference structured-merge-diff makes; the known cases where
//     the markers say otherwise are listed in overrides.go.
//   - +enum markers and doc comments of types without SwaggerDoc: enums are
//     not emitted; the few special types carry short descriptions of ours.
package openapi

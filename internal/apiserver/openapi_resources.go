package apiserver

import (
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/apiserver/openapi"
	"github.com/berth-dev/berth/internal/registry"
)

func apiScheme() *runtime.Scheme { return api.Scheme }

// openapiResource describes a table entry for the OpenAPI documents.
func openapiResource(r *registry.Resource) openapi.Resource {
	out := openapi.Resource{
		GVK: r.GVK(), ListGVK: r.GroupVersion().WithKind(r.Kind + "List"), Resource: r.Resource,
		Namespaced: r.Namespaced, Verbs: verbsOf(r), Object: r.New(), List: r.NewList(),
	}
	for _, sub := range r.Subresources {
		si := subresourceDiscovery(sub)
		k := si.gvk
		if k.Empty() {
			k = r.GVK()
		}
		out.Subresources = append(out.Subresources, openapi.Subresource{Name: sub, Kind: k, Verbs: si.verbs})
	}
	return out
}

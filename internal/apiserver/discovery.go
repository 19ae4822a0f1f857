package apiserver

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/berth-dev/berth/internal/registry"
)

// discovery holds the precomputed discovery documents.
type discovery struct {
	legacy map[string][]byte // path → legacy JSON document
	// aggregated documents for /api and /apis, per apidiscovery version.
	aggregated map[string]map[string][]byte
	etags      map[string]string
}

const aggregatedAs = "APIGroupDiscoveryList"

// subresourceInfo says what a subresource accepts and returns.
type subresourceInfo struct {
	gvk   schema.GroupVersionKind // zero: the parent's kind
	verbs []string
}

func subresourceDiscovery(name string) subresourceInfo {
	switch name {
	case registry.SubStatus:
		return subresourceInfo{verbs: []string{"get", "patch", "update"}}
	case registry.SubScale:
		return subresourceInfo{gvk: scaleGVK, verbs: []string{"get", "patch", "update"}}
	case registry.SubBinding:
		return subresourceInfo{gvk: schema.GroupVersionKind{Version: "v1", Kind: "Binding"}, verbs: []string{"create"}}
	case registry.SubEviction:
		return subresourceInfo{gvk: schema.GroupVersionKind{Group: "policy", Version: "v1", Kind: "Eviction"}, verbs: []string{"create"}}
	case registry.SubFinalize:
		return subresourceInfo{verbs: []string{"update"}}
	}
	return subresourceInfo{}
}

func verbsOf(r *registry.Resource) []string {
	if r.Verbs != nil {
		return r.Verbs
	}
	return registry.AllVerbs
}

func newDiscovery(resources []*registry.Resource) (*discovery, error) {
	d := &discovery{legacy: map[string][]byte{}, aggregated: map[string]map[string][]byte{}, etags: map[string]string{}}
	var groups []string
	byGV := map[schema.GroupVersion][]*registry.Resource{}
	versions := map[string][]string{}
	for _, r := range resources {
		gv := r.GroupVersion()
		if !slices.Contains(groups, r.Group) {
			groups = append(groups, r.Group)
		}
		if !slices.Contains(versions[r.Group], r.Version) {
			versions[r.Group] = append(versions[r.Group], r.Version)
		}
		byGV[gv] = append(byGV[gv], r)
	}
	put := func(path string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("discovery %s: %w", path, err)
		}
		d.legacy[path] = b
		return nil
	}
	// Legacy documents.
	if err := put("/api", &metav1.APIVersions{TypeMeta: metav1.TypeMeta{Kind: "APIVersions"}, Versions: versions[""],
		ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{{ClientCIDR: "0.0.0.0/0"}}}); err != nil {
		return nil, err
	}
	groupList := &metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}}
	for _, g := range groups {
		if g == "" {
			continue
		}
		ag := metav1.APIGroup{Name: g}
		for _, v := range versions[g] {
			ag.Versions = append(ag.Versions, metav1.GroupVersionForDiscovery{GroupVersion: g + "/" + v, Version: v})
		}
		ag.PreferredVersion = ag.Versions[0]
		groupList.Groups = append(groupList.Groups, ag)
		one := ag
		one.TypeMeta = metav1.TypeMeta{Kind: "APIGroup", APIVersion: "v1"}
		if err := put("/apis/"+g, &one); err != nil {
			return nil, err
		}
	}
	if err := put("/apis", groupList); err != nil {
		return nil, err
	}
	for gv, rs := range byGV {
		list := &metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"}, GroupVersion: gv.String()}
		for _, r := range rs {
			list.APIResources = append(list.APIResources, metav1.APIResource{
				Name: r.Resource, SingularName: singular(r), Namespaced: r.Namespaced, Kind: r.Kind,
				Verbs: verbsOf(r), ShortNames: r.ShortNames, Categories: r.Categories,
				StorageVersionHash: storageVersionHash(r),
			})
			for _, sub := range r.Subresources {
				si := subresourceDiscovery(sub)
				ar := metav1.APIResource{Name: r.Resource + "/" + sub, Namespaced: r.Namespaced, Kind: r.Kind, Verbs: si.verbs}
				if !si.gvk.Empty() {
					ar.Group, ar.Version, ar.Kind = si.gvk.Group, si.gvk.Version, si.gvk.Kind
				}
				list.APIResources = append(list.APIResources, ar)
			}
		}
		path := "/api/" + gv.Version
		if gv.Group != "" {
			path = "/apis/" + gv.Group + "/" + gv.Version
		}
		if err := put(path, list); err != nil {
			return nil, err
		}
	}
	// Aggregated documents.
	for _, apiVersion := range []string{"v2", "v2beta1"} {
		docs := map[string][]byte{}
		for _, root := range []string{"/api", "/apis"} {
			out := &apidiscoveryv2.APIGroupDiscoveryList{TypeMeta: metav1.TypeMeta{Kind: aggregatedAs, APIVersion: "apidiscovery.k8s.io/" + apiVersion}}
			for _, g := range groups {
				if (g == "") != (root == "/api") {
					continue
				}
				grp := apidiscoveryv2.APIGroupDiscovery{ObjectMeta: metav1.ObjectMeta{Name: g}}
				for _, v := range versions[g] {
					grp.Versions = append(grp.Versions, aggregatedVersion(byGV[schema.GroupVersion{Group: g, Version: v}], v))
				}
				out.Items = append(out.Items, grp)
			}
			b, err := json.Marshal(out)
			if err != nil {
				return nil, err
			}
			docs[root] = b
		}
		d.aggregated[apiVersion] = docs
	}
	for path, b := range d.legacy {
		d.etags[path] = etag(b)
	}
	return d, nil
}

func aggregatedVersion(rs []*registry.Resource, version string) apidiscoveryv2.APIVersionDiscovery {
	out := apidiscoveryv2.APIVersionDiscovery{Version: version, Freshness: apidiscoveryv2.DiscoveryFreshnessCurrent}
	for _, r := range rs {
		scope := apidiscoveryv2.ScopeCluster
		if r.Namespaced {
			scope = apidiscoveryv2.ScopeNamespace
		}
		gvk := r.GVK()
		ard := apidiscoveryv2.APIResourceDiscovery{
			Resource: r.Resource, ResponseKind: &metav1.GroupVersionKind{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind},
			Scope: scope, SingularResource: singular(r), Verbs: verbsOf(r), ShortNames: r.ShortNames, Categories: r.Categories,
		}
		for _, sub := range r.Subresources {
			si := subresourceDiscovery(sub)
			k := si.gvk
			if k.Empty() {
				k = gvk
			}
			ard.Subresources = append(ard.Subresources, apidiscoveryv2.APISubresourceDiscovery{
				Subresource: sub, ResponseKind: &metav1.GroupVersionKind{Group: k.Group, Version: k.Version, Kind: k.Kind}, Verbs: si.verbs,
			})
		}
		out.Resources = append(out.Resources, ard)
	}
	return out
}

func singular(r *registry.Resource) string {
	if r.Singular != "" {
		return r.Singular
	}
	return strings.ToLower(r.Kind)
}

// storageVersionHash is an opaque hash of the stored version, as upstream
// publishes for storage migration tooling.
func storageVersionHash(r *registry.Resource) string {
	sum := sha256.Sum256([]byte(r.Group + "/" + r.Version + "/" + r.Kind))
	return base64.StdEncoding.EncodeToString(sum[:8])
}

func etag(b []byte) string {
	sum := sha256.Sum256(b)
	return fmt.Sprintf("%q", fmt.Sprintf("%X", sum[:16]))
}

// serve answers a discovery path; ok is false when path is no discovery
// document.
func (d *discovery) serve(w http.ResponseWriter, r *http.Request) bool {
	path := strings.TrimSuffix(r.URL.Path, "/")
	if path == "/api" || path == "/apis" {
		if v := wantsAggregated(r.Header.Get("Accept")); v != "" {
			b := d.aggregated[v][path]
			tag := etag(b)
			w.Header().Set("Vary", "Accept")
			w.Header().Set("ETag", tag)
			if r.Header.Get("If-None-Match") == tag {
				w.WriteHeader(http.StatusNotModified)
				return true
			}
			w.Header().Set("Content-Type", "application/json;g=apidiscovery.k8s.io;v="+v+";as="+aggregatedAs)
			_, _ = w.Write(b)
			return true
		}
	}
	b, ok := d.legacy[path]
	if !ok {
		return false
	}
	w.Header().Set("Content-Type", mediaJSON)
	w.Header().Set("Vary", "Accept")
	_, _ = w.Write(b)
	return true
}

// wantsAggregated returns the apidiscovery version the Accept header asks
// for first, or "".
func wantsAggregated(accept string) string {
	for _, clause := range strings.Split(accept, ",") {
		params := map[string]string{}
		parts := strings.Split(clause, ";")
		for _, p := range parts[1:] {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok {
				params[k] = v
			}
		}
		mt := strings.TrimSpace(parts[0])
		if params["g"] == "apidiscovery.k8s.io" && params["as"] == aggregatedAs && (mt == mediaJSON || mt == "*/*") {
			if params["v"] == "v2" || params["v"] == "v2beta1" {
				return params["v"]
			}
		}
		if params["g"] == "" && (mt == mediaJSON || mt == "*/*" || mt == mediaProtobuf) {
			return ""
		}
	}
	return ""
}

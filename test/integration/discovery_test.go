package integration

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"

	"github.com/berth-dev/berth/internal/testutil"
)

// resourceFacts is what the tests check about one discovered resource.
type resourceFacts struct {
	Namespaced bool
	ShortNames []string
	All        bool // in category "all"
}

func TestDiscovery(t *testing.T) {
	srv := testutil.StartServer(t)
	cfg := srv.RESTConfig(t)

	want := map[schema.GroupVersionResource]resourceFacts{
		{Version: "v1", Resource: "pods"}:                                  {true, []string{"po"}, true},
		{Version: "v1", Resource: "services"}:                              {true, []string{"svc"}, true},
		{Version: "v1", Resource: "configmaps"}:                            {true, []string{"cm"}, false},
		{Version: "v1", Resource: "namespaces"}:                            {false, []string{"ns"}, false},
		{Version: "v1", Resource: "nodes"}:                                 {false, []string{"no"}, false},
		{Version: "v1", Resource: "persistentvolumeclaims"}:                {true, []string{"pvc"}, false},
		{Group: "apps", Version: "v1", Resource: "deployments"}:            {true, []string{"deploy"}, true},
		{Group: "apps", Version: "v1", Resource: "replicasets"}:            {true, []string{"rs"}, true},
		{Group: "apps", Version: "v1", Resource: "statefulsets"}:           {true, []string{"sts"}, true},
		{Group: "apps", Version: "v1", Resource: "daemonsets"}:             {true, []string{"ds"}, true},
		{Group: "batch", Version: "v1", Resource: "jobs"}:                  {true, nil, true},
		{Group: "batch", Version: "v1", Resource: "cronjobs"}:              {true, []string{"cj"}, true},
		{Group: "policy", Version: "v1", Resource: "poddisruptionbudgets"}: {true, []string{"pdb"}, false},
		{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"}: {true, []string{"ing"}, false},
	}
	wantSubresources := []string{"pods/status", "pods/binding", "pods/eviction", "deployments/scale", "deployments/status", "namespaces/finalize", "statefulsets/scale", "replicasets/scale"}

	for _, mode := range []string{"aggregated", "legacy"} {
		t.Run(mode, func(t *testing.T) {
			dc, err := discovery.NewDiscoveryClientForConfig(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if mode == "legacy" {
				dc.UseLegacyDiscovery = true
			}
			groups, lists, err := dc.ServerGroupsAndResources()
			if err != nil {
				t.Fatal(err)
			}
			var groupNames []string
			for _, g := range groups {
				groupNames = append(groupNames, g.Name)
				if g.PreferredVersion.Version == "" {
					t.Errorf("group %q has no preferred version", g.Name)
				}
			}
			for _, g := range []string{"", "apps", "batch", "policy", "networking.k8s.io", "rbac.authorization.k8s.io", "coordination.k8s.io", "discovery.k8s.io"} {
				if !slices.Contains(groupNames, g) {
					t.Errorf("group %q missing from %v", g, groupNames)
				}
			}
			got := map[schema.GroupVersionResource]resourceFacts{}
			var subs []string
			for _, l := range lists {
				gv, err := schema.ParseGroupVersion(l.GroupVersion)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range l.APIResources {
					gvr := gv.WithResource(r.Name)
					if slices.Contains(wantSubresources, r.Name) && gv.Version == "v1" {
						subs = append(subs, r.Name)
					}
					if _, ok := want[gvr]; ok {
						got[gvr] = resourceFacts{r.Namespaced, r.ShortNames, slices.Contains(r.Categories, "all")}
						if len(r.Verbs) == 0 || r.Kind == "" {
							t.Errorf("%s: verbs %v kind %q", gvr, r.Verbs, r.Kind)
						}
					}
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("resources (-want +got):\n%s", diff)
			}
			slices.Sort(subs)
			sorted := slices.Sorted(slices.Values(wantSubresources))
			if diff := cmp.Diff(sorted, subs); diff != "" {
				t.Errorf("subresources (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("scale subresource kind", func(t *testing.T) {
		dc := discovery.NewDiscoveryClientForConfigOrDie(cfg)
		l, err := dc.ServerResourcesForGroupVersion("apps/v1")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range l.APIResources {
			if r.Name == "deployments/scale" {
				if r.Group != "autoscaling" || r.Version != "v1" || r.Kind != "Scale" {
					t.Errorf("deployments/scale = %s/%s %s, want autoscaling/v1 Scale", r.Group, r.Version, r.Kind)
				}
				return
			}
		}
		t.Errorf("deployments/scale not found")
	})

	t.Run("version", func(t *testing.T) {
		dc := discovery.NewDiscoveryClientForConfigOrDie(cfg)
		v, err := dc.ServerVersion()
		if err != nil {
			t.Fatal(err)
		}
		if v.Major != "1" || v.Minor != "37" || v.GitVersion == "" {
			t.Errorf("version = %+v, want 1.37", v)
		}
	})

}

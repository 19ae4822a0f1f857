package garbagecollector

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
)

// preferred is a discovery stub answering ServerPreferredResources.
type preferred struct {
	discovery.ServerResourcesInterface
	lists []*metav1.APIResourceList
}

func (p preferred) ServerPreferredResources() ([]*metav1.APIResourceList, error) { return p.lists, nil }

func TestDeletable(t *testing.T) {
	all := []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}
	disc := preferred{lists: []*metav1.APIResourceList{
		{GroupVersion: "v1", APIResources: []metav1.APIResource{
			{Name: "configmaps", Kind: "ConfigMap", Namespaced: true, Verbs: all},
			{Name: "pods", Kind: "Pod", Namespaced: true, Verbs: all},
			{Name: "pods/status", Kind: "Pod", Namespaced: true, Verbs: []string{"get", "patch", "update"}},
			{Name: "events", Kind: "Event", Namespaced: true, Verbs: all},
			{Name: "bindings", Kind: "Binding", Namespaced: true, Verbs: []string{"create"}},
			{Name: "componentstatuses", Kind: "ComponentStatus", Verbs: []string{"get", "list"}},
		}},
		{GroupVersion: "events.k8s.io/v1", APIResources: []metav1.APIResource{{Name: "events", Kind: "Event", Namespaced: true, Verbs: all}}},
		{GroupVersion: "rbac.authorization.k8s.io/v1", APIResources: []metav1.APIResource{{Name: "clusterroles", Kind: "ClusterRole", Verbs: all}}},
	}}
	got, err := deletable(disc)
	if err != nil {
		t.Fatal(err)
	}
	want := map[schema.GroupVersionResource]schema.GroupVersionKind{
		{Version: "v1", Resource: "configmaps"}:                                       {Version: "v1", Kind: "ConfigMap"},
		{Version: "v1", Resource: "pods"}:                                             {Version: "v1", Kind: "Pod"},
		{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles"}: {Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRole"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("deletable (-want +got):\n%s", diff)
	}
}

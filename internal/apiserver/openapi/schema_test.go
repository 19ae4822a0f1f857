package openapi

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

const (
	podDef        = "io.k8s.api.core.v1.Pod"
	podSpecDef    = "io.k8s.api.core.v1.PodSpec"
	containerDef  = "io.k8s.api.core.v1.Container"
	quantityDef   = "io.k8s.apimachinery.pkg.api.resource.Quantity"
	intOrStrDef   = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
	timeDef       = "io.k8s.apimachinery.pkg.apis.meta.v1.Time"
	objectMetaDef = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
)

// asJSON renders a schema (or part of one) as generic JSON, so tests can
// compare shapes without caring about the Go representation.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return out
}

func TestContainersField(t *testing.T) {
	s := newTestSpec(t)
	for _, tc := range []struct {
		name  string
		defs  spec.Definitions
		items any
	}{
		{"v2", s.defsV2, map[string]any{"$ref": "#/definitions/" + containerDef}},
		{"v3", s.defsV3, map[string]any{"default": map[string]any{}, "allOf": []any{map[string]any{"$ref": "#/components/schemas/" + containerDef}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			containers := tc.defs[podSpecDef].Properties["containers"]
			got := asJSON(t, containers).(map[string]any)
			if got["description"] != (corev1.PodSpec{}).SwaggerDoc()["containers"] || got["description"] == "" {
				t.Errorf("description = %q", got["description"])
			}
			delete(got, "description")
			want := map[string]any{
				"type":                         "array",
				"items":                        tc.items,
				"x-kubernetes-patch-strategy":  "merge",
				"x-kubernetes-patch-merge-key": "name",
				"x-kubernetes-list-type":       "map",
				"x-kubernetes-list-map-keys":   []any{"name"},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("containers (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDescriptions(t *testing.T) {
	s := newTestSpec(t)
	for name, def := range s.defsV3 {
		if def.Description == "" {
			t.Errorf("%s has no description", name)
		}
	}
	for _, def := range []string{podDef, podSpecDef, containerDef, objectMetaDef} {
		for field, p := range s.defsV3[def].Properties {
			if p.Description == "" {
				t.Errorf("%s.%s has no description", def, field)
			}
		}
	}
	strategy := s.defsV3["io.k8s.api.apps.v1.DeploymentSpec"].Properties["strategy"]
	if want := (appsv1.DeploymentSpec{}).SwaggerDoc()["strategy"]; strategy.Description != want {
		t.Errorf("DeploymentSpec.strategy description = %q, want %q", strategy.Description, want)
	}
}

func TestSpecialTypes(t *testing.T) {
	s := newTestSpec(t)
	for _, tc := range []struct {
		def    string
		v2, v3 map[string]any
	}{{
		def: quantityDef,
		v2:  map[string]any{"type": "string"},
		v3:  map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "number"}}},
	}, {
		def: intOrStrDef,
		v2:  map[string]any{"type": "string", "format": "int-or-string"},
		v3:  map[string]any{"format": "int-or-string", "oneOf": []any{map[string]any{"type": "integer"}, map[string]any{"type": "string"}}},
	}, {
		def: timeDef,
		v2:  map[string]any{"type": "string", "format": "date-time"},
		v3:  map[string]any{"type": "string", "format": "date-time"},
	}, {
		def: "io.k8s.apimachinery.pkg.runtime.RawExtension",
		v2:  map[string]any{"type": "object"},
		v3:  map[string]any{"type": "object"},
	}} {
		for _, d := range []struct {
			name string
			defs spec.Definitions
			want map[string]any
		}{{"v2", s.defsV2, tc.v2}, {"v3", s.defsV3, tc.v3}} {
			t.Run(tc.def+"/"+d.name, func(t *testing.T) {
				def, ok := d.defs[tc.def]
				if !ok {
					t.Fatalf("no definition")
				}
				got := asJSON(t, def).(map[string]any)
				delete(got, "description")
				if diff := cmp.Diff(d.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestFieldShapes(t *testing.T) {
	s := newTestSpec(t)
	for _, tc := range []struct {
		def, field string
		want       map[string]any
	}{{
		def: "io.k8s.api.core.v1.ResourceRequirements", field: "limits",
		want: map[string]any{"type": "object", "additionalProperties": map[string]any{"$ref": "#/components/schemas/" + quantityDef}},
	}, {
		def: "io.k8s.api.apps.v1.RollingUpdateDeployment", field: "maxSurge",
		want: map[string]any{"allOf": []any{map[string]any{"$ref": "#/components/schemas/" + intOrStrDef}}},
	}, {
		def: objectMetaDef, field: "creationTimestamp",
		want: map[string]any{"allOf": []any{map[string]any{"$ref": "#/components/schemas/" + timeDef}}},
	}, {
		def: "io.k8s.api.core.v1.Secret", field: "data",
		want: map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string", "format": "byte"}},
	}, {
		def: "io.k8s.api.core.v1.ContainerPort", field: "containerPort",
		want: map[string]any{"type": "integer", "format": "int32", "default": float64(0)},
	}, {
		def: "io.k8s.api.apps.v1.Deployment", field: "metadata",
		want: map[string]any{"default": map[string]any{}, "allOf": []any{map[string]any{"$ref": "#/components/schemas/" + objectMetaDef}}},
	}, {
		def: containerDef, field: "ports",
		want: map[string]any{
			"type":                         "array",
			"items":                        map[string]any{"default": map[string]any{}, "allOf": []any{map[string]any{"$ref": "#/components/schemas/io.k8s.api.core.v1.ContainerPort"}}},
			"x-kubernetes-patch-strategy":  "merge",
			"x-kubernetes-patch-merge-key": "containerPort",
			"x-kubernetes-list-type":       "map",
			"x-kubernetes-list-map-keys":   []any{"containerPort", "protocol"},
		},
	}, {
		def: objectMetaDef, field: "finalizers",
		want: map[string]any{
			"type":                        "array",
			"items":                       map[string]any{"type": "string", "default": ""},
			"x-kubernetes-patch-strategy": "merge",
			"x-kubernetes-list-type":      "set",
		},
	}, {
		def: podSpecDef, field: "nodeSelector",
		want: map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string", "default": ""}, "x-kubernetes-map-type": "atomic"},
	}, {
		def: "io.k8s.api.apps.v1.DeploymentSpec", field: "strategy",
		want: map[string]any{
			"default":                     map[string]any{},
			"allOf":                       []any{map[string]any{"$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy"}},
			"x-kubernetes-patch-strategy": "retainKeys",
		},
	}} {
		t.Run(tc.def+"."+tc.field, func(t *testing.T) {
			p, ok := s.Schemas()[tc.def].Properties[tc.field]
			if !ok {
				t.Fatalf("no such property")
			}
			got := asJSON(t, p).(map[string]any)
			delete(got, "description")
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequired(t *testing.T) {
	s := newTestSpec(t)
	for _, tc := range []struct {
		def  string
		want []string
	}{
		{containerDef, []string{"name"}},
		{"io.k8s.api.apps.v1.DeploymentSpec", []string{"selector", "template"}},
		{"io.k8s.api.apps.v1.DeploymentList", []string{"items"}},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent", []string{"type", "object"}},
		{podDef, nil},
	} {
		if diff := cmp.Diff(tc.want, s.defsV3[tc.def].Required); diff != "" {
			t.Errorf("%s required (-want +got):\n%s", tc.def, diff)
		}
	}
}

func TestGVKExtensions(t *testing.T) {
	s := newTestSpec(t)
	gvk := func(group, version, kind string) any {
		return map[string]any{"group": group, "version": version, "kind": kind}
	}
	for _, tc := range []struct {
		def  string
		want []any
	}{
		{podDef, []any{gvk("", "v1", "Pod")}},
		{"io.k8s.api.core.v1.PodList", []any{gvk("", "v1", "PodList")}},
		{"io.k8s.api.apps.v1.Deployment", []any{gvk("apps", "v1", "Deployment")}},
		{"io.k8s.api.autoscaling.v1.Scale", []any{gvk("autoscaling", "v1", "Scale")}},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.Status", []any{gvk("", "v1", "Status")}},
		{containerDef, nil},
	} {
		for _, defs := range []spec.Definitions{s.defsV2, s.defsV3} {
			got := asJSON(t, defs[tc.def].Extensions[extGVK])
			var want any
			if tc.want != nil {
				want = tc.want
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.def, diff)
			}
		}
	}
	// DeleteOptions and WatchEvent carry every served group version.
	for _, def := range []string{"io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions", "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent"} {
		list := asJSON(t, s.defsV3[def].Extensions[extGVK]).([]any)
		found := map[string]bool{}
		for _, e := range list {
			m := e.(map[string]any)
			found[m["group"].(string)+"/"+m["version"].(string)] = true
		}
		for _, gv := range []string{"/v1", "apps/v1", "batch/v1", "rbac.authorization.k8s.io/v1"} {
			if !found[gv] {
				t.Errorf("%s lacks group version %q", def, gv)
			}
		}
	}
}

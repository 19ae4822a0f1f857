package controller

import (
	"slices"
	"testing"
)

func TestEnabled(t *testing.T) {
	for _, tc := range []struct {
		spec    []string
		want    []string
		wantErr bool
	}{
		{spec: []string{"*"}, want: Names()},
		{spec: []string{"*", "-namespace"}, want: without(Names(), "namespace")},
		{spec: []string{"namespace"}, want: []string{"namespace"}},
		{spec: []string{"namespace-controller"}, want: []string{"namespace"}},
		{spec: []string{"*", "-namespace-controller"}, want: without(Names(), "namespace")},
		{spec: []string{"endpoints-controller", "endpointslice-controller"}, want: []string{"endpoint", "endpointslice"}},
		{spec: []string{"*", "-garbage-collector-controller"}, want: without(Names(), "garbagecollector")},
		{spec: []string{"node-lifecycle-controller", "pod-garbage-collector-controller"}, want: []string{"nodelifecycle", "podgc"}},
		{spec: []string{"*", "-taint-eviction-controller"}, want: without(Names(), "taint-eviction-controller")},
		{spec: nil, want: nil},
		{spec: []string{"nope"}, wantErr: true},
		{spec: []string{"*", "-nope"}, wantErr: true},
	} {
		got, err := Enabled(tc.spec)
		if (err != nil) != tc.wantErr || !slices.Equal(got, tc.want) {
			t.Errorf("Enabled(%q) = %v, %v; want %v (error %v)", tc.spec, got, err, tc.want, tc.wantErr)
		}
	}
}

// without returns names minus drop.
func without(names []string, drop string) []string {
	return slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == drop })
}

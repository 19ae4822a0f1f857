package controller

import (
	"slices"
	"testing"
)

func TestEnabled(t *testing.T) {
	allBut := func(name string) []string {
		return slices.DeleteFunc(Names(), func(n string) bool { return n == name })
	}
	for _, tc := range []struct {
		spec    []string
		want    []string
		wantErr bool
	}{
		{spec: []string{"*"}, want: Names()},
		{spec: []string{"*", "-namespace"}, want: allBut("namespace")},
		{spec: []string{"namespace"}, want: []string{"namespace"}},
		{spec: []string{"namespace-controller"}, want: []string{"namespace"}},
		{spec: []string{"*", "-namespace-controller"}, want: allBut("namespace")},
		{spec: []string{"node-lifecycle-controller", "pod-garbage-collector-controller"}, want: []string{"nodelifecycle", "podgc"}},
		{spec: []string{"*", "-taint-eviction-controller"}, want: allBut("taint-eviction-controller")},
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

package controller

import (
	"slices"
	"testing"
)

func TestEnabled(t *testing.T) {
	allBut := func(name string) []string {
		out := slices.DeleteFunc(Names(), func(n string) bool { return n == name })
		if len(out) == 0 {
			return nil
		}
		return out
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
		{spec: []string{"endpoints-controller", "endpointslice-controller"}, want: []string{"endpoint", "endpointslice"}},
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

// without returns names minus drop (nil when nothing is left).
func without(names []string, drop string) []string {
	var out []string
	for _, n := range names {
		if n != drop {
			out = append(out, n)
		}
	}
	return out
}

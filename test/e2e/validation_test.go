package e2e

import (
	"strings"
	"testing"
)

// TestValidationErrors checks that invalid requests fail as upstream
// prints them, and leave nothing behind.
func TestValidationErrors(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	k := s.kubectl(t)
	mismatched := k.file("mismatched.yaml", `apiVersion: apps/v1
kind: Deployment
metadata:
  name: x
spec:
  selector:
    matchLabels:
      app: x
  template:
    metadata:
      labels:
        app: other
    spec:
      containers:
      - name: c
        image: nginx
`)
	unknown := k.file("unknown.yaml", `apiVersion: v1
kind: Pod
metadata:
  name: unk
spec:
  containers:
  - name: c
    image: nginx
    bogusField: 1
`)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{
			name: "selector does not match template labels",
			args: []string{"apply", "-f", mismatched},
			want: []string{`The Deployment "x" is invalid`, "spec.template.metadata.labels", "`selector` does not match template `labels`"},
		},
		{
			name: "selector does not match template labels, server-side apply",
			args: []string{"apply", "--server-side", "-f", mismatched},
			want: []string{`The Deployment "x" is invalid`, "spec.template.metadata.labels"},
		},
		{
			name: "unknown field, strict validation",
			args: []string{"apply", "--validate=strict", "-f", unknown},
			want: []string{`unknown field "spec.containers[0].bogusField"`},
		},
		{
			name: "unknown field, strict validation, create",
			args: []string{"create", "--validate=strict", "-f", unknown},
			want: []string{`unknown field "spec.containers[0].bogusField"`},
		},
		{
			name: "missing namespace",
			args: []string{"create", "configmap", "c", "-n", "nope"},
			want: []string{`namespaces "nope" not found`},
		},
		{
			name: "missing namespace, apply",
			args: []string{"apply", "-n", "nope", "-f", unknown, "--validate=false"},
			want: []string{`Error from server (NotFound)`, `namespaces "nope" not found`},
		},
		{
			name: "invalid name",
			args: []string{"create", "configmap", "Bad_Name"},
			want: []string{`error: failed to create configmap: ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := k.fails(tc.args...)
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r)
				}
			}
		})
	}
	// --validate=warn (the default is strict since kubectl 1.25) creates the
	// pod and warns about the field.
	r := k.run("create", "--validate=warn", "-f", unknown)
	if r.code != 0 || !strings.Contains(r.stderr, `unknown field "spec.containers[0].bogusField"`) || strings.TrimSpace(r.stdout) != "pod/unk created" {
		t.Errorf("create --validate=warn: want success with a warning, got %s", r)
	}
	// Nothing from the failed requests was stored.
	if out := k.run("get", "deployment", "x"); out.code == 0 {
		t.Errorf("invalid deployment x was stored: %s", out)
	}
}

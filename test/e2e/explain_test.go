package e2e

import (
	"strings"
	"testing"
)

func TestExplain(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	k := s.kubectl(t)
	tests := []struct {
		args []string
		want []string
	}{
		{
			args: []string{"explain", "deployment.spec.strategy"},
			want: []string{
				"GROUP:      apps\n", "KIND:       Deployment\n", "VERSION:    v1\n",
				"FIELD: strategy <DeploymentStrategy>\n",
				"The deployment strategy to use to replace existing pods with new ones.",
				"  rollingUpdate\t<RollingUpdateDeployment>\n",
				"    Rolling update config params. Present only if DeploymentStrategyType =\n",
				"  type\t<string>\n",
				`Type of deployment. Can be "Recreate" or "RollingUpdate". Default is`,
			},
		},
		{
			args: []string{"explain", "pods.spec.containers", "--recursive"},
			want: []string{
				"KIND:       Pod\n", "VERSION:    v1\n",
				"FIELD: containers <[]Container>\n",
				"List of containers belonging to the pod.",
				"  args\t<[]string>\n",
				"  env\t<[]EnvVar>\n",
				"    name\t<string> -required-\n",
				"    valueFrom\t<EnvVarSource>\n",
				"      configMapKeyRef\t<ConfigMapKeySelector>\n",
				"  image\t<string>\n",
				"  livenessProbe\t<Probe>\n",
				"  name\t<string> -required-\n",
				"  ports\t<[]ContainerPort>\n",
				"    containerPort\t<integer> -required-\n",
				"  resources\t<ResourceRequirements>\n",
				"    limits\t<map[string]Quantity>\n",
			},
		},
		{
			args: []string{"explain", "services.spec.ports.targetPort"},
			want: []string{"FIELD: targetPort <IntOrString>\n", "Number or name of the port to access on the pods"},
		},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args[1:], " "), func(t *testing.T) {
			out := k.ok(tc.args...)
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("kubectl %s: output lacks %q:\n%s", strings.Join(tc.args, " "), w, out)
				}
			}
		})
	}
	r := k.fails("explain", "pods.spec.nope")
	if want := `field "nope" does not exist`; !strings.Contains(r.stderr, want) {
		t.Errorf("explain of a missing field: stderr lacks %q:\n%s", want, r)
	}
}

package cmd

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"k8s.io/component-base/cli"
	kubectl "k8s.io/kubectl/pkg/cmd"

	"github.com/berth-dev/berth/internal/app"
)

// newKubectlCommand exists for help output; Main intercepts `kubectl`
// before cobra parses flags.
func newKubectlCommand() *cobra.Command {
	return &cobra.Command{
		Use:                "kubectl [args...]",
		Short:              "Run the built-in kubectl against the local cluster",
		DisableFlagParsing: true,
		RunE: func(_ *cobra.Command, args []string) error {
			if code := runKubectl(args); code != 0 {
				return fmt.Errorf("kubectl exited with %d", code)
			}
			return nil
		},
	}
}

// runKubectl runs the real kubectl. Without KUBECONFIG or --kubeconfig it
// uses the local server's admin kubeconfig.
func runKubectl(args []string) int {
	if os.Getenv("KUBECONFIG") == "" && !hasFlag(args, "--kubeconfig") {
		dir := os.Getenv("BERTH_DATA_DIR")
		if dir == "" {
			dir = app.DefaultDataDir
		}
		os.Setenv("KUBECONFIG", filepath.Join(dir, "admin.kubeconfig"))
	}
	os.Args = append([]string{"kubectl"}, args...)
	return cli.Run(kubectl.NewDefaultKubectlCommand())
}

func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == name || len(a) > len(name) && a[:len(name)+1] == name+"=" {
			return true
		}
	}
	return false
}

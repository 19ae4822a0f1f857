package cmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/apiserver"
)

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print berth's version and the Kubernetes version it is compatible with",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(cmd.OutOrStdout(), "berth %s (Kubernetes %s.%s compatible)\n", apiserver.Version.GitVersion, apiserver.Version.Major, apiserver.Version.Minor)
		},
	}
}

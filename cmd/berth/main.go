// Command berth is a Kubernetes-compatible container orchestrator in one
// binary: `berth server`, `berth agent`, `berth kubectl`, ...
package main

import (
	"os"

	"github.com/berth-dev/berth/internal/cmd"
)

func main() { os.Exit(cmd.Main(os.Args)) }

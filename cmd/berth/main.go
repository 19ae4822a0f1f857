// Package main is the berth command, a Kubernetes-compatible container
// orchestrator in one binary (`berth server`, `berth kubectl`, ...). All of
// it lives in internal/cmd.
package main

import (
	"os"

	"github.com/berth-dev/berth/internal/cmd"
)

func main() { os.Exit(cmd.Main(os.Args)) }

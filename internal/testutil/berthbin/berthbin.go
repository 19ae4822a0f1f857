// Package berthbin builds the berth binary for tests that run it as users
// do (e2e tests, benchmarks against a separate server process).
package berthbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Build compiles cmd/berth statically into dir and returns its path.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "berth")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/berth-dev/berth/cmd/berth")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build berth: %v\n%s", err, out)
	}
	return bin, nil
}

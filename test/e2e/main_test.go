package e2e

import (
	"fmt"
	"os"
	"testing"

	"github.com/berth-dev/berth/internal/testutil/berthbin"
)

// berthBin is the berth binary TestMain builds for the whole package.
var berthBin string

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "berth-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: temp dir:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	if berthBin, err = berthbin.Build(dir); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	return m.Run()
}

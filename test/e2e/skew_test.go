package e2e

import (
	"fmt"
	"path/filepath"
	"testing"
)

// TestCoreScenario runs the core scenario with the stock kubectl.
func TestCoreScenario(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	coreScenario(t, s.kubectl(t))
}

// TestVersionSkew runs the core scenario with every kubectl.1.NN present,
// each against its own server.
func TestVersionSkew(t *testing.T) {
	t.Parallel()
	for minor := 27; minor <= 33; minor++ {
		bin := filepath.Join(skewDir, fmt.Sprintf("kubectl.1.%d", minor))
		t.Run(fmt.Sprintf("kubectl-1.%d", minor), func(t *testing.T) {
			requireBinary(t, bin)
			s := startServer(t)
			coreScenario(t, s.kubectlBin(t, bin))
		})
	}
}

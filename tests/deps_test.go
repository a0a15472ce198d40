package tests

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFunctionsCommandLinksNoPulumi: `make functions` builds nine Lambdas that import nothing of
// the Pulumi program, so on a new machine it must not compile the program's SDKs (pulumi-aws's
// wafv2 alone takes ~3 GB of compiler memory): cmd/functions depends on the builder alone.
func TestFunctionsCommandLinksNoPulumi(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "./cmd/functions")
	cmd.Dir = root
	out, err := cmd.Output()
	require.NoError(t, err)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "shopstack/lambdabuild")
	for _, dep := range deps {
		assert.False(t, strings.HasPrefix(dep, "github.com/pulumi/"), "cmd/functions depends on %s", dep)
		assert.NotEqual(t, "shopstack/stacks", dep)
	}
}

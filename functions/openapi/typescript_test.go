package openapi

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// tsDir holds the pinned TypeScript tools (package.json and package-lock.json) and usage.ts.
const tsDir = "ts"

// TestTypeScriptClient proves the document usable by the people it is for: openapi-typescript
// (pinned in ts/package-lock.json) generates the client types from the document, and
// tsc --strict type-checks ts/usage.ts against them, including lines that must not compile.
// It installs the tools with npm ci when ts/node_modules lacks them.
func TestTypeScriptClient(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips installing and running the TypeScript tools")
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not on PATH: this test needs Node.js 20+ and npm (e.g. apt-get install -y nodejs npm) to generate and type-check the TypeScript client", tool)
		}
	}
	bin := func(name string) string { return filepath.Join(tsDir, "node_modules", ".bin", name) }
	if _, err := os.Stat(bin("openapi-typescript")); err != nil {
		run(t, tsDir, "npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund")
	}
	for _, tool := range []string{"openapi-typescript", "tsc"} {
		_, err := os.Stat(bin(tool))
		require.NoError(t, err, "npm ci in %s did not install %s", tsDir, tool)
	}

	dir := t.TempDir()
	doc, err := JSON()
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "openapi.json"), doc, 0o644))
	usage, err := os.ReadFile(filepath.Join(tsDir, "usage.ts"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "usage.ts"), usage, 0o644))

	run(t, ".", bin("openapi-typescript"), filepath.Join(dir, "openapi.json"), "-o", filepath.Join(dir, "api.ts"))
	run(t, ".", bin("tsc"), "--noEmit", "--strict", "--target", "es2022", "--lib", "es2022,dom",
		"--module", "esnext", "--moduleResolution", "bundler", filepath.Join(dir, "usage.ts"))
}

func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %v in %s:\n%s", name, args, dir, out)
}

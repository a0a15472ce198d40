// Package npmtest installs the pinned npm tools a Go test drives (openapi-typescript, tsc,
// playwright-core, amazon-cognito-identity-js) from the folder's package-lock.json with npm ci,
// as dev/dynamolocal/install.sh does for DynamoDB Local, so `go test` needs no prior step.
package npmtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Install runs `npm ci --ignore-scripts` in dir unless its node_modules already matches the
// lockfile (npm writes node_modules/.package-lock.json on every install), then checks that each
// module is there. It fails the test, naming what to install, when node or npm is missing.
func Install(t testing.TB, dir string, modules ...string) {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not on PATH: install Node.js 20+ and npm (Debian: apt-get install -y nodejs npm)", tool)
		}
	}
	lock, err := os.Stat(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	installed, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json"))
	if err != nil || installed.ModTime().Before(lock.ModTime()) {
		Run(t, dir, "npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund")
	}
	for _, m := range modules {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", m, "package.json")); err != nil {
			t.Fatalf("npm ci in %s did not install %s: %v", dir, m, err)
		}
	}
}

// Run runs a program in dir and returns its standard output; it fails the test with both
// outputs when the program fails.
func Run(t testing.TB, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stderr []byte
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = ee.Stderr
	}
	if err != nil {
		t.Fatalf("%s %v in %s: %v\n%s%s", name, args, dir, err, out, stderr)
	}
	return string(out)
}

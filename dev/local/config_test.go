package local_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/dev/dynamolocal"
	"shopstack/dev/local"
)

// TestDevConfigIsTheStacksValidatedConfig: make dev takes its CORS origins and function timeout
// from a stack file through the stack's own typed, validated config, so a value the stack would
// refuse fails here too, naming the key and what is allowed, instead of reaching the platform.
func TestDevConfigIsTheStacksValidatedConfig(t *testing.T) {
	root, err := dynamolocal.ModuleRoot()
	require.NoError(t, err)
	project, err := os.ReadFile(filepath.Join(root, "Pulumi.yaml"))
	require.NoError(t, err)
	stackRoot := func(t *testing.T, config string) string {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), project, 0o644))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.dev.yaml"), []byte("config:\n  shopstack:environment: dev\n"+config), 0o644))
		return dir
	}

	good := stackRoot(t, "  shopstack:allowedOrigins: [\"http://localhost:5173\"]\n  shopstack:functionTimeoutSeconds: 7\n")
	origins, err := local.AllowedOrigins(good, "dev")
	require.NoError(t, err)
	assert.Equal(t, []string{"http://localhost:5173"}, origins)
	timeout, err := local.FunctionTimeout(good, "dev")
	require.NoError(t, err)
	assert.Equal(t, "7s", timeout.String())

	for _, c := range []struct {
		name, config, want string
	}{
		{"an origin with a path", "  shopstack:allowedOrigins: [\"https://shop.example.com/app\"]\n",
			`shopstack:allowedOrigins: "https://shop.example.com/app" is not an origin; use scheme://host[:port] with https (http only for localhost), no path`},
		{"plain http off localhost", "  shopstack:allowedOrigins: [\"http://shop.example.com\"]\n",
			`shopstack:allowedOrigins: "http://shop.example.com" is not an origin`},
		{"a timeout API Gateway cuts short", "  shopstack:functionTimeoutSeconds: 60\n",
			"shopstack:functionTimeoutSeconds: 60 is out of range; use 1 to 29"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := stackRoot(t, c.config)
			_, err := local.AllowedOrigins(dir, "dev")
			require.Error(t, err, "make dev refuses what the stack refuses")
			assert.Contains(t, err.Error(), c.want)
			_, err = local.FunctionTimeout(dir, "dev")
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

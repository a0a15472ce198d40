// Package typescript holds the TypeScript client's checks; the client itself is index.ts and the
// generated schema.d.ts beside this file.
package typescript

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/clients/npmtest"
	"shopstack/contract/openapi"
)

// root is the repository root seen from this folder, where openapi.File is relative to.
const root = "../.."

func install(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skips installing and running the TypeScript tools")
	}
	npmtest.Install(t, ".", "openapi-typescript", "openapi-fetch", "typescript")
}

// TestSchemaIsCurrent regenerates schema.d.ts from the committed OpenAPI document, as `make client`
// does, and fails on any difference from the committed file.
func TestSchemaIsCurrent(t *testing.T) {
	install(t)
	out := filepath.Join(t.TempDir(), "schema.d.ts")
	npmtest.Run(t, ".", "node_modules/.bin/openapi-typescript", filepath.Join(root, openapi.File), "-o", out)
	want, err := os.ReadFile(out)
	require.NoError(t, err)
	got, err := os.ReadFile("schema.d.ts")
	require.NoError(t, err)
	assert.True(t, bytes.Equal(want, got), "clients/typescript/schema.d.ts is stale: run make client and commit it")
}

// TestClientTypeChecks runs tsc --strict over index.ts and usage.ts (tsconfig.json). usage.ts calls
// every route; its @ts-expect-error lines must fail to compile, or tsc reports them unused.
func TestClientTypeChecks(t *testing.T) {
	install(t)
	npmtest.Run(t, ".", "node_modules/.bin/tsc", "-p", ".")
}

// TestUsageCallsEveryRoute fails when an operation of the OpenAPI document has no call in
// usage.ts's everyRoute, so the type check above covers every route.
func TestUsageCallsEveryRoute(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(root, openapi.File))
	require.NoError(t, err)
	want, err := openapi.Operations(raw)
	require.NoError(t, err)
	require.NotEmpty(t, want)

	usage, err := os.ReadFile("usage.ts")
	require.NoError(t, err)
	body, _, found := strings.Cut(string(usage), "export function refused")
	require.True(t, found, "usage.ts: everyRoute comes before refused")
	var called []string
	for _, m := range regexp.MustCompile(`shop\.(GET|POST|PUT|DELETE|PATCH)\(\s*"([^"]+)"`).FindAllStringSubmatch(body, -1) {
		called = append(called, m[1]+" "+m[2])
	}
	for _, route := range want {
		assert.Contains(t, called, route, "usage.ts everyRoute does not call %s", route)
	}
	slices.Sort(called)
	assert.Equal(t, want, slices.Compact(called), "everyRoute calls exactly the document's routes")
}

package cost

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/contract/capacity"
	"shopstack/engine"
)

// TestEveryTypePricedOrFree previews every environment's real program on the offline engine: each resource type
// it declares must have a pricer or a reason to be free, and the whole graph must price with the
// committed book (fixed costs; usage too when the benchmark's capacity file exists).
func TestEveryTypePricedOrFree(t *testing.T) {
	names, err := engine.Stacks("..")
	require.NoError(t, err)
	require.NotEmpty(t, names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			res, err := engine.Preview(context.Background(), engine.Options{Root: "..", Stack: name, NoPolicies: true})
			require.NoError(t, err)
			g := res.Graph
			assert.NoError(t, Unpriced(g))
			e, err := New(g, Inputs{Book: testBook(t)})
			require.NoError(t, err)
			assert.Positive(t, e.Fixed)
		})
	}
}

// TestEveryStackEstimates prices every environment as `make cost` does.
func TestEveryStackEstimates(t *testing.T) {
	names, err := engine.Stacks("..")
	require.NoError(t, err)
	if _, err := LoadCapacity("../" + capacity.Path); err != nil {
		t.Skip(err)
	}
	es, err := EstimateStacks(Options{Root: "..", Prices: "prices.json", Capacity: "../" + capacity.Path}, names)
	require.NoError(t, err)
	require.Len(t, es, len(names))
	for _, e := range es {
		assert.Positive(t, e.Usage, e.Stack)
		assert.Positive(t, e.PerThousandOrders, e.Stack)
	}
}

// TestEstimateRefusesWhatTheStackRefuses: cost reads a stack's config through the stack's own
// typed, validated config (engine.StackConfig), so a value the program would refuse fails the
// estimate naming the key and what is allowed, before anything is previewed or priced.
func TestEstimateRefusesWhatTheStackRefuses(t *testing.T) {
	project, err := os.ReadFile(filepath.Join("..", "Pulumi.yaml"))
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), project, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.dev.yaml"),
		[]byte("config:\n  shopstack:environment: dev\n  shopstack:allowedOrigins: [\"http://shop.example.com\"]\n"), 0o644))

	for _, fixedOnly := range []bool{true, false} {
		_, err := EstimateStacks(Options{Root: dir, Prices: "prices.json", Capacity: "../" + capacity.Path, FixedOnly: fixedOnly}, []string{"dev"})
		require.Error(t, err)
		assert.Contains(t, err.Error(), `shopstack:allowedOrigins: "http://shop.example.com" is not an origin; use scheme://host[:port] with https (http only for localhost)`)
	}
}

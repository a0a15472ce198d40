package tests

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/engine"
)

// replicatedTables are the global tables every region but the data region holds a replica of.
var replicatedTables = "carts, idempotency, orders, processedEvents, products"

// previewAfterUpdate updates stack with its stack file's config edited by before, then previews
// it edited by after, returning the preview's error instead of failing on it.
func previewAfterUpdate(t *testing.T, stack string, before, after map[string]any) (*engine.Result, *engine.Result, error) {
	t.Helper()
	_, base, err := engine.LoadConfig(root, stack)
	require.NoError(t, err)
	edit := func(set map[string]any) engine.Options {
		cfg := cloneConfig(t, base)
		for k, v := range set {
			require.NoError(t, engine.SetConfig(cfg, k, v))
		}
		return engine.Options{Root: root, Stack: stack, Config: cfg}
	}
	up, err := engine.Update(context.Background(), edit(before))
	require.NoError(t, err)
	next := edit(after)
	next.Snapshot = up.Snapshot
	preview, err := engine.Preview(context.Background(), next)
	return up, preview, err
}

// TestScenarioReplicaRemovalNeedsKey: dropping a region that holds replicas, without listing it
// in shopstack:allowReplicaRemoval, fails config validation naming the key, the region and the
// tables — and nothing but the read of the stack's previous outputs registers.
func TestScenarioReplicaRemovalNeedsKey(t *testing.T) {
	for name, c := range map[string]struct {
		stack, removed string
		after          []string
	}{
		"staging drops us-west-2": {"staging", "us-west-2", []string{"us-east-1"}},
		"prod drops eu-west-1":    {"prod", "eu-west-1", []string{"us-east-1", "us-west-2"}},
		"prod drops two regions":  {"prod", "us-west-2", []string{"us-east-1"}},
	} {
		t.Run(name, func(t *testing.T) {
			_, preview, err := previewAfterUpdate(t, c.stack, nil, map[string]any{"shopstack:regions": c.after})
			require.Error(t, err)
			for _, fragment := range []string{"shopstack:allowReplicaRemoval", "region " + c.removed, "tables " + replicatedTables} {
				assert.Contains(t, err.Error(), fragment)
			}
			require.NotNil(t, preview)
			var registered []string
			for _, r := range preview.Graph.Resources {
				registered = append(registered, r.Type)
			}
			assert.Subset(t, []string{"pulumi:pulumi:Stack", "pulumi:pulumi:StackReference", "pulumi:providers:pulumi"}, registered,
				"only the stack's own previous outputs are read before validation fails")
		})
	}
}

// TestScenarioReplicaRemovalWithKey: prod lists eu-west-1 in shopstack:allowReplicaRemoval (an
// update that also lifts the protection of that region's table key: Pulumi deletes under the
// protection the state records), then drops it. Validation passes and the preview shows what the
// removal deletes: each global table updates its replicas (the eu-west-1 replica goes, as
// pulumi-aws does it: an in-place update of the table), and eu-west-1's own resources are deleted.
// No table is replaced or deleted.
func TestScenarioReplicaRemovalWithKey(t *testing.T) {
	allow := map[string]any{"shopstack:allowReplicaRemoval": []string{"eu-west-1"}}
	up, preview, err := previewAfterUpdate(t, "prod", allow,
		map[string]any{"shopstack:allowReplicaRemoval": []string{"eu-west-1"}, "shopstack:regions": []string{"us-east-1", "us-west-2"}})
	require.NoError(t, err)
	changes := preview.Changes()
	assert.Empty(t, changes["replace"], "%v", describe(changes))
	var tables []string
	for _, s := range changes["update"] {
		if s.Type == "aws:dynamodb/table:Table" {
			tables = append(tables, s.URN[strings.LastIndex(s.URN, "::")+2:]+" "+strings.Join(s.Diffs, ","))
		}
	}
	assert.Equal(t, []string{"data-carts replicas", "data-idempotency replicas", "data-orders replicas", "data-processedEvents replicas", "data-products replicas"},
		slices.Sorted(slices.Values(tables)))
	before, after := replicaRegionsOf(t, up, "data-orders"), replicaRegionsOf(t, preview, "data-orders")
	assert.Equal(t, []string{"eu-west-1", "us-west-2"}, before)
	assert.Equal(t, []string{"us-west-2"}, after, "the preview's table has lost its eu-west-1 replica")
	require.NotEmpty(t, changes["delete"])
	deletedTypes := map[string]int{}
	for _, s := range changes["delete"] {
		r, ok := up.Graph.ByURN(s.URN)
		require.True(t, ok, s.URN)
		assert.True(t, r.Region == "eu-west-1" || strings.Contains(r.Name, "eu-west-1") || r.Type == "pulumi:providers:aws",
			"only what concerns eu-west-1 is deleted: %s (%s)", s.URN, r.Region)
		assert.NotEqual(t, "aws:dynamodb/table:Table", s.Type, s.URN)
		deletedTypes[s.Type]++
	}
	assert.Equal(t, 1, deletedTypes["aws:kms/key:Key"], "eu-west-1's table key goes with its replicas")
	t.Logf("deleted: %d resources; table updates: %v", len(changes["delete"]), tables)
}

// TestScenarioReplicaRemovalProtectedKey: in prod, listing the region and dropping it in the same
// update stops at the engine's protection check on that region's table key: the key was
// protected when last deployed. The operator's order is therefore: list it, update, drop it.
func TestScenarioReplicaRemovalProtectedKey(t *testing.T) {
	_, _, err := previewAfterUpdate(t, "prod", nil,
		map[string]any{"shopstack:allowReplicaRemoval": []string{"eu-west-1"}, "shopstack:regions": []string{"us-east-1", "us-west-2"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "data-key-eu-west-1")
	assert.Contains(t, err.Error(), "protect")
}

// TestScenarioReplicaRegionsNeedNoKey: a first deployment (no previous outputs) and adding a
// region validate without shopstack:allowReplicaRemoval.
func TestScenarioReplicaRegionsNeedNoKey(t *testing.T) {
	t.Run("first deployment", func(t *testing.T) {
		res, err := engine.Preview(context.Background(), engine.Options{Root: root, Stack: "prod", NoPolicies: true})
		require.NoError(t, err)
		assert.NotEmpty(t, res.StepsOf("create"))
	})
	t.Run("adding a region", func(t *testing.T) {
		_, preview, err := previewAfterUpdate(t, "staging", nil, map[string]any{"shopstack:regions": []string{"us-east-1", "us-west-2", "eu-west-1"}})
		require.NoError(t, err)
		assert.Empty(t, preview.Changes()["delete"])
	})
	t.Run("outputs record the replicas", func(t *testing.T) {
		for _, s := range allStacks(t) {
			replicas, ok := s.update.Graph.Outputs["replicaTables"].(map[string]any)
			require.True(t, ok, "%s exports replicaTables: %v", s.name, s.update.Graph.Outputs["replicaTables"])
			var regions []string
			require.NoError(t, json.Unmarshal([]byte(s.config["shopstack:regions"]), &regions))
			assert.Len(t, replicas, len(regions)-1, "%s: every region but the data region (%v)", s.name, slices.Sorted(maps.Keys(replicas)))
		}
	})
}

// replicaRegionsOf is the replica regions of a table's inputs in res.
func replicaRegionsOf(t *testing.T, res *engine.Result, name string) []string {
	t.Helper()
	for _, r := range res.Graph.Resources {
		if r.Type != "aws:dynamodb/table:Table" || r.Name != name {
			continue
		}
		var out []string
		replicas, _ := r.Inputs["replicas"].([]any)
		for _, rep := range replicas {
			if m, ok := rep.(map[string]any); ok {
				out = append(out, m["regionName"].(string))
			}
		}
		return slices.Sorted(slices.Values(out))
	}
	t.Fatalf("no table %s", name)
	return nil
}

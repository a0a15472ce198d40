package tests

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/engine"
	"shopstack/engine/failover"
)

// writerMove is a change of writer region: the config before and after, and what the engine
// must plan.
type writerMove struct {
	stack         string
	before, after []string
}

// TestScenarioWriterMove: moving the writer region (the failover runbook) is a change of function
// configuration and of the event pipeline's placement, and nothing else. Exactly these update:
//   - every function that writes stock or orders, in every region: WRITER_REGION (environment);
//   - those functions' role policies: their grant on the tables and key moves to the new writer's
//     copy (policy);
//   - the four stream mappings of the old and the new writer's pipeline: enabled flips (enabled).
//
// No table, replica, KMS key, Cognito pool or client, queue, archive or ledger is replaced or
// deleted, and nothing is created: every region already has its standby pipeline.
func TestScenarioWriterMove(t *testing.T) {
	for name, m := range map[string]writerMove{
		"prod to us-west-2":    {"prod", []string{"us-east-1", "us-west-2", "eu-west-1"}, []string{"us-west-2", "us-east-1", "eu-west-1"}},
		"prod back":            {"prod", []string{"us-west-2", "us-east-1", "eu-west-1"}, []string{"us-east-1", "us-west-2", "eu-west-1"}},
		"staging to us-west-2": {"staging", []string{"us-east-1", "us-west-2"}, []string{"us-west-2", "us-east-1"}},
		"staging back":         {"staging", []string{"us-west-2", "us-east-1"}, []string{"us-east-1", "us-west-2"}},
	} {
		t.Run(name, func(t *testing.T) {
			up, preview := scenario(t, m.stack, map[string]any{"shopstack:regions": m.before}, map[string]any{"shopstack:regions": m.after})
			assertWriterMove(t, up, preview, m)
		})
	}
}

// writerFunctions are the services whose code writes stock or orders in the writer region.
var writerFunctions = []string{"cart", "catalog", "checkout", "orders"}

func assertWriterMove(t *testing.T, up, preview *engine.Result, m writerMove) {
	t.Helper()
	changes := preview.Changes()
	require.Equal(t, []string{"update"}, slices.Sorted(maps.Keys(changes)), "only updates: %v", describe(changes))
	var want, got []string
	for _, region := range m.after {
		for _, fn := range writerFunctions {
			want = append(want, "aws:lambda/function:Function "+region+"-"+fn+" [environment]")
			want = append(want, "aws:iam/rolePolicy:RolePolicy "+region+"-"+fn+"-policy [policy]")
		}
	}
	for _, region := range []string{m.before[0], m.after[0]} {
		for _, table := range []string{"orders", "products"} {
			want = append(want, "aws:lambda/eventSourceMapping:EventSourceMapping "+region+"-events-"+table+"-stream [enabled]")
		}
	}
	for _, s := range changes["update"] {
		r, ok := up.Graph.ByURN(s.URN)
		require.True(t, ok, s.URN)
		got = append(got, r.Type+" "+r.Name+" ["+strings.Join(s.Diffs, ",")+"]")
	}
	slices.Sort(want)
	slices.Sort(got)
	assert.Equal(t, want, got)

	// The new writer's pipeline reads the streams; every other region's stands by.
	for _, r := range preview.Graph.OfType(evMappingType) {
		if r.Inputs["startingPosition"] == nil {
			continue // a queue mapping: always on
		}
		assert.Equal(t, r.Region == m.after[0], r.Inputs["enabled"], "%s", r.Name)
	}
	for _, r := range preview.Graph.OfType(lambdaType) {
		env, _ := r.Inputs["environment"].(map[string]any)
		vars, _ := env["variables"].(map[string]any)
		if w, ok := vars["WRITER_REGION"]; ok {
			assert.Equal(t, m.after[0], w, "%s", r.Name)
		}
	}
}

// TestFailoverTargetsOnlyHealthyRegions: `make failover STACK=prod TO=us-west-2` with us-east-1
// down targets no resource whose provider is us-east-1's, and the engine's preview of the
// targeted update replaces and deletes nothing and has no step there.
func TestFailoverTargetsOnlyHealthyRegions(t *testing.T) {
	p, err := failover.Prepare(context.Background(), root, "prod", "us-west-2")
	require.NoError(t, err)
	assert.Equal(t, "us-east-1", p.Down)
	require.NotEmpty(t, p.Targets)
	failedProvider := ""
	for _, r := range p.Deployed.Graph.OfType("pulumi:providers:aws") {
		if r.Region == "us-east-1" {
			failedProvider = r.URN
		}
	}
	require.NotEmpty(t, failedProvider)
	for _, r := range p.Deployed.Graph.Resources {
		if r.Provider == failedProvider || r.URN == failedProvider {
			assert.NotContains(t, p.Targets, r.URN, "%s is managed in the failed region", r.Name)
		}
	}
	assert.NotEmpty(t, p.Deferred, "us-east-1's functions and mappings wait for it")
	assert.Empty(t, p.StatefulChanges())
	changes := p.Targeted.Changes()
	assert.Equal(t, []string{"update"}, slices.Sorted(maps.Keys(changes)))
	assert.Len(t, changes["update"], len(p.Targets), "the targeted update makes every targeted change")
	for _, s := range changes["update"] {
		r, ok := p.Deployed.Graph.ByURN(s.URN)
		require.True(t, ok)
		assert.NotEqual(t, "us-east-1", r.Region, s.URN)
	}
	var out bytes.Buffer
	require.NoError(t, p.Write(&out))
	assert.Contains(t, out.String(), "pulumi config set --path -s prod 'shopstack:regions[0]' us-west-2")
	assert.Contains(t, out.String(), "replacements and deletions: 0")
}

package tests

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"

	"shopstack/engine"
)

// TestPreviewEveryStack: `pulumi preview` of every environment from an empty state, on Pulumi's
// engine with the policy pack as its analyzer: it succeeds, plans only creates, reports no
// mandatory violation, and prints the CLI's own summary.
func TestPreviewEveryStack(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		res, err := engine.Preview(context.Background(), engine.Options{Root: root, Stack: s.name})
		require.NoError(t, err)
		assert.Empty(t, res.Mandatory())
		creates := res.StepsOf("create")
		assert.Equal(t, len(res.Steps)-len(res.StepsOf("read")), len(creates), "a new stack only creates (and reads its own previous outputs)")
		later := laterThanFirstPreview(s.graph)
		assert.Positive(t, later)
		assert.Len(t, creates, len(s.update.StepsOf("create"))-later, "the preview plans what the update does")
		var out bytes.Buffer
		require.NoError(t, res.Display(&out))
		assert.Contains(t, out.String(), "Resources:")
		// The summary counts resources, not the stack itself nor the default provider of the
		// stack reference (the CLI's display hides default providers).
		assert.Contains(t, out.String(), fmt.Sprintf("+ %d to create", len(creates)-2))
	})
}

// TestSecondUpdateChangesNothing: updating a stack again with nothing changed is all "same" —
// no create, update, replace or delete. Non-deterministic inputs (time, map order, archive
// bytes, random names) would show up here.
func TestSecondUpdateChangesNothing(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		require.NotNil(t, s.update.Snapshot)
		res, err := engine.Update(context.Background(), engine.Options{Root: root, Stack: s.name, Snapshot: s.update.Snapshot})
		require.NoError(t, err)
		assert.Empty(t, describe(res.Changes()), "nothing changes")
		assert.Len(t, res.StepsOf("same"), len(s.update.StepsOf("create")))
	})
}

// describe lists changed steps as "op urn [keys]" for a readable failure.
func describe(changes map[string][]engine.Step) []string {
	var out []string
	for _, op := range slices.Sorted(maps.Keys(changes)) {
		for _, s := range changes[op] {
			out = append(out, fmt.Sprintf("%s %s %v", op, s.URN, s.Diffs))
		}
	}
	return out
}

// scenario updates stack with its stack file's config edited by before, then previews the same
// stack with the config edited by after: what an operator's change would do.
func scenario(t *testing.T, stack string, before, after map[string]any) (*engine.Result, *engine.Result) {
	t.Helper()
	_, base, err := engine.LoadConfig(root, stack)
	require.NoError(t, err)
	edit := func(set map[string]any) *engine.Options {
		cfg := cloneConfig(t, base)
		for k, v := range set {
			require.NoError(t, engine.SetConfig(cfg, k, v))
		}
		return &engine.Options{Root: root, Stack: stack, Config: cfg}
	}
	first := edit(before)
	up := sharedUpdate(t, stack, first.Config)
	if up == nil {
		up, err = engine.Update(context.Background(), *first)
		if err != nil && up != nil {
			t.Log(strings.Join(up.Errors, "\n"))
		}
		require.NoError(t, err)
	}
	next := edit(after)
	next.Snapshot = up.Snapshot
	preview, err := engine.Preview(context.Background(), *next)
	require.NoError(t, err)
	return up, preview
}

// sharedUpdate is allStacks' update of stack when cfg gives the program the same config as the
// stack file (most scenarios start from the stack as committed), else nil: one update from empty
// state per config, however many tests start from it.
func sharedUpdate(t *testing.T, stack string, cfg config.Map) *engine.Result {
	t.Helper()
	program, err := engine.ProgramConfig(cfg)
	require.NoError(t, err)
	for _, s := range allStacks(t) {
		if s.name == stack && maps.Equal(s.config, program) {
			return s.update
		}
	}
	return nil
}

// TestScenarioLogRetention: changing the log retention updates the log groups, and only them.
func TestScenarioLogRetention(t *testing.T) {
	_, preview := scenario(t, "staging", nil, map[string]any{"shopstack:logRetentionDays": 60})
	changes := preview.Changes()
	assert.Equal(t, []string{"update"}, slices.Sorted(maps.Keys(changes)), "%v", describe(changes))
	require.NotEmpty(t, changes["update"])
	for _, s := range changes["update"] {
		assert.Equal(t, "aws:cloudwatch/logGroup:LogGroup", s.Type, "%s", s.URN)
		assert.Equal(t, []string{"retentionInDays"}, s.Diffs, "%s", s.URN)
	}
}

// TestScenarioRegionAdded: adding eu-west-1 to staging creates that region's resources and the
// alarms that watch it from elsewhere (replication latency towards it, its health check in
// us-east-1), gives every global table a replica there (an in-place update), redraws the
// dashboards — and replaces or deletes nothing.
func TestScenarioRegionAdded(t *testing.T) {
	_, preview := scenario(t, "staging", nil, map[string]any{"shopstack:regions": []string{"us-east-1", "us-west-2", "eu-west-1"}})
	changes := preview.Changes()
	assert.Equal(t, []string{"create", "update"}, slices.Sorted(maps.Keys(changes)), "%v", describe(changes))
	for _, s := range changes["create"] {
		r, ok := previewResource(preview, s.URN)
		require.True(t, ok, s.URN)
		about := r.Region == "eu-west-1" || strings.Contains(r.Name, "eu-west-1")
		assert.True(t, about, "only what concerns the new region is created: %s (%s)", s.URN, r.Region)
	}
	updated := map[string][]string{}
	for _, s := range changes["update"] {
		updated[s.Type] = append(updated[s.Type], strings.Join(s.Diffs, ","))
	}
	assert.Equal(t, []string{"replicas", "replicas", "replicas", "replicas", "replicas"}, updated["aws:dynamodb/table:Table"], "the five global tables (the ledger too) gain a replica")
	assert.Equal(t, []string{"dashboardBody", "dashboardBody"}, updated["aws:cloudwatch/dashboard:Dashboard"], "each region's dashboard shows the new pairs")
	assert.Len(t, updated, 2, "nothing else changes: %v", updated)
}

// TestScenarioRegionRemoved: removing us-west-2 from staging (allowing the deletion of its replicas,
// TestScenarioReplicaRemovalNeedsKey) deletes that region's resources and the alarms elsewhere that
// watched it (its health check, replication towards it), takes its replicas off the tables, and
// replaces nothing.
func TestScenarioRegionRemoved(t *testing.T) {
	up, preview := scenario(t, "staging", nil, map[string]any{"shopstack:regions": []string{"us-east-1"}, "shopstack:allowReplicaRemoval": []string{"us-west-2"}})
	changes := preview.Changes()
	assert.Empty(t, changes["replace"], "%v", describe(changes))
	require.NotEmpty(t, changes["delete"])
	for _, s := range changes["delete"] {
		r, ok := up.Graph.ByURN(s.URN)
		require.True(t, ok, s.URN)
		about := r.Region == "us-west-2" || strings.Contains(r.Name, "us-west-2") || r.Type == "pulumi:providers:aws"
		assert.True(t, about, "only what concerns us-west-2 is deleted: %s (%s)", s.URN, r.Region)
	}
	updated := map[string][]string{}
	for _, s := range changes["update"] {
		updated[s.Type] = append(updated[s.Type], strings.Join(s.Diffs, ","))
	}
	assert.Equal(t, []string{"replicas", "replicas", "replicas", "replicas", "replicas"}, updated["aws:dynamodb/table:Table"], "the global tables lose their us-west-2 replica")
	assert.Len(t, changes["update"], len(updated["aws:dynamodb/table:Table"])+len(updated["aws:cloudwatch/dashboard:Dashboard"]), "%v", updated)
	t.Logf("deleted: %d resources; updated: %v", len(changes["delete"]), updated)
}

// previewResource finds a resource of a preview's graph.
func previewResource(res *engine.Result, urn string) (engine.GraphResource, bool) {
	return res.Graph.ByURN(urn)
}

// BenchmarkPreview measures one engine preview per environment, warm: the functions are built
// (and their inputs hashed) once per process, before the first measured preview.
func BenchmarkPreview(b *testing.B) {
	names, err := engine.Stacks(root)
	require.NoError(b, err)
	_, err = engine.Preview(context.Background(), engine.Options{Root: root, Stack: names[0]})
	require.NoError(b, err)
	for _, name := range names {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := engine.Preview(context.Background(), engine.Options{Root: root, Stack: name}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// laterThanFirstPreview counts the resources an update registers that a first preview cannot:
// the RestAPI's children, which the real component registers only once its routes are known (an
// apply in pulumi-aws-apigateway). (The builtin pulumi provider, which serves the getResource
// lookups our transform makes for the Stage, registers in a preview too: it serves the stack
// reference that reads the stack's previous outputs.)
func laterThanFirstPreview(g *engine.Graph) int {
	n := 0
	for _, r := range g.Resources {
		parent, ok := g.ByURN(r.Parent)
		if ok && parent.Type == restAPIType {
			n++
		}
	}
	return n
}

package tests

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/pkg/v3/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/providers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/contract"
	"shopstack/engine"
)

// TestScenarioPreDataRegionStateKeepsURNs: a stack deployed before the data-region design had one
// event pipeline, a top-level component "events" in the writer region, whose ledger was its own
// child table "events-processedEvents". The aliases (stacks/platform.go eventsAliases,
// stacks/data.go tableAliases) must carry that state over: the writer region's pipeline and the
// ledger (now the data component's global table) keep their state, nothing is created or deleted
// for them. The old state is today's staging update with those resources' URNs written back to the
// old layout (the URNs are all that the aliases match on).
//
// It failed before stacks.formerPipeline, for a real defect: a grandchild whose name derives from
// the component's name and not from its parent's (the archive "us-east-1-events-archive" under the
// bus "us-east-1-events-bus", the stream mappings under the publisher function, the role policies
// under their roles, the rules and targets under the bus) inherited an alias with its current name
// under the parent's old URN, which is not its old URN ("events-archive" under "events-bus"): the
// preview deleted and re-created 10 such resources, the event archive among them.
func TestScenarioPreDataRegionStateKeepsURNs(t *testing.T) {
	up, err := engine.Update(context.Background(), engine.Options{Root: root, Stack: "staging"})
	require.NoError(t, err)
	const (
		prefix    = "urn:pulumi:staging::shopstack::"
		newEvents = "shopstack:platform:Region$shopstack:events:Events"
		newLedger = prefix + "shopstack:data:Data$aws:dynamodb/table:Table::data-processedEvents"
		oldLedger = prefix + "shopstack:events:Events$aws:dynamodb/table:Table::events-processedEvents"
		oldEvents = prefix + "shopstack:events:Events::events"
	)
	// The consumers were not components then: their resources sat directly under the pipeline.
	consumerParent := map[resource.URN]resource.URN{}
	for _, r := range up.Snapshot.Resources {
		if r.Type == consumerType {
			consumerParent[r.URN] = r.Parent
		}
	}
	old := func(urn resource.URN) resource.URN {
		if parent, ok := consumerParent[urn]; ok {
			urn = parent
		}
		s := strings.Replace(string(urn), "$"+consumerType, "", 1)
		switch {
		case s == newLedger:
			return oldLedger
		case strings.HasPrefix(s, prefix+newEvents) && strings.Contains(s, "::us-east-1-events"):
			typ, name, _ := strings.Cut(strings.TrimPrefix(s, prefix), "::")
			return resource.URN(prefix + strings.TrimPrefix(typ, "shopstack:platform:Region$") + "::" + strings.Replace(name, "us-east-1-events", "events", 1))
		}
		return urn
	}
	var renamed []resource.URN
	var states []*resource.State
	for _, r := range up.Snapshot.Resources {
		if r.Type == consumerType {
			continue
		}
		c := r.Copy()
		c.URN, c.Parent, c.DeletedWith = old(r.URN), old(r.Parent), old(r.DeletedWith)
		if c.URN == oldEvents {
			c.Parent = prefix + "pulumi:pulumi:Stack::shopstack-staging" // it was top-level
		}
		if c.URN == oldLedger {
			c.Parent = oldEvents
		}
		for i, d := range c.Dependencies {
			c.Dependencies[i] = old(d)
		}
		for k, deps := range c.PropertyDependencies {
			for i, d := range deps {
				c.PropertyDependencies[k][i] = old(d)
			}
		}
		if c.URN != r.URN {
			renamed = append(renamed, c.URN)
		}
		states = append(states, c)
	}
	require.Contains(t, renamed, resource.URN(oldLedger))
	require.Contains(t, renamed, resource.URN(oldEvents))
	before := *up.Snapshot
	before.Resources = parentsFirst(states)
	require.NoError(t, before.VerifyIntegrity(), "the old layout is a valid state")

	preview, err := engine.Preview(context.Background(), engine.Options{Root: root, Stack: "staging", Snapshot: &before})
	require.NoError(t, err)
	changes := preview.Changes()
	// The consumers became components since: each is new, and creating a component creates
	// nothing in AWS. Every resource is matched by an alias.
	var consumers []string
	for _, step := range changes["create"] {
		if step.Type == consumerType {
			consumers = append(consumers, step.URN)
		}
	}
	assert.Len(t, consumers, 2*len(contract.Consumers), "a consumer component per consumer and region")
	changes["create"] = slices.DeleteFunc(changes["create"], func(s engine.Step) bool { return s.Type == consumerType })
	if len(changes["create"]) == 0 {
		delete(changes, "create")
	}
	assert.Empty(t, describe(changes), "every old URN is matched by an alias: nothing created, deleted or replaced")
	t.Logf("%d resources carried over from the old layout by aliases", len(renamed))
}

// parentsFirst orders states so that each comes after its parent, provider and dependencies, as a
// snapshot must be (deploy.Snapshot.VerifyIntegrity); otherwise it keeps their order.
func parentsFirst(states []*resource.State) []*resource.State {
	byURN := map[resource.URN]*resource.State{}
	for _, s := range states {
		byURN[s.URN] = s
	}
	done := map[resource.URN]bool{}
	var out []*resource.State
	var visit func(s *resource.State)
	visit = func(s *resource.State) {
		if done[s.URN] {
			return
		}
		done[s.URN] = true
		needs := append([]resource.URN{s.Parent}, s.Dependencies...)
		if ref, err := providers.ParseReference(s.Provider); err == nil {
			needs = append(needs, ref.URN())
		}
		for _, deps := range s.PropertyDependencies {
			needs = append(needs, deps...)
		}
		for _, n := range needs {
			if d, ok := byURN[n]; ok {
				visit(d)
			}
		}
		out = append(out, s)
	}
	for _, s := range states {
		visit(s)
	}
	return out
}

package tests

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/policies"
	"shopstack/stacks"
	"shopstack/tests/harness"
	"shopstack/tests/plan"
)

// TestPoliciesPassEveryStack evaluates the policy pack on every environment's graph, as
// `pulumi preview --policy-pack policies` would: no violation at all, mandatory or advisory
// (no advisory finding is intended yet).
func TestPoliciesPassEveryStack(t *testing.T) {
	engine, err := policies.New(context.Background())
	require.NoError(t, err)
	forEachStack(t, func(t *testing.T, s stackRun) {
		resources := plan.PolicyResources(s.graph)
		require.NotEmpty(t, resources)
		vs, err := engine.Evaluate(context.Background(), resources)
		require.NoError(t, err)
		var lines []string
		for _, v := range vs {
			lines = append(lines, fmt.Sprintf("%s %s %s: %s", v.Level, v.Rule, v.URN, v.Message))
		}
		assert.Empty(t, vs, "violations:\n%s", strings.Join(lines, "\n"))
	})
}

// BenchmarkPolicyEvaluationProd measures one evaluation of the whole pack on the prod graph.
func BenchmarkPolicyEvaluationProd(b *testing.B) {
	g, err := harness.RunStack(root, "prod", stacks.Run)
	require.NoError(b, err)
	engine, err := policies.New(context.Background())
	require.NoError(b, err)
	resources := plan.PolicyResources(g)
	for b.Loop() {
		if _, err := engine.Evaluate(context.Background(), resources); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(resources)), "resources")
}

package tests

import (
	"encoding/json"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"shopstack/stacks"
	"shopstack/tests/harness"
)

// root is the project folder, where Pulumi.yaml and the stack files live.
const root = ".."

// stackRun is one environment's recorded graph and the config it ran with.
type stackRun struct {
	name   string
	config map[string]string
	graph  *harness.Graph
}

var (
	runsOnce sync.Once
	runs     []stackRun
	runsErr  error
)

// allStacks runs the real program once per Pulumi.<env>.yaml and shares the graphs between tests.
func allStacks(t *testing.T) []stackRun {
	t.Helper()
	runsOnce.Do(func() {
		names, err := harness.Stacks(root)
		if err != nil {
			runsErr = err
			return
		}
		for _, name := range names {
			cfg, err := harness.LoadConfig(root, name)
			if err != nil {
				runsErr = err
				return
			}
			g, err := harness.Run("shopstack", name, cfg, stacks.Run)
			if err != nil {
				runsErr = err
				return
			}
			runs = append(runs, stackRun{name: name, config: cfg, graph: g})
		}
	})
	require.NoError(t, runsErr)
	require.NotEmpty(t, runs)
	return runs
}

// forEachStack runs f as a subtest per environment.
func forEachStack(t *testing.T, f func(t *testing.T, s stackRun)) {
	for _, s := range allStacks(t) {
		t.Run(s.name, func(t *testing.T) { f(t, s) })
	}
}

func (s stackRun) configInt(t *testing.T, key string) int {
	t.Helper()
	v, err := strconv.Atoi(s.config["shopstack:"+key])
	require.NoError(t, err, "config %s", key)
	return v
}

func (s stackRun) regions(t *testing.T) []string {
	t.Helper()
	var regions []string
	require.NoError(t, json.Unmarshal([]byte(s.config["shopstack:regions"]), &regions))
	return regions
}

// parsePolicy decodes an IAM policy document held as a JSON string.
func parsePolicy(t *testing.T, doc any) policyDoc {
	t.Helper()
	s, ok := doc.(string)
	require.True(t, ok, "policy is a JSON string, got %T", doc)
	var p policyDoc
	require.NoError(t, json.Unmarshal([]byte(s), &p))
	return p
}

type policyDoc struct {
	Version   string
	Statement []struct {
		Sid       string
		Effect    string
		Principal map[string]any
		Action    any
		Resource  any
	}
}

func countJSONList(t *testing.T, raw string) int {
	t.Helper()
	var l []any
	require.NoError(t, json.Unmarshal([]byte(raw), &l))
	return len(l)
}

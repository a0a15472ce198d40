package tests

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"shopstack/engine"
)

// root is the project folder, where Pulumi.yaml and the stack files live.
const root = ".."

// stackRun is one environment's first update on the offline engine (from an empty state), the
// graph it produced and the config it ran with, as the program received it.
type stackRun struct {
	name   string
	config map[string]string
	graph  *engine.Graph
	update *engine.Result
}

var (
	runsOnce sync.Once
	runs     []stackRun
	runsErr  error
)

// allStacks updates every Pulumi.<env>.yaml once from empty state on the offline engine and shares
// the results between tests.
func allStacks(t *testing.T) []stackRun {
	t.Helper()
	runsOnce.Do(func() {
		names, err := engine.Stacks(root)
		if err != nil {
			runsErr = err
			return
		}
		for _, name := range names {
			_, stackConfig, err := engine.LoadConfig(root, name)
			if err != nil {
				runsErr = err
				return
			}
			cfg, err := engine.ProgramConfig(stackConfig)
			if err != nil {
				runsErr = err
				return
			}
			res, err := engine.Update(context.Background(), engine.Options{Root: root, Stack: name})
			if err != nil {
				runsErr = err
				return
			}
			runs = append(runs, stackRun{name: name, config: cfg, graph: res.Graph, update: res})
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

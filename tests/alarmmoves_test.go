package tests

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/pkg/v3/resource/deploy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/engine"
)

// baseCommit is the last commit before each component declared its own alarms: the program
// whose state tests/testdata/base-<stack>.json.gz holds. To record it again (after a change to
// the engine's stand-ins, say):
//
//	git worktree add --detach /tmp/shopstack-base 4b51297
//	cp -r cmd/snapshot /tmp/shopstack-base/cmd/ && cp engine/snapshot.go /tmp/shopstack-base/engine/
//	for s in dev staging prod; do (cd /tmp/shopstack-base && go run ./cmd/snapshot -stack $s -o $OLDPWD/tests/testdata/base-$s.json.gz); done
//	git worktree remove --force /tmp/shopstack-base
const baseCommit = "4b51297"

// consumerType is the event consumer component's type: its resources sat under the pipeline at
// baseCommit.
const consumerType = "shopstack:events:EventConsumer"

// TestAlarmsMoveInPlace: a stack deployed by the program at baseCommit, where every alarm sat
// under its region's Alarms, previews with today's program (each alarm under the component that
// owns what it watches) without creating, replacing or deleting anything: every moved alarm
// keeps its identity through an alias to its former parent. The only updates are the dashboards,
// which now show the event pipeline's functions too (and the code of a function changed since). The moves are exactly those listed in
// tests/testdata/alarm-moves-<stack>.txt (old URN, then new).
func TestAlarmsMoveInPlace(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		base := readBase(t, s.name)
		// Without the policy pack: the steps are the question here, and TestPreviewEveryStack
		// has the pack's verdict.
		res, err := engine.Preview(context.Background(), engine.Options{Root: root, Stack: s.name, Snapshot: base, NoPolicies: true})
		require.NoError(t, err)
		changes := res.Changes()
		for op, steps := range changes {
			if op == "create" {
				// The consumers became components: each is new, and creating a component
				// creates nothing in AWS.
				for _, step := range steps {
					assert.Equal(t, consumerType, step.Type, "only the consumer components are new: %s", step.URN)
				}
				continue
			}
			assert.Equal(t, "update", op, "%v", describe(changes))
		}
		for _, step := range changes["update"] {
			// A function whose code changed since baseCommit deploys its new archive: a code
			// change, not a move, and the only other update allowed.
			if step.Type == lambdaType && slices.Equal(step.Diffs, []string{"code"}) {
				continue
			}
			assert.Equal(t, "aws:cloudwatch/dashboard:Dashboard", step.Type, "only the dashboards change: %s %v", step.URN, step.Diffs)
			assert.Equal(t, []string{"dashboardBody"}, step.Diffs, step.URN)
		}
		assertDashboardsGainPipeline(t, s, base, res)

		baseURNs := map[string]string{} // type and name -> URN
		for _, r := range base.Resources {
			baseURNs[string(r.Type)+"::"+r.URN.Name()] = string(r.URN)
		}
		var moves []string
		for _, step := range res.Steps {
			if step.Op == "read" {
				continue // the program's read of its own last outputs (stacks.previousReplicaTables): state of no resource
			}
			if step.Type == consumerType {
				continue // new, above
			}
			old, ok := baseURNs[step.Type+"::"+step.URN[strings.LastIndex(step.URN, "::")+2:]]
			require.True(t, ok, "%s is in the base state", step.URN)
			if old != step.URN {
				if !strings.Contains(step.URN, "$"+consumerType+"$") {
					assert.Equal(t, "aws:cloudwatch/metricAlarm:MetricAlarm", step.Type, "only alarms and the consumers' resources move: %s", step.URN)
				}
				codeOnly := step.Op == "update" && step.Type == lambdaType && slices.Equal(step.Diffs, []string{"code"})
				assert.True(t, step.Op == "same" || codeOnly, "a moved resource is the same resource (a function may deploy new code): %s %s %v", step.Op, step.URN, step.Diffs)
				moves = append(moves, old+" -> "+step.URN)
			}
		}
		slices.Sort(moves)
		golden := filepath.Join("testdata", "alarm-moves-"+s.name+".txt")
		if os.Getenv("SHOPSTACK_WRITE_MOVES") != "" {
			require.NoError(t, os.WriteFile(golden, []byte(strings.Join(moves, "\n")+"\n"), 0o644))
		}
		want, err := os.ReadFile(golden)
		require.NoError(t, err)
		assert.Equal(t, strings.Split(strings.TrimSpace(string(want)), "\n"), moves, "the moved alarms and consumer resources")
	})
}

// assertDashboardsGainPipeline: each dashboard's function widgets keep what they showed and gain
// exactly the event pipeline's functions of the stack.
func assertDashboardsGainPipeline(t *testing.T, s stackRun, base *deploy.Snapshot, res *engine.Result) {
	t.Helper()
	pipeline := []string{"publisher", "notifications", "stock-alerts"}
	for _, r := range base.Resources {
		if r.Type != "aws:cloudwatch/dashboard:Dashboard" {
			continue
		}
		now, ok := res.Graph.ByURN(string(r.URN))
		require.True(t, ok, r.URN)
		before, after := dashboardFunctions(t, r.Inputs["dashboardBody"].StringValue()), dashboardFunctions(t, now.Inputs["dashboardBody"].(string))
		var want []string
		for _, fn := range pipeline {
			want = append(want, "shopstack-"+s.name+"-"+fn)
		}
		assert.Equal(t, append(before, want...), after, "%s: the same functions, then the pipeline's", r.URN.Name())
	}
}

// dashboardFunctions lists the functions of a dashboard's "Function errors" widget, in order.
func dashboardFunctions(t *testing.T, body string) []string {
	t.Helper()
	var d struct {
		Widgets []struct {
			Properties struct {
				Title   string
				Metrics [][]any
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(body), &d))
	var out []string
	for _, w := range d.Widgets {
		if w.Properties.Title == "Function errors" {
			for _, m := range w.Properties.Metrics {
				out = append(out, m[3].(string))
			}
		}
	}
	return out
}

// readBase reads the state baseCommit's program left after updating stack from empty state.
func readBase(t *testing.T, stack string) *deploy.Snapshot {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "base-"+stack+".json.gz"))
	require.NoError(t, err)
	defer f.Close()
	snap, err := engine.ReadSnapshot(context.Background(), f)
	require.NoError(t, err)
	return snap
}

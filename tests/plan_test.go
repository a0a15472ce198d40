package tests

import (
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	pengine "github.com/pulumi/pulumi/pkg/v3/engine"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"

	"shopstack/engine"
	"shopstack/engine/plan"
	"shopstack/lambdabuild"
)

var (
	plansOnce sync.Once
	plansJSON []*plan.Plan
	plansErr  error
)

// planJSON is every environment's plan as `plan -json` writes it (plan.WriteJSON), read back:
// made once and shared by the tests that read it. The command's own flags, exit status and stderr
// are cmd/plan's tests.
func planJSON(t *testing.T) []*plan.Plan {
	t.Helper()
	plansOnce.Do(func() {
		names, err := engine.Stacks(root)
		if err != nil {
			plansErr = err
			return
		}
		var plans []*plan.Plan
		for _, name := range names {
			p, err := plan.Load(context.Background(), root, name)
			if err != nil {
				plansErr = err
				return
			}
			plans = append(plans, p)
		}
		var out bytes.Buffer
		if plansErr = plan.WriteJSON(&out, plans); plansErr == nil {
			plansJSON, plansErr = plan.ReadJSON(out.Bytes())
		}
	})
	require.NoError(t, plansErr)
	return plansJSON
}

// TestPlanJSON checks the machine-readable plan against the graph the stack tests see.
func TestPlanJSON(t *testing.T) {
	plans := planJSON(t)
	runs := allStacks(t)
	require.Len(t, plans, len(runs))
	for i, s := range runs {
		p := plans[i]
		assert.Equal(t, s.name, p.Stack)
		// The plan is a first preview; what only an update registers is the difference.
		assert.Len(t, p.Resources, len(s.graph.Resources)-laterThanFirstPreview(s.graph), "%s: every registered resource", s.name)
		assert.ElementsMatch(t, sortedCopy(s.regions(t)), p.Regions)
		for key := range s.graph.Outputs {
			assert.Contains(t, p.Outputs, key)
		}
		assert.Equal(t, p.Policy.Mandatory+p.Policy.Advisory, len(p.Policy.Violations))
	}
}

// TestPlanDiff checks the comparison behind `make plan-diff` on two small plans.
func TestPlanDiff(t *testing.T) {
	fn := plan.Resource{URN: "urn:fn", Type: "aws:lambda/function:Function", Name: "fn", Region: "us-east-1",
		Custom: true, Inputs: map[string]any{"memorySize": 256.0, "tags": map[string]any{"a": "1"}}}
	gone := plan.Resource{URN: "urn:gone", Type: "aws:sqs/queue:Queue", Name: "gone", Custom: true}
	changed := fn
	changed.Inputs = map[string]any{"memorySize": 512.0, "tags": map[string]any{"a": "1", "b": "2"}}
	added := plan.Resource{URN: "urn:new", Type: "aws:dynamodb/table:Table", Name: "new", Custom: true}

	base := []*plan.Plan{{Stack: "dev", Resources: []plan.Resource{fn, gone}, Outputs: map[string]any{"x": "1"}}}
	head := []*plan.Plan{
		{Stack: "dev", Resources: []plan.Resource{changed, added}, Outputs: map[string]any{"x": engine.Unknown}},
		{Stack: "qa", Resources: []plan.Resource{added}},
	}
	diffs := plan.Compare(base, head)
	require.Len(t, diffs, 2)
	d := diffs[0]
	assert.Equal(t, "dev", d.Stack)
	require.Len(t, d.Added, 1)
	assert.Equal(t, "urn:new", d.Added[0].URN)
	require.Len(t, d.Removed, 1)
	assert.Equal(t, "urn:gone", d.Removed[0].URN)
	require.Len(t, d.Changed, 1)
	var paths []string
	for _, f := range d.Changed[0].Fields {
		paths = append(paths, f.Path)
	}
	assert.Equal(t, []string{"inputs.memorySize", "inputs.tags.b"}, paths)
	require.Len(t, d.Outputs, 1)
	assert.Equal(t, "x", d.Outputs[0].Path)
	assert.Equal(t, "head", diffs[1].Only)

	var out bytes.Buffer
	require.NoError(t, plan.WriteDiff(&out, "main", diffs))
	assert.Contains(t, out.String(), "stack dev: 1 added, 1 removed, 1 changed, 1 outputs changed\n")
	assert.Contains(t, out.String(), "      inputs.memorySize: 256 -> 512\n")
	assert.Contains(t, out.String(), "      inputs.tags.b: (absent) -> \"2\"\n")

	same := plan.Compare(base, base)
	require.Len(t, same, 1)
	assert.Empty(t, same[0].Added)
	assert.Empty(t, same[0].Removed)
	assert.Empty(t, same[0].Changed)
}

// TestDiagram draws a small architecture from its dependency graph and checks the edges the
// diagram promises: API →
// function, function → table, alarms (collapsed per region when many) → topic, table ⇢ replica,
// and an event source mapping drawn as table → function.
func TestDiagram(t *testing.T) {
	const region = "us-east-1"
	res := func(typ, name string, inputs, state map[string]any) plan.Resource {
		return plan.Resource{URN: "urn:pulumi:dev::shopstack::" + typ + "::" + name, Type: typ, Name: name,
			Region: region, Custom: true, Inputs: inputs, State: state}
	}
	fnArn := "arn:aws:lambda:us-east-1:1:function:shop-orders"
	table := res("aws:dynamodb/table:Table", "us-east-1-orders",
		map[string]any{"name": "shop-orders-table", "replicas": []any{map[string]any{"regionName": "eu-west-1"}}},
		map[string]any{"name": "shop-orders-table", "arn": "arn:aws:dynamodb:us-east-1:1:table/shop-orders-table"})
	fn := res("aws:lambda/function:Function", "us-east-1-orders",
		map[string]any{"name": "shop-orders", "environment": map[string]any{"variables": map[string]any{"TABLE": "shop-orders-table"}}},
		map[string]any{"name": "shop-orders", "arn": fnArn})
	fn.URN += "-fn"
	api := res("aws-apigateway:index:RestAPI", "us-east-1-api",
		map[string]any{"routes": []any{map[string]any{"path": "/orders", "eventHandler": fn.URN}}}, map[string]any{})
	api.Custom = false
	topic := res("aws:sns/topic:Topic", "us-east-1-alerts", map[string]any{},
		map[string]any{"name": "alerts", "arn": "arn:aws:sns:us-east-1:1:alerts"})
	mapping := res("aws:lambda/eventSourceMapping:EventSourceMapping", "us-east-1-stream",
		map[string]any{"eventSourceArn": "arn:aws:dynamodb:us-east-1:1:table/shop-orders-table/stream/x", "functionName": fnArn},
		map[string]any{})
	remote := res("aws:lambda/function:Function", "eu-west-1-orders",
		map[string]any{"environment": map[string]any{"variables": map[string]any{"TABLE": "shop-orders-table"}}},
		map[string]any{"name": "shop-orders", "arn": "arn:aws:lambda:eu-west-1:1:function:shop-orders"})
	remote.Region = "eu-west-1"
	remote.Parent = "urn:pulumi:dev::shopstack::shopstack:index:Function::eu-west-1-orders"
	// A function in another region than the writer: its role's policy grants its own replica and
	// the writer region's copy (both ARNs derive from the one table's).
	remotePolicy := res("aws:iam/rolePolicy:RolePolicy", "eu-west-1-orders-policy",
		map[string]any{"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:PutItem"],"Resource":[` +
			`"arn:aws:dynamodb:eu-west-1:1:table/shop-orders-table","arn:aws:dynamodb:us-east-1:1:table/shop-orders-table",` +
			`"arn:aws:dynamodb:us-east-1:1:table/shop-orders-table/index/byOwner"]}]}`}, map[string]any{})
	remotePolicy.Region, remotePolicy.Parent = "eu-west-1", remote.Parent
	component := plan.Resource{URN: remote.Parent, Type: "shopstack:index:Function", Name: "eu-west-1-orders", Region: "eu-west-1"}
	// Edges come from the engine's dependency graph, not from names in the inputs.
	fn.Dependencies = []string{table.URN}
	api.Dependencies = []string{fn.URN}
	mapping.Dependencies = []string{fn.URN, table.URN}
	remotePolicy.Dependencies = []string{table.URN}
	resources := []plan.Resource{table, fn, api, topic, mapping, component, remote, remotePolicy}
	for _, name := range []string{"a", "b", "c", "d"} {
		alarm := res("aws:cloudwatch/metricAlarm:MetricAlarm", "us-east-1-"+name,
			map[string]any{"alarmActions": []any{"arn:aws:sns:us-east-1:1:alerts"}, "dimensions": map[string]any{"FunctionName": "shop-orders"}},
			map[string]any{"name": name})
		alarm.Dependencies = []string{fn.URN, topic.URN}
		resources = append(resources, alarm)
	}
	d := plan.NewDiagram(&plan.Plan{Stack: "dev", Resources: resources})

	require.Len(t, d.Clusters, 2, "the writer region and the replica's region")
	assert.Equal(t, "eu-west-1", d.Clusters[0].Region)
	mermaid := d.Mermaid()
	for _, want := range []string{
		"api_us_east_1_us_east_1_api --> lambda_us_east_1_us_east_1_orders",
		"lambda_us_east_1_us_east_1_orders --> table_us_east_1_us_east_1_orders",
		"alarm_us_east_1_all --> topic_us_east_1_us_east_1_alerts",
		"table_us_east_1_us_east_1_orders -.-> replica_eu_west_1_us_east_1_orders",
		"table_us_east_1_us_east_1_orders --> lambda_us_east_1_us_east_1_orders",
		`alarm_us_east_1_all{{"4 alarms"}}`,
		`subgraph region_eu_west_1["eu-west-1"]`,
	} {
		assert.Contains(t, mermaid, want)
	}
	assert.NotContains(t, mermaid, "alarm_us_east_1_all --> lambda", "a count node only keeps its edges to topics")
	assert.Contains(t, mermaid, "lambda_eu_west_1_eu_west_1_orders -->|reads| replica_eu_west_1_us_east_1_orders",
		"a function reads the table's replica in its own region")
	assert.Contains(t, mermaid, "lambda_eu_west_1_eu_west_1_orders -->|writes| table_us_east_1_us_east_1_orders",
		"and writes in the writer region, as its policy's ARNs say")
	assert.Contains(t, d.DOT(), `lambda_eu_west_1_eu_west_1_orders -> table_us_east_1_us_east_1_orders [label="writes"];`)
	assert.NotContains(t, mermaid, "eventsourcemapping", "wiring resources become edges, not nodes")
	assert.Contains(t, d.DOT(), "table_us_east_1_us_east_1_orders -> replica_eu_west_1_us_east_1_orders [style=dashed];")
}

// TestDiagramEveryRegion draws every environment's recorded graph: one cluster per region.
func TestDiagramEveryRegion(t *testing.T) {
	for _, p := range planJSON(t) {
		// The JSON leaves out the mocks' state: references resolve on inputs and URNs only.
		d := plan.NewDiagram(p)
		var regions []string
		for _, c := range d.Clusters {
			regions = append(regions, c.Region)
		}
		assert.Equal(t, p.Regions, regions, p.Stack)
	}
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// TestCommittedDiagramsAreCurrent: docs/diagram-<env>.mmd and the README's prod diagram are what
// `make diagram` draws from the engine's graph of the deployed stack today; a change to the stack
// that moves an edge fails here until the diagrams are regenerated and committed.
func TestCommittedDiagramsAreCurrent(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	forEachStack(t, func(t *testing.T, s stackRun) {
		fresh := plan.NewDiagram(plan.FromResult(s.update)).Mermaid()
		committed, err := os.ReadFile(filepath.Join(root, "docs", "diagram-"+s.name+".mmd"))
		require.NoError(t, err)
		assert.Equal(t, fresh, string(committed), "run make diagram and commit docs/")
		if s.name == "prod" {
			assert.Contains(t, string(readme), "```mermaid\n"+strings.TrimRight(fresh, "\n")+"\n```", "the README's diagram is docs/diagram-prod.mmd")
		}
	})
}

// TestBuildProgressIsShown: a first `make plan` spends minutes building the functions, so each
// function is reported as it is built or found cached: on the plan's stderr as it happens
// (cmd/plan's TestBuildProgressIsShown), and by the program itself as an ephemeral info message,
// which `pulumi up` shows as the stack's status and leaves out of the diagnostics summary (pkg/v3
// backend/display skips ephemeral payloads there).
func TestBuildProgressIsShown(t *testing.T) {
	builder, err := lambdabuild.New(root, lambdabuild.Lambda)
	require.NoError(t, err)
	names, err := builder.Functions(context.Background())
	require.NoError(t, err)
	require.NotEmpty(t, names)

	forEachStack(t, func(t *testing.T, s stackRun) {
		logged := map[string]bool{}
		for _, e := range s.update.Events {
			p, ok := e.Payload().(pengine.DiagEventPayload)
			if ok && p.Severity == diag.Info && p.Ephemeral {
				logged[strings.TrimSpace(colors.Never.Colorize(p.Message))] = true
			}
		}
		for _, name := range names {
			found := slices.ContainsFunc(slices.Collect(maps.Keys(logged)), func(m string) bool {
				return strings.HasPrefix(m, "function "+name+": ")
			})
			assert.True(t, found, "the program logs function %s; logged %q", name, slices.Sorted(maps.Keys(logged)))
		}
	})
}

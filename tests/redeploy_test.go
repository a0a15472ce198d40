package tests

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/engine"
	"shopstack/stacks"
)

// TestScenarioModelChangeRedeploys: after an update, a change that touches only one request
// model in the REST API's body must produce a new deployment, and the stage must move to it;
// otherwise API Gateway keeps serving the old models. RestAPI derives the deployment's version
// from its own definition, before any transform (pulumi-aws-apigateway api.ts, createAPI), so
// it cannot see a model change. The change is made by a stack transform, which the engine runs
// after the component's own transforms (ours), so it edits the body exactly as it is registered.
//
// This is an update, not a preview: in a preview the REST API's changed body leaves its outputs
// unknown, so the component's version (computed from them) is unknown too and the preview shows
// the deployment replaced whatever the fix does; the update computes the version from known
// values, and only then does it show whether a new deployment is made.
func TestScenarioModelChangeRedeploys(t *testing.T) {
	var dev stackRun
	for _, s := range allStacks(t) {
		if s.name == "dev" {
			dev = s
		}
	}
	require.NotNil(t, dev.update, "dev was updated")
	changed := 0
	program := func(ctx *pulumi.Context) error {
		if err := ctx.RegisterStackTransform(func(_ context.Context, args *pulumi.ResourceTransformArgs) *pulumi.ResourceTransformResult {
			body, ok := args.Props["body"]
			if args.Type != "aws:apigateway/restApi:RestApi" || !ok {
				return nil
			}
			props := maps.Clone(args.Props)
			props["body"] = pulumi.ToOutput(body).ApplyT(func(v any) (string, error) {
				s, _ := v.(string)
				var doc map[string]any
				if err := json.Unmarshal([]byte(s), &doc); err != nil {
					return "", err
				}
				definitions := doc["definitions"].(map[string]any)
				first := slices.Sorted(maps.Keys(definitions))[0]
				definitions[first].(map[string]any)["maxProperties"] = 50
				changed++
				out, err := json.Marshal(doc)
				return string(out), err
			}).(pulumi.StringOutput)
			return &pulumi.ResourceTransformResult{Props: props, Opts: args.Opts}
		}); err != nil {
			return err
		}
		return stacks.Run(ctx)
	}
	up, err := engine.Update(context.Background(), engine.Options{Root: root, Stack: "dev", Snapshot: dev.update.Snapshot, Program: program})
	require.NoError(t, err)
	require.Positive(t, changed, "the scenario changed a model")

	byType := map[string][]engine.Step{}
	for op, steps := range up.Changes() {
		for _, s := range steps {
			s.Op = op
			byType[s.Type] = append(byType[s.Type], s)
		}
	}
	ops := func(typ string) []string {
		var out []string
		for _, s := range byType[typ] {
			out = append(out, s.Op)
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	assert.Equal(t, []string{"update"}, ops("aws:apigateway/restApi:RestApi"), "the body changes: %v", describe(up.Changes()))
	assert.Subset(t, []string{"replace", "update", "create-replacement", "delete-replaced"}, ops("aws:apigateway/deployment:Deployment"))
	assert.NotEmpty(t, ops("aws:apigateway/deployment:Deployment"), "a model change makes a new deployment: %v", describe(up.Changes()))
	if assert.Equal(t, []string{"update"}, ops("aws:apigateway/stage:Stage"), "the stage follows the new deployment") {
		assert.Contains(t, byType["aws:apigateway/stage:Stage"][0].Diffs, "deployment")
	}
}

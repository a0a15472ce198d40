package stacks

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// Output keys are the contract frontend teams read with `pulumi stack output --json`: renaming or
// removing one breaks them, and tests/outputs_test.go fails first.
const (
	OutputCounterFunctionName = "counterFunctionName"
	OutputCounterFunctionArn  = "counterFunctionArn"
)

func exportOutputs(ctx *pulumi.Context, p *Platform) {
	writer := p.Regions[0]
	ctx.Export(OutputCounterFunctionName, writer.Counter.Name)
	ctx.Export(OutputCounterFunctionArn, writer.Counter.Arn)
}

package stacks

import (
	"maps"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Output keys are the contract frontend teams read with `pulumi stack output --json`: renaming or
// removing one breaks them, and tests/outputs_test.go fails first.
const (
	OutputAPIURL              = "apiUrl"           // https://<domain>/ where a domain is set, else the writer region's API
	OutputAPIURLs             = "apiUrls"          // region -> base URL of that region's API
	OutputRegion              = "region"           // the writer region
	OutputWriterRegion        = "writerRegion"     // same as region, named for what it means
	OutputUserPoolID          = "userPoolId"       // Cognito user pool for sign-in
	OutputUserPoolClientID    = "userPoolClientId" // Cognito app client for the frontends
	OutputUserPoolRegion      = "userPoolRegion"   // where the pool lives (identity region): sign-in goes there, not to region, after a failover
	OutputCounterFunctionName = "counterFunctionName"
	OutputCounterFunctionArn  = "counterFunctionArn"
	// OutputReplicaTables maps each region holding replicas to the tables replicated there: not
	// for frontends (so not in OutputKeys), but the stack's record of its replicas, which the next
	// deployment reads to refuse deleting them unannounced (stacks/replicas.go).
	OutputReplicaTables = "replicaTables"
)

// OutputKeys lists every key of the frontend contract; the stack also exports OutputReplicaTables.
var OutputKeys = []string{
	OutputAPIURL, OutputAPIURLs, OutputCounterFunctionArn, OutputCounterFunctionName,
	OutputRegion, OutputUserPoolClientID, OutputUserPoolID, OutputUserPoolRegion, OutputWriterRegion,
}

func exportOutputs(ctx *pulumi.Context, p *Platform) {
	writer := p.Regions[0]
	urls := pulumi.StringMap{}
	for _, r := range p.Regions {
		urls[r.Name] = r.API.URL
	}
	if d := p.Config.Edge.Domain; d != nil {
		ctx.Export(OutputAPIURL, pulumi.String("https://"+d.Name+"/"))
	} else {
		ctx.Export(OutputAPIURL, writer.API.URL)
	}
	ctx.Export(OutputAPIURLs, urls)
	ctx.Export(OutputRegion, pulumi.String(writer.Name))
	ctx.Export(OutputWriterRegion, pulumi.String(writer.Name))
	ctx.Export(OutputUserPoolID, p.Identity.UserPool.ID())
	ctx.Export(OutputUserPoolClientID, p.Identity.Client.ID())
	ctx.Export(OutputUserPoolRegion, pulumi.String(p.Config.IdentityRegion()))
	ctx.Export(OutputCounterFunctionName, writer.Counter.Name)
	ctx.Export(OutputCounterFunctionArn, writer.Counter.Arn)
	replicas := pulumi.Map{}
	for region, tables := range p.Config.ReplicaTables(slices.Sorted(maps.Keys(p.Data.Tables))) {
		replicas[region] = pulumi.ToStringArray(tables)
	}
	ctx.Export(OutputReplicaTables, replicas)
}

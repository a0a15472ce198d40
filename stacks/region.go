package stacks

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// RegionArgs is what one regional deployment needs.
type RegionArgs struct {
	Region    string
	Writer    bool // the writer region holds the tables' primary copies
	Config    Config
	Artifacts Artifacts
	Tags      pulumi.StringMap
}

// Region is everything shopstack deploys into one AWS region. The same component is instantiated
// once per configured region, each with that region's provider.
type Region struct {
	pulumi.ResourceState

	Name    string
	Counter *Function
}

// NewRegion declares one region's functions. opts must carry the region's aws provider.
func NewRegion(ctx *pulumi.Context, name string, args *RegionArgs, opts ...pulumi.ResourceOption) (*Region, error) {
	r := &Region{Name: args.Region}
	if err := ctx.RegisterComponentResource("shopstack:platform:Region", name, r, opts...); err != nil {
		return nil, err
	}
	counterArchive, err := args.Artifacts.Archive("counter")
	if err != nil {
		return nil, fmt.Errorf("region %s: %w", name, err)
	}
	r.Counter, err = NewFunction(ctx, name+"-counter", &FunctionArgs{
		FunctionName:     physicalName(ctx, "counter"),
		Archive:          counterArchive,
		Settings:         args.Config.Function,
		LogRetentionDays: args.Config.LogRetentionDays,
		Tags:             withService(args.Tags, "counter"),
	}, pulumi.Parent(r))
	if err != nil {
		return nil, fmt.Errorf("region %s: %w", name, err)
	}
	if err := ctx.RegisterResourceOutputs(r, pulumi.Map{"counterName": r.Counter.Name}); err != nil {
		return nil, fmt.Errorf("region %s: outputs: %w", name, err)
	}
	return r, nil
}

// physicalName is the AWS name of a per-stack resource: the same in every region, unique per stack.
func physicalName(ctx *pulumi.Context, name string) string {
	return fmt.Sprintf("%s-%s-%s", ctx.Project(), ctx.Stack(), name)
}

// withService returns the base tags plus the service tag.
func withService(base pulumi.StringMap, service string) pulumi.StringMap {
	tags := pulumi.StringMap{"service": pulumi.String(service)}
	for k, v := range base {
		tags[k] = v
	}
	return tags
}

// Package stacks declares the shopstack platform: one Pulumi stack per environment, with the same
// regional deployment instantiated once per configured region.
package stacks

import (
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"shopstack/functions/schema"
)

// Platform is what one stack built, for main and for the tests.
type Platform struct {
	Config   Config
	Regions  []*Region // in config order; Regions[0] is the writer region
	Data     *Data
	Identity *Identity
	Events   *Events // in the writer region only
}

// Run is the Pulumi program.
func Run(ctx *pulumi.Context) error {
	_, err := NewPlatform(ctx)
	return err
}

// NewPlatform reads and validates the config (failing before any resource registers), builds the
// function archives, declares every region and exports the outputs contract.
func NewPlatform(ctx *pulumi.Context) (*Platform, error) {
	cfg, err := LoadConfig(ctx)
	if err != nil {
		return nil, err
	}
	artifacts, err := BuildFunctions(ctx.Context())
	if err != nil {
		return nil, err
	}
	p := &Platform{Config: cfg}
	tags := cfg.baseTags()
	var providers []RegionProvider
	for _, region := range cfg.Regions {
		provider, err := aws.NewProvider(ctx, "aws-"+region, &aws.ProviderArgs{
			Region:      pulumi.String(region),
			DefaultTags: &aws.ProviderDefaultTagsArgs{Tags: tags},
		})
		if err != nil {
			return nil, fmt.Errorf("provider %s: %w", region, err)
		}
		providers = append(providers, RegionProvider{Name: region, Provider: provider})
	}
	writer := providers[0]
	p.Data, err = NewData(ctx, "data", &DataArgs{
		Regions:            providers,
		Tables:             schema.Tables(),
		DeletionProtection: cfg.DeletionProtection,
		Tags:               tags,
	}, pulumi.Provider(writer.Provider))
	if err != nil {
		return nil, err
	}
	identityRegion := writer
	for _, rp := range providers {
		if rp.Name == cfg.IdentityRegion() {
			identityRegion = rp
		}
	}
	p.Identity, err = NewIdentity(ctx, "identity", &IdentityArgs{
		DeletionProtection: cfg.DeletionProtection,
		Tags:               tags,
	}, pulumi.Provider(identityRegion.Provider))
	if err != nil {
		return nil, err
	}
	var validation *route53.Record // ACM asks every region for the same record: the first creates it
	for _, region := range providers {
		r, err := NewRegion(ctx, region.Name, &RegionArgs{
			Region:           region.Name,
			WriterRegion:     writer.Name,
			Regions:          cfg.Regions,
			Config:           cfg,
			Artifacts:        artifacts,
			Data:             p.Data,
			Identity:         p.Identity,
			ValidationRecord: validation,
			Tags:             tags,
		}, pulumi.Provider(region.Provider))
		if err != nil {
			return nil, err
		}
		p.Regions = append(p.Regions, r)
		validation = r.Edge.ValidationRecord
	}
	if err := p.watchHealthChecks(ctx); err != nil {
		return nil, err
	}
	p.Events, err = NewEvents(ctx, "events", &EventsArgs{
		Region: writer.Name, Settings: cfg.Events, Function: cfg.Function, LogRetentionDays: cfg.LogRetentionDays,
		DeletionProtection: cfg.DeletionProtection, Artifacts: artifacts, Data: p.Data, Alarms: p.Regions[0].Alarms, Tags: tags,
	}, pulumi.Provider(writer.Provider))
	if err != nil {
		return nil, err
	}
	exportOutputs(ctx, p)
	return p, nil
}

// watchHealthChecks alarms on every region's health check from the healthCheckMetricsRegion's
// alarms, the one region where Route 53 publishes HealthCheckStatus.
func (p *Platform) watchHealthChecks(ctx *pulumi.Context) error {
	var home *Region
	for _, r := range p.Regions {
		if r.Name == healthCheckMetricsRegion {
			home = r
		}
	}
	for _, r := range p.Regions {
		if r.Edge.HealthCheck == nil {
			continue
		}
		if home == nil { // config validation requires the region with a domain; guard anyway
			return fmt.Errorf("health check alarms need %s among the regions", healthCheckMetricsRegion)
		}
		// HealthCheckStatus is 1 when healthy: alarm when its minimum drops below 1.
		if err := home.Alarms.WatchBelow(ctx, r.Name+"-health-check", "region "+r.Name+" fails its health check", "AWS/Route53",
			"HealthCheckStatus", pulumi.StringMap{"HealthCheckId": r.Edge.HealthCheck.ID().ToStringOutput()}, "Minimum", 1, "breaching"); err != nil {
			return fmt.Errorf("health check alarm %s: %w", r.Name, err)
		}
	}
	return nil
}

// baseTags are on every taggable resource: the config's extra tags plus project and environment.
func (c Config) baseTags() pulumi.StringMap {
	tags := pulumi.StringMap{}
	for _, k := range slices.Sorted(maps.Keys(c.Tags)) {
		tags[k] = pulumi.String(c.Tags[k])
	}
	tags["project"] = pulumi.String("shopstack")
	tags["environment"] = pulumi.String(c.Environment)
	return tags
}

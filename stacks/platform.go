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
	// Events is the event pipeline of each region, by region; only the writer region's reads the
	// table streams (Events.Active).
	Events map[string]*Events
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
	// Only the stack's own previous outputs can say which replicas exist: read them (the one
	// registration allowed before validation ends) and refuse an unannounced deletion.
	previous, err := previousReplicaTables(ctx)
	if err != nil {
		return nil, err
	}
	if err := cfg.ValidateReplicaRemoval(previous); err != nil {
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
	home := providers[slices.IndexFunc(providers, func(rp RegionProvider) bool { return rp.Name == cfg.DataRegion() })]
	p.Data, err = NewData(ctx, "data", &DataArgs{
		Regions:            providers,
		Home:               home,
		Tables:             append(schema.Tables(), schema.EventTables()...),
		DeletionProtection: cfg.DeletionProtection,
		Removable:          cfg.AllowReplicaRemoval,
		Tags:               tags,
	}, pulumi.Provider(home.Provider))
	if err != nil {
		return nil, err
	}
	identity := providers[slices.IndexFunc(providers, func(rp RegionProvider) bool { return rp.Name == cfg.IdentityRegion() })]
	p.Identity, err = NewIdentity(ctx, "identity", &IdentityArgs{
		DeletionProtection: cfg.DeletionProtection,
		Tags:               tags,
	}, pulumi.Provider(identity.Provider))
	if err != nil {
		return nil, err
	}
	// Regions are declared data region first: the first creates the certificate validation record
	// the others share, and that must not move when the writer does.
	byName := map[string]*Region{}
	var validation *route53.Record // ACM asks every region for the same record: the first creates it
	for _, region := range homeFirst(providers, home.Name) {
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
		byName[region.Name] = r
		validation = r.Edge.ValidationRecord
	}
	for _, region := range cfg.Regions {
		p.Regions = append(p.Regions, byName[region])
	}
	if err := p.watchHealthChecks(ctx); err != nil {
		return nil, err
	}
	// Every region has the whole pipeline; the writer region's is active (its stream mappings are
	// enabled), the others stand by. Moving the writer enables and disables mappings: no queue,
	// archive or ledger is deleted, and what was in flight drains where it is.
	p.Events = map[string]*Events{}
	var active *Events
	for _, region := range providers { // the writer first: the standby mappings wait for its
		e, err := NewEvents(ctx, region.Name+"-events", &EventsArgs{
			Region: region.Name, Active: region.Name == writer.Name, ActivePipeline: active,
			Settings: cfg.Events, Function: cfg.Function, LogRetentionDays: cfg.LogRetentionDays,
			Artifacts: artifacts, Data: p.Data, Alarms: byName[region.Name].Alarms, Tags: tags,
		}, pulumi.Parent(byName[region.Name]), pulumi.Provider(region.Provider), pulumi.Aliases(eventsAliases(region.Name == writer.Name)))
		if err != nil {
			return nil, err
		}
		p.Events[region.Name] = e
		if active == nil {
			active = e
		}
	}
	exportOutputs(ctx, p)
	return p, nil
}

// homeFirst is providers with the data region's first, the others in config order.
func homeFirst(providers []RegionProvider, home string) []RegionProvider {
	out := []RegionProvider{}
	for _, rp := range providers {
		if rp.Name == home {
			out = append(out, rp)
		}
	}
	for _, rp := range providers {
		if rp.Name != home {
			out = append(out, rp)
		}
	}
	return out
}

// eventsAliases keep the URNs of the pipeline the writer region had when there was one pipeline,
// a top-level component named "events": its children's aliases follow from the component's.
func eventsAliases(writer bool) []pulumi.Alias {
	if !writer {
		return nil
	}
	return []pulumi.Alias{{Name: pulumi.String("events"), NoParent: pulumi.Bool(true)}}
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

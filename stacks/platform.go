// Package stacks declares the shopstack platform: one Pulumi stack per environment, with the same
// regional deployment instantiated once per configured region.
package stacks

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"shopstack/contract/schema"
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
	// Each build step is an ephemeral info message: `pulumi up` shows it as the stack's status
	// while it builds, and leaves it out of the diagnostics summary.
	artifacts, err := BuildFunctions(ctx.Context(), func(line string) {
		_ = ctx.Log.Info(line, &pulumi.LogArgs{Ephemeral: true})
	})
	if err != nil {
		return nil, err
	}
	p := &Platform{Config: cfg}
	tags := cfg.baseTags()
	providers, err := regionProviders(ctx, cfg.Regions, tags)
	if err != nil {
		return nil, err
	}
	in := func(region string) RegionProvider {
		return providers[slices.IndexFunc(providers, func(rp RegionProvider) bool { return rp.Name == region })]
	}
	home := in(cfg.DataRegion())
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
	p.Identity, err = NewIdentity(ctx, "identity", &IdentityArgs{
		DeletionProtection: cfg.DeletionProtection,
		Tags:               tags,
	}, pulumi.Provider(in(cfg.IdentityRegion()).Provider))
	if err != nil {
		return nil, err
	}
	if err := p.regions(ctx, homeFirst(providers, home.Name), artifacts, tags); err != nil {
		return nil, err
	}
	if err := p.alarmOnHealthChecks(ctx); err != nil {
		return nil, err
	}
	if err := p.pipelines(ctx, providers, artifacts, tags); err != nil {
		return nil, err
	}
	exportOutputs(ctx, p)
	return p, nil
}

// regionProviders declares the explicit aws provider of every configured region.
func regionProviders(ctx *pulumi.Context, regions []string, tags pulumi.StringMap) ([]RegionProvider, error) {
	var providers []RegionProvider
	for _, region := range regions {
		provider, err := aws.NewProvider(ctx, "aws-"+region, &aws.ProviderArgs{
			Region:      pulumi.String(region),
			DefaultTags: &aws.ProviderDefaultTagsArgs{Tags: tags},
		})
		if err != nil {
			return nil, fmt.Errorf("provider %s: %w", region, err)
		}
		providers = append(providers, RegionProvider{Name: region, Provider: provider})
	}
	return providers, nil
}

// regions declares every region, in the order given: the data region first, since the first
// creates the certificate validation record the others share, and that must not move when the
// writer does. p.Regions ends in config order.
func (p *Platform) regions(ctx *pulumi.Context, providers []RegionProvider, artifacts Artifacts, tags pulumi.StringMap) error {
	cfg := p.Config
	byName := map[string]*Region{}
	var validation *route53.Record // ACM asks every region for the same record: the first creates it
	for _, region := range providers {
		r, err := NewRegion(ctx, region.Name, &RegionArgs{
			Region:           region.Name,
			WriterRegion:     cfg.WriterRegion(),
			Regions:          cfg.Regions,
			Function:         cfg.Function,
			LogRetentionDays: cfg.LogRetentionDays,
			AllowedOrigins:   cfg.AllowedOrigins,
			Throttling:       cfg.Throttling,
			Alarms:           cfg.Alarms,
			Edge:             cfg.Edge,
			Concurrency:      cfg.Concurrency,
			Artifacts:        artifacts,
			Data:             p.Data,
			Identity:         p.Identity,
			ValidationRecord: validation,
			Tags:             tags,
		}, pulumi.Provider(region.Provider))
		if err != nil {
			return err
		}
		byName[region.Name] = r
		validation = r.Edge.ValidationRecord
	}
	for _, region := range cfg.Regions {
		p.Regions = append(p.Regions, byName[region])
	}
	return nil
}

// pipelines declares every region's event pipeline, the writer's first: the standby mappings wait
// for its. The writer region's is active (its stream mappings are enabled), the others stand by.
// Moving the writer enables and disables mappings: no queue, archive or ledger is deleted, and
// what was in flight drains where it is.
func (p *Platform) pipelines(ctx *pulumi.Context, providers []RegionProvider, artifacts Artifacts, tags pulumi.StringMap) error {
	cfg := p.Config
	p.Events = map[string]*Events{}
	var active *Events
	for i, region := range providers {
		r := p.Regions[i]
		writer := region.Name == cfg.WriterRegion()
		e, err := NewEvents(ctx, region.Name+"-events", &EventsArgs{
			Region: region.Name, Active: writer, ActivePipeline: active,
			Settings: cfg.Events, Function: cfg.Function, LogRetentionDays: cfg.LogRetentionDays,
			Artifacts: artifacts, Data: p.Data, Alarms: r.Alarms.Spec, Tags: tags,
		}, pulumi.Parent(r), pulumi.Provider(region.Provider), pulumi.Aliases(eventsAliases(writer)))
		if err != nil {
			return err
		}
		p.Events[region.Name] = e
		if active == nil {
			active = e
		}
	}
	return nil
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
	return []pulumi.Alias{{Name: pulumi.String(formerEvents), NoParent: pulumi.Bool(true)}}
}

// formerPipeline names the writer's pipeline resources as they were named under that top-level
// "events" component. The engine derives a child's old URN from its parent's alias, renaming the
// child only when its name starts with the parent's (pkg/resource/deploy step_generator.go,
// inheritedChildAlias): the grandchildren named after the pipeline (the archive, rules and
// targets under the bus, stream mappings under the publisher, role policies under their roles)
// need their old name said.
type formerPipeline struct {
	current string // the pipeline's name today, "<region>-events"
	writer  bool   // only the writer region's pipeline existed then
}

// name is what name was called then, "" for a resource that did not exist.
func (f formerPipeline) name(name string) string {
	rest, ok := strings.CutPrefix(name, f.current)
	if !f.writer || !ok {
		return ""
	}
	return formerEvents + rest
}

// formerEvents is the name of the top-level pipeline component then.
const formerEvents = "events"

// movedFrom is the aliases of a consumer's resource, which sat directly under the pipeline
// (events) until the consumer became a component: its URN there, and for the writer's the one it
// had under the top-level pipeline. The engine derives a child's old URN from its own parent's
// alias only, and the consumer component is new, so both are said.
func (f formerPipeline) movedFrom(ctx *pulumi.Context, events pulumi.Resource, name string) pulumi.ResourceOption {
	aliases := []pulumi.Alias{{Parent: events}}
	if old := f.name(name); old != "" {
		formerParent := pulumi.CreateURN(pulumi.String(formerEvents), pulumi.String(eventsType), nil, pulumi.String(ctx.Project()), pulumi.String(ctx.Stack()))
		aliases = append(aliases, pulumi.Alias{Name: pulumi.String(old), ParentURN: formerParent})
	}
	return pulumi.Aliases(aliases)
}

// alias keeps the URN name had then.
func (f formerPipeline) alias(name string) pulumi.ResourceOption {
	if old := f.name(name); old != "" {
		return pulumi.Aliases([]pulumi.Alias{{Name: pulumi.String(old)}})
	}
	return pulumi.Aliases(nil)
}

// alarmOnHealthChecks alarms on every region's health check from the healthCheckMetricsRegion's
// alarms, the one region where Route 53 publishes HealthCheckStatus. It runs once every region is
// declared: that region's alarms exist before the other regions' health checks do. These are the
// only alarms declared on a component after it registered its outputs.
func (p *Platform) alarmOnHealthChecks(ctx *pulumi.Context) error {
	i := slices.IndexFunc(p.Regions, func(r *Region) bool { return r.Name == healthCheckMetricsRegion })
	for _, r := range p.Regions {
		alarms := r.Edge.HealthCheckAlarms(r.Name)
		if len(alarms) == 0 {
			continue
		}
		if i < 0 { // config validation requires the region with a domain; guard anyway
			return fmt.Errorf("health check alarms need %s among the regions", healthCheckMetricsRegion)
		}
		home := p.Regions[i].Alarms
		if err := home.Spec.Declare(ctx, home, alarms); err != nil {
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

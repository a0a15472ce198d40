package stacks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"shopstack/contract"
	"shopstack/contract/iam"
	"shopstack/contract/routes"
	"shopstack/contract/schema"
)

// RegionArgs is what one regional deployment needs.
type RegionArgs struct {
	Region       string
	WriterRegion string
	Regions      []string // every configured region, writer first

	Function         FunctionSettings
	LogRetentionDays int
	AllowedOrigins   []string
	Throttling       Throttling
	Alarms           AlarmSettings
	Edge             EdgeSettings
	Concurrency      ConcurrencySettings

	Artifacts Artifacts
	Data      *Data
	Identity  *Identity
	// ValidationRecord is the certificate validation record another region already created.
	ValidationRecord *route53.Record
	Tags             pulumi.StringMap
}

// Region is everything shopstack runs in one AWS region: the counter, the service functions, the
// API and the alarms. The same component is instantiated once per configured region, each with
// that region's provider.
type Region struct {
	pulumi.ResourceState

	Name     string
	Counter  *Function
	Services map[string]*Function
	API      *API
	Alarms   *Alarms
	Edge     *Edge
	// CheckoutAlias is checkout's provisioned "live" alias; nil where provisioned concurrency is off.
	CheckoutAlias *lambda.Alias
}

// WriterRegionEnv tells a function where stock and orders are written.
const WriterRegionEnv = contract.WriterRegionEnv

// AllowedOriginsEnv carries the CORS origins to the handlers, comma-separated.
const AllowedOriginsEnv = contract.AllowedOriginsEnv

// NewRegion declares one region: its alarm topic first (every component alarms on what it owns),
// then the functions, the API in front of them and the edge in front of the API. opts must carry
// the region's aws provider.
func NewRegion(ctx *pulumi.Context, name string, args *RegionArgs, opts ...pulumi.ResourceOption) (*Region, error) {
	r := &Region{Name: args.Region, Services: map[string]*Function{}}
	if err := ctx.RegisterComponentResource("shopstack:platform:Region", name, r, opts...); err != nil {
		return nil, err
	}
	var err error
	if r.Alarms, err = NewAlarms(ctx, name+"-alarms", r.alarmsArgs(ctx, args), pulumi.Parent(r)); err != nil {
		return nil, fmt.Errorf("region %s: %w", name, err)
	}
	if err := r.functions(ctx, name, args); err != nil {
		return nil, fmt.Errorf("region %s: %w", name, err)
	}
	aliases := map[string]*lambda.Alias{}
	if p := args.Concurrency.Provisioned; p.Enabled() {
		r.CheckoutAlias, err = newProvisionedAlias(ctx, name+"-checkout", r.Services[routes.Checkout], p, r.Alarms.Spec, pulumi.Parent(r))
		if err != nil {
			return nil, fmt.Errorf("region %s: %w", name, err)
		}
		aliases[routes.Checkout] = r.CheckoutAlias
	}
	r.API, err = NewAPI(ctx, name+"-api", &APIArgs{
		Aliases:          aliases,
		Functions:        r.Services,
		UserPoolArn:      args.Identity.UserPool.Arn,
		AllowedOrigins:   args.AllowedOrigins,
		Throttling:       args.Throttling,
		LogRetentionDays: args.LogRetentionDays,
		Alarms:           r.Alarms.Spec,
		Tags:             args.Tags,
	}, pulumi.Parent(r))
	if err != nil {
		return nil, fmt.Errorf("region %s: %w", name, err)
	}
	r.Edge, err = NewEdge(ctx, name+"-edge", &EdgeArgs{
		Region:           args.Region,
		API:              r.API,
		Settings:         args.Edge,
		Alarms:           r.Alarms.Spec,
		ValidationRecord: args.ValidationRecord,
		Tags:             args.Tags,
	}, pulumi.Parent(r))
	if err != nil {
		return nil, fmt.Errorf("region %s: %w", name, err)
	}
	if err := ctx.RegisterResourceOutputs(r, pulumi.Map{"apiUrl": r.API.URL, "counterName": r.Counter.Name}); err != nil {
		return nil, fmt.Errorf("region %s: outputs: %w", name, err)
	}
	return r, nil
}

// alarmsArgs: the region's dashboard shows every function of the region (the event pipeline's
// too) and the API; the alarms watch the region's table copies and their replication to every
// other region.
func (r *Region) alarmsArgs(ctx *pulumi.Context, args *RegionArgs) *AlarmsArgs {
	functions := []string{physicalName(ctx, counter)}
	for _, svc := range iam.All() {
		functions = append(functions, physicalName(ctx, svc.Name))
	}
	for _, fn := range pipelineFunctions() {
		functions = append(functions, physicalName(ctx, fn))
	}
	var tables, replicaRegions []string
	for _, t := range schema.Tables() {
		tables = append(tables, args.Data.TableName(t.Name))
	}
	// In region-name order, so that a failover (which reorders the regions) redraws nothing.
	for _, other := range slices.Sorted(slices.Values(args.Regions)) {
		if other != args.Region {
			replicaRegions = append(replicaRegions, other)
		}
	}
	return &AlarmsArgs{
		Region:         args.Region,
		Settings:       args.Alarms,
		Functions:      functions,
		APIName:        apiName(ctx),
		Tables:         tables,
		ReplicatedOnly: []string{args.Data.TableName(schema.ProcessedEvents)},
		ReplicaRegions: replicaRegions,
		Tags:           args.Tags,
	}
}

// counter is the function folder (and logical name) of the counter, the platform's smoke test.
const counter = "counter"

// functions declares the counter and a function per service, each with exactly the tables (and
// permissions on them) its code uses.
func (r *Region) functions(ctx *pulumi.Context, name string, args *RegionArgs) error {
	var err error
	r.Counter, err = r.function(ctx, name, counter, args, nil, nil, false)
	if err != nil {
		return err
	}
	for _, svc := range iam.All() {
		publish := svc.Name == routes.Checkout && args.Concurrency.Provisioned.Enabled()
		fn, err := r.function(ctx, name, svc.Name, args, r.serviceEnvironment(svc, args), r.servicePermissions(svc, args), publish)
		if err != nil {
			return err
		}
		r.Services[svc.Name] = fn
	}
	return nil
}

// function declares one of the region's functions from its folder's archive.
func (r *Region) function(ctx *pulumi.Context, name, folder string, args *RegionArgs, env pulumi.StringMap, permissions []Statement, publish bool) (*Function, error) {
	archive, err := args.Artifacts.Archive(folder)
	if err != nil {
		return nil, err
	}
	return NewFunction(ctx, name+"-"+folder, &FunctionArgs{
		FunctionName:        physicalName(ctx, folder),
		Archive:             archive,
		Settings:            args.Function,
		LogRetentionDays:    args.LogRetentionDays,
		Environment:         env,
		Permissions:         permissions,
		Tags:                withService(args.Tags, folder),
		ReservedConcurrency: args.Concurrency.Reserved[folder],
		Publish:             publish,
		Alarms:              r.Alarms.Spec,
	}, pulumi.Parent(r))
}

// serviceEnvironment names the function's tables, and the writer region for functions that write
// stock or orders.
func (r *Region) serviceEnvironment(svc iam.Service, args *RegionArgs) pulumi.StringMap {
	var tables []string
	for _, access := range svc.Tables {
		tables = append(tables, access.Table)
	}
	env := args.Data.Environment(tables...)
	if svc.WriterRegionWrites {
		env[WriterRegionEnv] = pulumi.String(args.WriterRegion)
	}
	if len(args.AllowedOrigins) > 0 {
		env[AllowedOriginsEnv] = pulumi.String(strings.Join(args.AllowedOrigins, ","))
	}
	return env
}

// servicePermissions grants exactly the DynamoDB actions the service's code calls, on its tables
// (and their indexes where it queries them) in this region, and in the writer region where it
// writes there; plus use of those regions' table keys.
func (r *Region) servicePermissions(svc iam.Service, args *RegionArgs) []Statement {
	regions := []string{args.Region}
	if svc.WriterRegionWrites && args.WriterRegion != args.Region {
		regions = append(regions, args.WriterRegion)
	}
	var statements []Statement
	for _, access := range svc.Tables {
		statements = append(statements, args.Data.Grant("Table"+sidPart(access.Table), access.Table, access.Actions, access.Indexes, regions...))
	}
	return append(statements, args.Data.GrantKeys(regions...))
}

// sidPart makes a table name usable in a statement id (alphanumeric only).
func sidPart(s string) string {
	var b strings.Builder
	upper := true
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z' && upper:
			b.WriteRune(c - 'a' + 'A')
			upper = false
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
			b.WriteRune(c)
			upper = false
		default:
			upper = true
		}
	}
	return b.String()
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

package stacks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"shopstack/functions/routes"
	"shopstack/functions/schema"
	"shopstack/functions/services"
)

// RegionArgs is what one regional deployment needs.
type RegionArgs struct {
	Region       string
	WriterRegion string
	Regions      []string // every configured region, writer first
	Config       Config
	Artifacts    Artifacts
	Data         *Data
	Identity     *Identity
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
const WriterRegionEnv = "WRITER_REGION"

// AllowedOriginsEnv carries the CORS origins to the handlers, comma-separated.
const AllowedOriginsEnv = "ALLOWED_ORIGINS"

// NewRegion declares one region. opts must carry the region's aws provider.
func NewRegion(ctx *pulumi.Context, name string, args *RegionArgs, opts ...pulumi.ResourceOption) (*Region, error) {
	r := &Region{Name: args.Region, Services: map[string]*Function{}}
	if err := ctx.RegisterComponentResource("shopstack:platform:Region", name, r, opts...); err != nil {
		return nil, err
	}
	cfg := args.Config
	counterArchive, err := args.Artifacts.Archive("counter")
	if err != nil {
		return nil, fmt.Errorf("region %s: %w", name, err)
	}
	r.Counter, err = NewFunction(ctx, name+"-counter", &FunctionArgs{
		FunctionName:        physicalName(ctx, "counter"),
		Archive:             counterArchive,
		Settings:            cfg.Function,
		LogRetentionDays:    cfg.LogRetentionDays,
		Tags:                withService(args.Tags, "counter"),
		ReservedConcurrency: cfg.Edge.ReservedConcurrency["counter"],
	}, pulumi.Parent(r))
	if err != nil {
		return nil, fmt.Errorf("region %s: %w", name, err)
	}

	functions := []*Function{r.Counter}
	for _, svc := range services.All() {
		archive, err := args.Artifacts.Archive(svc.Name)
		if err != nil {
			return nil, fmt.Errorf("region %s: %w", name, err)
		}
		fn, err := NewFunction(ctx, name+"-"+svc.Name, &FunctionArgs{
			FunctionName:        physicalName(ctx, svc.Name),
			Archive:             archive,
			Settings:            cfg.Function,
			LogRetentionDays:    cfg.LogRetentionDays,
			Environment:         r.serviceEnvironment(svc, args),
			Permissions:         r.servicePermissions(svc, args),
			Tags:                withService(args.Tags, svc.Name),
			ReservedConcurrency: cfg.Edge.ReservedConcurrency[svc.Name],
			Publish:             svc.Name == routes.Checkout && cfg.Edge.Provisioned.Enabled(),
		}, pulumi.Parent(r))
		if err != nil {
			return nil, fmt.Errorf("region %s: %w", name, err)
		}
		r.Services[svc.Name] = fn
		functions = append(functions, fn)
	}

	aliases := map[string]*lambda.Alias{}
	if cfg.Edge.Provisioned.Enabled() {
		r.CheckoutAlias, err = newProvisionedAlias(ctx, name+"-checkout", r.Services[routes.Checkout], cfg.Edge.Provisioned, pulumi.Parent(r))
		if err != nil {
			return nil, fmt.Errorf("region %s: %w", name, err)
		}
		aliases[routes.Checkout] = r.CheckoutAlias
	}
	r.API, err = NewAPI(ctx, name+"-api", &APIArgs{
		Aliases:          aliases,
		Functions:        r.Services,
		UserPoolArn:      args.Identity.UserPool.Arn,
		AllowedOrigins:   cfg.AllowedOrigins,
		Throttling:       cfg.Throttling,
		LogRetentionDays: cfg.LogRetentionDays,
		Tags:             args.Tags,
	}, pulumi.Parent(r))
	if err != nil {
		return nil, fmt.Errorf("region %s: %w", name, err)
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
	r.Alarms, err = NewAlarms(ctx, name+"-alarms", &AlarmsArgs{
		Region:         args.Region,
		Settings:       cfg.Alarms,
		Functions:      functions,
		APIs:           []*API{r.API},
		Tables:         tables,
		ReplicatedOnly: []string{args.Data.TableName(schema.ProcessedEvents)},
		ReplicaRegions: replicaRegions,
		Tags:           args.Tags,
	}, pulumi.Parent(r))
	if err != nil {
		return nil, fmt.Errorf("region %s: %w", name, err)
	}

	r.Edge, err = NewEdge(ctx, name+"-edge", &EdgeArgs{
		Region:           args.Region,
		API:              r.API,
		Settings:         cfg.Edge,
		Alarms:           r.Alarms,
		ValidationRecord: args.ValidationRecord,
		Tags:             args.Tags,
	}, pulumi.Parent(r))
	if err != nil {
		return nil, fmt.Errorf("region %s: %w", name, err)
	}
	if r.CheckoutAlias != nil {
		if err := r.Alarms.Watch(ctx, name+"-checkout-spillover", "checkout invocations beyond provisioned concurrency", "AWS/Lambda",
			"ProvisionedConcurrencySpilloverInvocations",
			pulumi.StringMap{"FunctionName": r.Services[routes.Checkout].Name, "Resource": pulumi.Sprintf("%s:%s", r.Services[routes.Checkout].Name, r.CheckoutAlias.Name)},
			"Sum", 1, "notBreaching"); err != nil {
			return nil, fmt.Errorf("region %s: %w", name, err)
		}
	}

	if err := ctx.RegisterResourceOutputs(r, pulumi.Map{"apiUrl": r.API.URL, "counterName": r.Counter.Name}); err != nil {
		return nil, fmt.Errorf("region %s: outputs: %w", name, err)
	}
	return r, nil
}

// serviceEnvironment names the function's tables, and the writer region for functions that write
// stock or orders.
func (r *Region) serviceEnvironment(svc services.Service, args *RegionArgs) pulumi.StringMap {
	env := pulumi.StringMap{}
	for _, access := range svc.Tables {
		env[schema.EnvVar(access.Table)] = pulumi.String(args.Data.TableName(access.Table))
	}
	if svc.WriterRegionWrites {
		env[WriterRegionEnv] = pulumi.String(args.WriterRegion)
	}
	if len(args.Config.AllowedOrigins) > 0 {
		env[AllowedOriginsEnv] = pulumi.String(strings.Join(args.Config.AllowedOrigins, ","))
	}
	return env
}

// servicePermissions grants exactly the DynamoDB actions the service's code calls, on its tables
// (and their indexes where it queries them) in this region, and in the writer region where it
// writes there; plus use of those regions' table keys.
func (r *Region) servicePermissions(svc services.Service, args *RegionArgs) []Statement {
	regions := []string{args.Region}
	if svc.WriterRegionWrites && args.WriterRegion != args.Region {
		regions = append(regions, args.WriterRegion)
	}
	var statements []Statement
	for _, access := range svc.Tables {
		var arns pulumi.StringArray
		for _, region := range regions {
			arns = append(arns, args.Data.TableArns(access.Table, region, access.Indexes)...)
		}
		statements = append(statements, Statement{Sid: "Table" + sidPart(access.Table), Actions: access.Actions, Resources: arns})
	}
	var keys pulumi.StringArray
	for _, region := range regions {
		keys = append(keys, args.Data.Keys[region].Arn)
	}
	// DynamoDB encrypts and decrypts with the table's key on the caller's behalf.
	statements = append(statements, Statement{Sid: "TableKeys", Actions: []string{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"}, Resources: keys})
	return statements
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

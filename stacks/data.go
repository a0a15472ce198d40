package stacks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"shopstack/contract/schema"
)

// RegionProvider is a configured region and the explicit provider that deploys into it.
type RegionProvider struct {
	Name     string
	Provider *aws.Provider
}

// DataArgs declares the platform's data: a key per region and a global table per schema entry.
type DataArgs struct {
	Regions []RegionProvider // every configured region
	// Home is the data region: the provider that manages every table, with a replica in every other
	// region. It is pinned (shopstack:dataRegion), never the writer region: a table whose provider
	// changes region is replaced (pulumi-aws DiffConfig), and a failover must not replace tables.
	Home               RegionProvider
	Tables             []schema.Table
	DeletionProtection bool
	// Removable are the regions whose replicas an update may delete (shopstack:allowReplicaRemoval):
	// their keys are not protected, so that the update that drops the region can delete them.
	Removable []string
	Tags      pulumi.StringMap
}

// Data holds the customer-managed keys (one per region) and the global tables, managed from the
// data region with a replica in every other region. DynamoDB global tables are multi-active: the
// data region is only where Pulumi manages a table, not where it must be written.
type Data struct {
	pulumi.ResourceState

	Keys   map[string]*kms.Key        // by region
	Tables map[string]*dynamodb.Table // by logical table name
	names  map[string]string          // logical -> physical table name
	home   string
}

// NewData declares the keys and tables. Tables need streams with new and old images: global
// tables replicate through them, and the event pipeline reads them.
func NewData(ctx *pulumi.Context, name string, args *DataArgs, opts ...pulumi.ResourceOption) (*Data, error) {
	d := &Data{Keys: map[string]*kms.Key{}, Tables: map[string]*dynamodb.Table{}, names: map[string]string{}, home: args.Home.Name}
	if err := ctx.RegisterComponentResource("shopstack:data:Data", name, d, opts...); err != nil {
		return nil, err
	}
	tags := withService(args.Tags, "data")
	protect := pulumi.Protect(args.DeletionProtection)
	for _, region := range args.Regions {
		keyProtect := protect
		if slices.Contains(args.Removable, region.Name) {
			// Pulumi deletes a resource under the protection its state records, so a key is
			// unprotected by the update before the one that removes its region.
			keyProtect = pulumi.Protect(false)
		}
		key, err := kms.NewKey(ctx, name+"-key-"+region.Name, &kms.KeyArgs{
			Description:          pulumi.String("shopstack " + ctx.Stack() + " table encryption in " + region.Name),
			EnableKeyRotation:    pulumi.Bool(true),
			DeletionWindowInDays: pulumi.Int(30),
			Tags:                 tags,
		}, pulumi.Parent(d), pulumi.Provider(region.Provider), keyProtect)
		if err != nil {
			return nil, fmt.Errorf("data %s: key %s: %w", name, region.Name, err)
		}
		if _, err := kms.NewAlias(ctx, name+"-key-"+region.Name+"-alias", &kms.AliasArgs{
			Name:        pulumi.String("alias/" + physicalName(ctx, "data")),
			TargetKeyId: key.KeyId,
		}, pulumi.Parent(key), pulumi.Provider(region.Provider)); err != nil {
			return nil, fmt.Errorf("data %s: key alias %s: %w", name, region.Name, err)
		}
		d.Keys[region.Name] = key
	}

	for _, t := range args.Tables {
		physical := physicalName(ctx, t.Name)
		table, err := dynamodb.NewTable(ctx, name+"-"+t.Name, d.tableArgs(physical, t, args, tags), pulumi.Parent(d), pulumi.Provider(args.Home.Provider), protect,
			pulumi.Aliases(tableAliases(ctx, t)))
		if err != nil {
			return nil, fmt.Errorf("data %s: table %s: %w", name, t.Name, err)
		}
		d.Tables[t.Name] = table
		d.names[t.Name] = physical
	}
	outputs := pulumi.Map{}
	for logical, table := range d.Tables {
		outputs[logical] = table.Name
	}
	if err := ctx.RegisterResourceOutputs(d, outputs); err != nil {
		return nil, fmt.Errorf("data %s: outputs: %w", name, err)
	}
	return d, nil
}

// tableArgs are a global table's settings: on demand, encrypted with the data region's key, point
// in time recovery, streams with both images, and a replica (with its region's key) in every
// other region.
func (d *Data) tableArgs(physical string, t schema.Table, args *DataArgs, tags pulumi.StringMap) *dynamodb.TableArgs {
	var replicas dynamodb.TableReplicaTypeArray
	// In region-name order: the replicas are a set (terraform-provider-aws's replica block), and
	// a failover reorders the regions.
	for _, region := range slices.SortedFunc(slices.Values(args.Regions), func(a, b RegionProvider) int { return strings.Compare(a.Name, b.Name) }) {
		if region.Name == args.Home.Name {
			continue
		}
		replicas = append(replicas, dynamodb.TableReplicaTypeArgs{
			RegionName:          pulumi.String(region.Name),
			KmsKeyArn:           d.Keys[region.Name].Arn,
			PointInTimeRecovery: pulumi.Bool(true),
			PropagateTags:       pulumi.Bool(true),
		})
	}
	tableArgs := &dynamodb.TableArgs{
		Name:                      pulumi.String(physical),
		BillingMode:               pulumi.String("PAY_PER_REQUEST"),
		HashKey:                   pulumi.String(t.HashKey.Name),
		Attributes:                attributes(t),
		GlobalSecondaryIndexes:    indexes(t),
		PointInTimeRecovery:       &dynamodb.TablePointInTimeRecoveryArgs{Enabled: pulumi.Bool(true)},
		ServerSideEncryption:      &dynamodb.TableServerSideEncryptionArgs{Enabled: pulumi.Bool(true), KmsKeyArn: d.Keys[args.Home.Name].Arn},
		StreamEnabled:             pulumi.Bool(true),
		StreamViewType:            pulumi.String("NEW_AND_OLD_IMAGES"),
		DeletionProtectionEnabled: pulumi.Bool(args.DeletionProtection),
		Replicas:                  replicas,
		Tags:                      tags,
	}
	if t.RangeKey != nil {
		tableArgs.RangeKey = pulumi.String(t.RangeKey.Name)
	}
	if t.TTLAttribute != "" {
		tableArgs.Ttl = &dynamodb.TableTtlArgs{AttributeName: pulumi.String(t.TTLAttribute), Enabled: pulumi.Bool(true)}
	}
	return tableArgs
}

// tableAliases keep the URN of a table that used to live elsewhere in the program: the event
// pipeline's ledger was a regional table of the writer region's pipeline ("events") before it
// became a global table here.
func tableAliases(ctx *pulumi.Context, t schema.Table) []pulumi.Alias {
	if t.Name != schema.ProcessedEvents {
		return nil
	}
	parent := fmt.Sprintf("urn:pulumi:%s::%s::shopstack:events:Events::events", ctx.Stack(), ctx.Project())
	return []pulumi.Alias{{Name: pulumi.String("events-" + t.Name), ParentURN: pulumi.URN(parent)}}
}

// StreamArn is the ARN of the table's stream in region: the data region's own, or its replica's
// there (each copy of a global table has its own stream, carrying every write made anywhere).
func (d *Data) StreamArn(table, region string) pulumi.StringOutput {
	t := d.Tables[table]
	if region == d.home {
		return t.StreamArn
	}
	return t.Replicas.ApplyT(func(replicas []dynamodb.TableReplicaType) (string, error) {
		for _, r := range replicas {
			if r.RegionName == region && r.StreamArn != nil {
				return *r.StreamArn, nil
			}
		}
		return "", fmt.Errorf("table %s has no replica stream in %s", table, region)
	}).(pulumi.StringOutput)
}

// TableName is the physical name of a table, the same in every region.
func (d *Data) TableName(table string) string { return d.names[table] }

// Environment tells a function where its tables are: each table's env var (schema.EnvVar) set to
// its physical name.
func (d *Data) Environment(tables ...string) pulumi.StringMap {
	env := pulumi.StringMap{}
	for _, table := range tables {
		env[schema.EnvVar(table)] = pulumi.String(d.TableName(table))
	}
	return env
}

// Grant allows actions on the table's copies in regions (and on their indexes, withIndexes).
func (d *Data) Grant(sid, table string, actions []string, withIndexes bool, regions ...string) Statement {
	var arns pulumi.StringArray
	for _, region := range regions {
		arns = append(arns, d.TableArns(table, region, withIndexes)...)
	}
	return Statement{Sid: sid, Actions: actions, Resources: arns}
}

// tableKeyActions are what DynamoDB does with a table's key on its caller's behalf: a caller that
// reads or writes an encrypted table needs them on the key.
var tableKeyActions = []string{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"}

// GrantKeys allows using the table keys of regions.
func (d *Data) GrantKeys(regions ...string) Statement {
	var keys pulumi.StringArray
	for _, region := range regions {
		keys = append(keys, d.Keys[region].Arn)
	}
	return Statement{Sid: "TableKeys", Actions: tableKeyActions, Resources: keys}
}

// TableArns returns the ARN of the table's copy in region and the ARNs of its indexes there.
func (d *Data) TableArns(table, region string, withIndexes bool) pulumi.StringArray {
	t := d.Tables[table]
	arn := t.Arn.ApplyT(func(homeArn string) string { return inRegion(homeArn, region) }).(pulumi.StringOutput)
	arns := pulumi.StringArray{arn}
	if withIndexes {
		for _, s := range append(schema.Tables(), schema.EventTables()...) {
			if s.Name != table {
				continue
			}
			for _, idx := range s.Indexes {
				arns = append(arns, pulumi.Sprintf("%s/index/%s", arn, idx.Name))
			}
		}
	}
	return arns
}

// inRegion rewrites the region field of an ARN (arn:partition:service:region:account:resource):
// a global table's replicas share name and account, and differ only there.
func inRegion(arn, region string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return arn
	}
	parts[3] = region
	return strings.Join(parts, ":")
}

func attributes(t schema.Table) dynamodb.TableAttributeArray {
	seen := map[string]bool{}
	var attrs dynamodb.TableAttributeArray
	add := func(a *schema.Attribute) {
		if a == nil || seen[a.Name] {
			return
		}
		seen[a.Name] = true
		attrs = append(attrs, dynamodb.TableAttributeArgs{Name: pulumi.String(a.Name), Type: pulumi.String(string(a.Type))})
	}
	add(&t.HashKey)
	add(t.RangeKey)
	for _, idx := range t.Indexes {
		add(&idx.HashKey)
		add(idx.RangeKey)
	}
	return attrs
}

func indexes(t schema.Table) dynamodb.TableGlobalSecondaryIndexArray {
	var out dynamodb.TableGlobalSecondaryIndexArray
	for _, idx := range t.Indexes {
		gsi := dynamodb.TableGlobalSecondaryIndexArgs{
			Name:           pulumi.String(idx.Name),
			HashKey:        pulumi.String(idx.HashKey.Name),
			ProjectionType: pulumi.String("ALL"),
		}
		if idx.RangeKey != nil {
			gsi.RangeKey = pulumi.String(idx.RangeKey.Name)
		}
		out = append(out, gsi)
	}
	return out
}

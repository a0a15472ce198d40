package stacks

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"shopstack/functions/schema"
)

// RegionProvider is a configured region and the explicit provider that deploys into it.
type RegionProvider struct {
	Name     string
	Provider *aws.Provider
}

// DataArgs declares the platform's data: a key per region and a global table per schema entry.
type DataArgs struct {
	Regions            []RegionProvider // the first is the writer region
	Tables             []schema.Table
	DeletionProtection bool
	Tags               pulumi.StringMap
}

// Data holds the customer-managed keys (one per region) and the global tables, whose primary
// copies live in the writer region with a replica in every other region.
type Data struct {
	pulumi.ResourceState

	Keys   map[string]*kms.Key        // by region
	Tables map[string]*dynamodb.Table // by logical table name
	names  map[string]string          // logical -> physical table name
	writer string
}

// NewData declares the keys and tables. Tables need streams with new and old images: global
// tables replicate through them, and the event pipeline reads them.
func NewData(ctx *pulumi.Context, name string, args *DataArgs, opts ...pulumi.ResourceOption) (*Data, error) {
	d := &Data{Keys: map[string]*kms.Key{}, Tables: map[string]*dynamodb.Table{}, names: map[string]string{}, writer: args.Regions[0].Name}
	if err := ctx.RegisterComponentResource("shopstack:data:Data", name, d, opts...); err != nil {
		return nil, err
	}
	tags := withService(args.Tags, "data")
	protect := pulumi.Protect(args.DeletionProtection)
	for _, region := range args.Regions {
		key, err := kms.NewKey(ctx, name+"-key-"+region.Name, &kms.KeyArgs{
			Description:          pulumi.String("shopstack " + ctx.Stack() + " table encryption in " + region.Name),
			EnableKeyRotation:    pulumi.Bool(true),
			DeletionWindowInDays: pulumi.Int(30),
			Tags:                 tags,
		}, pulumi.Parent(d), pulumi.Provider(region.Provider), protect)
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

	writer := args.Regions[0]
	for _, t := range args.Tables {
		physical := physicalName(ctx, t.Name)
		var replicas dynamodb.TableReplicaTypeArray
		for _, region := range args.Regions[1:] {
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
			ServerSideEncryption:      &dynamodb.TableServerSideEncryptionArgs{Enabled: pulumi.Bool(true), KmsKeyArn: d.Keys[writer.Name].Arn},
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
		table, err := dynamodb.NewTable(ctx, name+"-"+t.Name, tableArgs, pulumi.Parent(d), pulumi.Provider(writer.Provider), protect)
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

// TableName is the physical name of a table, the same in every region.
func (d *Data) TableName(table string) string { return d.names[table] }

// TableArns returns the ARN of the table's copy in region and the ARNs of its indexes there.
func (d *Data) TableArns(table, region string, withIndexes bool) pulumi.StringArray {
	t := d.Tables[table]
	arn := t.Arn.ApplyT(func(writerArn string) string { return inRegion(writerArn, region) }).(pulumi.StringOutput)
	arns := pulumi.StringArray{arn}
	if withIndexes {
		for _, s := range schema.Tables() {
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

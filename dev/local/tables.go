package local

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"shopstack/contract/schema"
	"shopstack/dev/dynamolocal"
	"shopstack/functions/lib/shop"
	"shopstack/functions/lib/store"
)

// TablePrefix prefixes the physical names of the local tables: "shopstack-local-products".
const TablePrefix = "shopstack-local-"

// EnsureTables creates every table of schema.Tables() and schema.EventTables() named
// prefix+logical name, with its indexes and TTL, unless it exists already, and returns
// logical -> physical names. The schema.Tables() tables get a NEW_AND_OLD_IMAGES stream, as
// every global table of the stack has (stacks/data.go), which the local event pipeline reads;
// an existing one without a stream gets it. A second call against the same DynamoDB Local
// changes nothing.
func EnsureTables(ctx context.Context, c *dynamodb.Client, prefix string) (map[string]string, error) {
	names := map[string]string{}
	streamed := len(schema.Tables())
	for i, tb := range append(schema.Tables(), schema.EventTables()...) {
		in := dynamolocal.CreateTableInput(tb, prefix+tb.Name)
		names[tb.Name] = *in.TableName
		if i < streamed {
			in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages}
		}
		_, err := c.CreateTable(ctx, in)
		var inUse *types.ResourceInUseException
		if errors.As(err, &inUse) {
			if in.StreamSpecification != nil {
				if err := ensureStream(ctx, c, *in.TableName, in.StreamSpecification); err != nil {
					return nil, err
				}
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("create table %s: %w", *in.TableName, err)
		}
		if tb.TTLAttribute == "" {
			continue
		}
		_, err = c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
			TableName:               in.TableName,
			TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(tb.TTLAttribute), Enabled: aws.Bool(true)},
		})
		if err != nil {
			return nil, fmt.Errorf("enable TTL on %s: %w", *in.TableName, err)
		}
	}
	return names, nil
}

// ensureStream enables the stream of a table created before tables had one.
func ensureStream(ctx context.Context, c *dynamodb.Client, table string, spec *types.StreamSpecification) error {
	out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return fmt.Errorf("describe table %s: %w", table, err)
	}
	if s := out.Table.StreamSpecification; s != nil && aws.ToBool(s.StreamEnabled) {
		return nil
	}
	if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(table), StreamSpecification: spec}); err != nil {
		return fmt.Errorf("enable the stream of %s: %w", table, err)
	}
	return nil
}

// SeedProduct is one product of the sample catalog, with a fixed id so seeding twice
// finds it instead of adding a copy.
type SeedProduct struct {
	ID string
	shop.NewProduct
}

// SampleCatalog is the small catalog a fresh local platform starts with.
func SampleCatalog() []SeedProduct {
	eur := func(cents int64) shop.Money { return shop.Money{Amount: cents, Currency: "EUR"} }
	return []SeedProduct{
		{"seed-kettle", shop.NewProduct{Name: "Stovetop kettle", Description: "1.5 l, stainless steel, whistles when it boils.", Category: "kitchen", Price: eur(3499), Stock: 40, LowStockThreshold: 5}},
		{"seed-chef-knife", shop.NewProduct{Name: "Chef's knife", Description: "20 cm blade, forged steel.", Category: "kitchen", Price: eur(5900), Stock: 25, LowStockThreshold: 5}},
		{"seed-cutting-board", shop.NewProduct{Name: "Oak cutting board", Description: "40 × 30 cm, end grain.", Category: "kitchen", Price: eur(1999), Stock: 60, LowStockThreshold: 10}},
		{"seed-watering-can", shop.NewProduct{Name: "Watering can", Description: "10 l, galvanised, with a brass rose.", Category: "garden", Price: eur(1599), Stock: 30, LowStockThreshold: 5}},
		{"seed-pruning-shears", shop.NewProduct{Name: "Pruning shears", Description: "Bypass blades for stems up to 2 cm.", Category: "garden", Price: eur(2450), Stock: 15, LowStockThreshold: 3}},
		{"seed-go-book", shop.NewProduct{Name: "The Go Programming Language", Description: "Donovan and Kernighan, paperback.", Category: "books", Price: eur(3999), Stock: 10, LowStockThreshold: 2}},
		{"seed-cookbook", shop.NewProduct{Name: "Salt, Fat, Acid, Heat", Description: "Samin Nosrat, hardcover.", Category: "books", Price: eur(2499), Stock: 3, LowStockThreshold: 5}},
	}
}

// Seed adds the products that are not there yet and leaves existing ones (and their
// stock) alone, so it is safe on every start. It returns how many it added.
func Seed(ctx context.Context, products *store.Products, catalog []SeedProduct) (int, error) {
	added := 0
	at := time.Now().UTC().Truncate(time.Millisecond)
	for _, sp := range catalog {
		if err := sp.Validate(); err != nil {
			return added, fmt.Errorf("seed %s: %w", sp.ID, err)
		}
		p := shop.Product{
			ID: sp.ID, Name: sp.Name, Description: sp.Description, Category: sp.Category,
			Price: sp.Price, Stock: sp.Stock, LowStockThreshold: sp.LowStockThreshold, CreatedAt: at, UpdatedAt: at,
		}
		err := products.CreateProduct(ctx, p)
		if shop.ErrorCode(err) == shop.ECONFLICT {
			continue
		}
		if err != nil {
			return added, fmt.Errorf("seed %s: %w", sp.ID, err)
		}
		added++
	}
	return added, nil
}

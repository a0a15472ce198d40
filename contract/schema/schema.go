// Package schema is the single source of the DynamoDB table definitions: the stack
// declares its tables from it and the tests create DynamoDB Local tables from it.
package schema

import "strings"

// AttributeType is a DynamoDB scalar key type.
type AttributeType string

const (
	String AttributeType = "S"
	Number AttributeType = "N"
)

// Attribute is a key attribute.
type Attribute struct {
	Name string
	Type AttributeType
}

// Index is a global secondary index projecting all attributes.
type Index struct {
	Name     string
	HashKey  Attribute
	RangeKey *Attribute
}

// Table is one table's keys, indexes and TTL attribute.
type Table struct {
	Name         string // logical name: "products", "carts", "orders", "idempotency"
	HashKey      Attribute
	RangeKey     *Attribute
	Indexes      []Index // global secondary indexes
	TTLAttribute string  // "" when the table has no TTL
}

// Logical table names.
const (
	Products    = "products"
	Carts       = "carts"
	Orders      = "orders"
	Idempotency = "idempotency"
)

// Index names.
const (
	ProductsByCategory = "byCategory"
	OrdersByOwner      = "byOwner"
)

// Tables returns every table, in a fixed order.
func Tables() []Table {
	return []Table{
		{
			Name:    Products,
			HashKey: Attribute{"productId", String},
			Indexes: []Index{{Name: ProductsByCategory, HashKey: Attribute{"category", String}, RangeKey: &Attribute{"productId", String}}},
		},
		{Name: Carts, HashKey: Attribute{"cartId", String}, TTLAttribute: "expiresAt"},
		{
			Name:    Orders,
			HashKey: Attribute{"orderId", String},
			// createdAt is stored fixed-width, so string order is time order.
			Indexes: []Index{{Name: OrdersByOwner, HashKey: Attribute{"ownerId", String}, RangeKey: &Attribute{"createdAt", String}}},
		},
		{Name: Idempotency, HashKey: Attribute{"idempotencyId", String}, TTLAttribute: "expiresAt"},
	}
}

// EnvVar names the environment variable carrying a table's physical name:
// "products" -> "PRODUCTS_TABLE".
func EnvVar(table string) string {
	return strings.ToUpper(table) + "_TABLE"
}

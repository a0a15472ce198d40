// Package services says which Lambda functions exist and exactly which DynamoDB actions
// each one's code calls on which tables. The stack builds least-privilege IAM policies
// from it; a test in functions/lib/api checks it against the calls the handlers really make.
package iam

import "shopstack/contract/schema"

// TableAccess is what a function does to one table. TransactWriteItems is listed as
// the per-item actions it performs (PutItem, UpdateItem, DeleteItem, ConditionCheckItem).
type TableAccess struct {
	Table   string   // logical table name from package schema
	Actions []string // IAM actions, e.g. "dynamodb:GetItem", sorted
	Indexes bool     // true if it queries the table's indexes
}

// Service is one Lambda function.
type Service struct {
	Name   string // = folder functions/<Name> and routes.Route.Function
	Tables []TableAccess
	// WriterRegionWrites is true when the function's writes must go to the writer region's
	// tables (env WRITER_REGION): stock, orders, idempotency keys and the carts checkout consumes.
	WriterRegionWrites bool
}

// All returns every function, in a fixed order.
func All() []Service {
	return []Service{
		{
			Name: "catalog",
			Tables: []TableAccess{
				{Table: schema.Products, Actions: []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:UpdateItem"}, Indexes: true},
			},
			WriterRegionWrites: true,
		},
		{
			Name: "cart",
			Tables: []TableAccess{
				{Table: schema.Carts, Actions: []string{"dynamodb:GetItem", "dynamodb:PutItem"}},
				{Table: schema.Products, Actions: []string{"dynamodb:BatchGetItem", "dynamodb:GetItem"}},
			},
			WriterRegionWrites: true,
		},
		{
			Name: "checkout",
			Tables: []TableAccess{
				{Table: schema.Carts, Actions: []string{"dynamodb:DeleteItem", "dynamodb:GetItem"}},
				{Table: schema.Idempotency, Actions: []string{"dynamodb:GetItem", "dynamodb:PutItem"}},
				{Table: schema.Orders, Actions: []string{"dynamodb:GetItem", "dynamodb:PutItem"}},
				{Table: schema.Products, Actions: []string{"dynamodb:BatchGetItem", "dynamodb:UpdateItem"}},
			},
			WriterRegionWrites: true,
		},
		{
			Name: "orders",
			Tables: []TableAccess{
				{Table: schema.Orders, Actions: []string{"dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"}, Indexes: true},
				{Table: schema.Products, Actions: []string{"dynamodb:UpdateItem"}},
			},
			WriterRegionWrites: true,
		},
		{
			// The health probe reads one missing item of the local copy; it never writes.
			Name: "health",
			Tables: []TableAccess{
				{Table: schema.Products, Actions: []string{"dynamodb:GetItem"}},
			},
		},
	}
}

// Get returns the named service.
func Get(name string) (Service, bool) {
	for _, s := range All() {
		if s.Name == name {
			return s, true
		}
	}
	return Service{}, false
}

package iam_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"shopstack/contract/iam"
	"shopstack/contract/routes"
	"shopstack/contract/schema"
)

// The tables, functions and actions named here must exist elsewhere; that the code
// calls exactly these actions is checked in functions/lib/api (TestCapacityAndAccess).
func TestConsistentWithRoutesAndSchema(t *testing.T) {
	tables := map[string]bool{}
	for _, tb := range schema.Tables() {
		tables[tb.Name] = true
		assert.Equal(t, strings.ToUpper(tb.Name)+"_TABLE", schema.EnvVar(tb.Name))
	}
	assert.Len(t, tables, 4)
	var names []string
	for _, s := range iam.All() {
		names = append(names, s.Name)
		assert.NotEmpty(t, routes.Of(s.Name), "service %s serves no route", s.Name)
		for _, ta := range s.Tables {
			assert.True(t, tables[ta.Table], "%s: unknown table %s", s.Name, ta.Table)
			assert.True(t, slices.IsSorted(ta.Actions), "%s/%s actions sorted", s.Name, ta.Table)
			for _, a := range ta.Actions {
				assert.True(t, strings.HasPrefix(a, "dynamodb:") && a != "dynamodb:*", "%s: %s", s.Name, a)
			}
		}
	}
	assert.Equal(t, []string{"catalog", "cart", "checkout", "orders", "health"}, names)
	for _, r := range routes.All() {
		assert.Contains(t, names, r.Function)
	}
}

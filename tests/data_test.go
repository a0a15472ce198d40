package tests

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	tableType = "aws:dynamodb/table:Table"
	keyType   = "aws:kms/key:Key"
)

// expectedTables is the schema as the stack must declare it, written out independently of
// contract/schema so that a change there shows up here.
var expectedTables = map[string]struct {
	hashKey, rangeKey, ttl string
	indexes                map[string][2]string // name -> hash, range
}{
	"products":    {hashKey: "productId", indexes: map[string][2]string{"byCategory": {"category", "productId"}}},
	"carts":       {hashKey: "cartId", ttl: "expiresAt"},
	"orders":      {hashKey: "orderId", indexes: map[string][2]string{"byOwner": {"ownerId", "createdAt"}}},
	"idempotency": {hashKey: "idempotencyId", ttl: "expiresAt"},
	// The event pipeline's ledger: global, so it survives a move of the pipeline.
	"processedEvents": {hashKey: "eventKey", ttl: "expiresAt"},
}

func TestTables(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		regions := s.regions(t)
		writer := regions[0]
		keys := map[string]string{} // region -> key ARN
		for _, k := range s.graph.OfType(keyType) {
			assert.Equal(t, true, k.Inputs["enableKeyRotation"], "key %s rotates", k.Name)
			keys[k.Region] = k.State["arn"].(string)
		}
		require.Len(t, keys, len(regions), "one key per region, created with that region's provider")
		protect := s.config["shopstack:deletionProtection"] == "true"

		for name, want := range expectedTables {
			t.Run(name, func(t *testing.T) {
				tbl, err := s.graph.Named(tableType, "data-"+name)
				require.NoError(t, err)
				in := tbl.Inputs
				assert.Equal(t, writer, tbl.Region, "managed from the data region, which every stack file pins to its first region")
				assert.Equal(t, "shopstack-"+s.name+"-"+name, in["name"])
				assert.Equal(t, "PAY_PER_REQUEST", in["billingMode"])
				assert.Equal(t, want.hashKey, in["hashKey"])
				assert.Equal(t, map[string]any{"enabled": true}, in["pointInTimeRecovery"])
				assert.Equal(t, map[string]any{"enabled": true, "kmsKeyArn": keys[writer]}, in["serverSideEncryption"])
				assert.Equal(t, true, in["streamEnabled"])
				assert.Equal(t, "NEW_AND_OLD_IMAGES", in["streamViewType"])
				assert.Equal(t, protect, in["deletionProtectionEnabled"])
				assert.Equal(t, protect, tbl.Protect, "pulumi protect follows deletionProtection")
				if want.ttl != "" {
					assert.Equal(t, map[string]any{"attributeName": want.ttl, "enabled": true}, in["ttl"])
				} else {
					assert.Nil(t, in["ttl"])
				}
				gotIndexes := map[string][2]string{}
				for _, raw := range asList(in["globalSecondaryIndexes"]) {
					idx := raw.(map[string]any)
					assert.Equal(t, "ALL", idx["projectionType"])
					rangeKey, _ := idx["rangeKey"].(string)
					gotIndexes[idx["name"].(string)] = [2]string{idx["hashKey"].(string), rangeKey}
				}
				if want.indexes == nil {
					assert.Empty(t, gotIndexes)
				} else {
					assert.Equal(t, want.indexes, gotIndexes)
				}

				// One replica per non-writer region, each with PITR and its own region's key.
				replicas := map[string]map[string]any{}
				for _, raw := range asList(in["replicas"]) {
					r := raw.(map[string]any)
					replicas[r["regionName"].(string)] = r
				}
				require.Len(t, replicas, len(regions)-1)
				for _, region := range regions[1:] {
					r, ok := replicas[region]
					require.True(t, ok, "replica in %s", region)
					assert.Equal(t, true, r["pointInTimeRecovery"])
					assert.Equal(t, keys[region], r["kmsKeyArn"])
					assert.True(t, strings.Contains(keys[region], ":"+region+":"), "key %s is in %s", keys[region], region)
				}
			})
		}
		data, err := s.graph.Named("shopstack:data:Data", "data")
		require.NoError(t, err)
		var declared []string
		for _, tbl := range s.graph.OfType(tableType) {
			if tbl.Parent == data.URN {
				declared = append(declared, tbl.Name)
			}
		}
		assert.Len(t, declared, len(expectedTables), "the data component declares the schema's tables and no other: %v", declared)
	})
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

package tests

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// expectedPermissions is, per service function, exactly the DynamoDB actions its code calls on
// each table. It is written out here, not derived from contract/iam, so that widening a
// policy (or the code's needs) must be done in two places and reviewed.
var expectedPermissions = map[string]map[string][]string{
	"catalog": {
		"products": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:UpdateItem"},
	},
	"cart": {
		"carts":    {"dynamodb:GetItem", "dynamodb:PutItem"},
		"products": {"dynamodb:BatchGetItem", "dynamodb:GetItem"},
	},
	"checkout": {
		"carts":       {"dynamodb:DeleteItem", "dynamodb:GetItem"},
		"idempotency": {"dynamodb:GetItem", "dynamodb:PutItem"},
		"orders":      {"dynamodb:GetItem", "dynamodb:PutItem"},
		"products":    {"dynamodb:BatchGetItem", "dynamodb:UpdateItem"},
	},
	"orders": {
		"orders":   {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"},
		"products": {"dynamodb:UpdateItem"},
	},
}

// queriedIndexes are the indexes each function queries, by table.
var queriedIndexes = map[string]map[string][]string{
	"catalog": {"products": {"byCategory"}},
	"orders":  {"orders": {"byOwner"}},
}

func TestServicePermissions(t *testing.T) {
	forEachStack(t, func(t *testing.T, s stackRun) {
		regions := s.regions(t)
		writer := regions[0]
		for _, region := range regions {
			for service, tables := range expectedPermissions {
				t.Run(region+"/"+service, func(t *testing.T) {
					fn, err := s.graph.Named(lambdaType, region+"-"+service)
					require.NoError(t, err)
					env := fn.Inputs["environment"].(map[string]any)["variables"].(map[string]any)
					wantEnv := map[string]any{"WRITER_REGION": writer}
					if origins := s.config["shopstack:allowedOrigins"]; origins != "[]" {
						wantEnv["ALLOWED_ORIGINS"] = strings.Trim(strings.ReplaceAll(strings.ReplaceAll(origins, `"`, ""), " ", ""), "[]")
					}
					for table := range tables {
						wantEnv[strings.ToUpper(table)+"_TABLE"] = "shopstack-" + s.name + "-" + table
					}
					assert.Equal(t, wantEnv, env, "env names exactly its tables and the writer region")

					role, err := s.graph.Named(roleType, region+"-"+service+"-role")
					require.NoError(t, err)
					policies := s.graph.Children(role.URN)
					require.Len(t, policies, 1)
					doc := parsePolicy(t, policies[0].Inputs["policy"])
					// Reads are local, writes go to the writer region: both copies are granted.
					copies := []string{region}
					if region != writer {
						copies = append(copies, writer)
					}
					wantTables := map[string][2]any{}
					for table, actions := range tables {
						var arns []any
						for _, r := range copies {
							arn := fmt.Sprintf("arn:aws:dynamodb:%s:123456789012:table/shopstack-%s-%s", r, s.name, table)
							arns = append(arns, arn)
							for _, idx := range queriedIndexes[service][table] {
								arns = append(arns, arn+"/index/"+idx)
							}
						}
						wantTables[table] = [2]any{toAny(actions), arns}
					}
					gotTables := map[string][2]any{}
					var kmsStatements int
					for _, st := range doc.Statement {
						assert.Equal(t, "Allow", st.Effect)
						for _, a := range asList(st.Action) {
							assert.NotContains(t, a, "*", "no wildcard action")
						}
						switch {
						case strings.HasPrefix(st.Sid, "Table") && st.Sid != "TableKeys":
							table := strings.ToLower(strings.TrimPrefix(st.Sid, "Table"))
							gotTables[table] = [2]any{st.Action, st.Resource}
						case st.Sid == "TableKeys":
							kmsStatements++
							assert.Equal(t, []any{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"}, st.Action)
							for _, arn := range asList(st.Resource) {
								assert.True(t, slices.ContainsFunc(copies, func(r string) bool { return strings.Contains(arn.(string), ":"+r+":") }),
									"key %s belongs to a region whose table copy the function uses", arn)
							}
							assert.Len(t, asList(st.Resource), len(copies))
						case st.Sid == "WriteOwnLogs" || st.Sid == "WriteTraces":
						default:
							t.Errorf("unexpected statement %q", st.Sid)
						}
					}
					assert.Equal(t, wantTables, gotTables)
					assert.Equal(t, 1, kmsStatements)
				})
			}
		}
	})
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

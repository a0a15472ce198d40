package awsprovider

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/pkg/v3/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	functionType = tokens.Type("aws:lambda/function:Function")
	tableType    = tokens.Type("aws:dynamodb/table:Table")
)

// configured is a provider configured for region with one default tag.
func configured(t *testing.T, region string) plugin.Provider {
	t.Helper()
	p := New()
	_, err := p.Configure(context.Background(), plugin.ConfigureRequest{Inputs: props(map[string]any{
		"region": region, "defaultTags": map[string]any{"tags": map[string]any{"stack": "dev"}},
	})})
	require.NoError(t, err)
	return p
}

func props(m map[string]any) property.Map {
	if m == nil {
		return property.Map{}
	}
	return toValue(m).AsMap()
}

func urn(typ tokens.Type, name string) resource.URN {
	return resource.NewURN("dev", "shopstack", "", typ, name)
}

func check(t *testing.T, p plugin.Provider, typ tokens.Type, name string, olds, news property.Map) plugin.CheckResponse {
	t.Helper()
	resp, err := p.Check(context.Background(), plugin.CheckRequest{
		URN: urn(typ, name), Name: name, Type: typ, OldInputs: olds, NewInputs: news, RandomSeed: []byte("seed"),
	})
	require.NoError(t, err)
	return resp
}

func failedProperties(resp plugin.CheckResponse) []string {
	var out []string
	for _, f := range resp.Failures {
		out = append(out, string(f.Property))
	}
	return out
}

func TestCheckRejectsUndeclaredInputs(t *testing.T) {
	fn := map[string]any{"role": "arn:aws:iam::123456789012:role/r", "name": "fn"}
	tests := []struct {
		name   string
		typ    tokens.Type
		inputs map[string]any
		failed []string
	}{
		{"declared inputs pass", functionType, fn, nil},
		{"an undeclared top-level input", functionType, merge(fn, map[string]any{"functionName": "fn"}), []string{"functionName"}},
		{"an undeclared nested input", functionType, merge(fn, map[string]any{"environment": map[string]any{"vars": map[string]any{}}}), []string{"environment.vars"}},
		{"any key in a map-typed input", functionType, merge(fn, map[string]any{"tags": map[string]any{"any-key": "v"}}), nil},
		{
			"the REST API child transform's keys", "aws:apigateway/restApi:RestApi",
			map[string]any{"name": "api", "body": "{}", "tags": map[string]any{"service": "api"},
				"endpointConfiguration": map[string]any{"types": "REGIONAL"}},
			nil,
		},
		{
			"the stage child transform's keys", "aws:apigateway/stage:Stage",
			map[string]any{"restApi": "abc", "deployment": "d1", "stageName": "v1", "xrayTracingEnabled": true,
				"accessLogSettings": map[string]any{"destinationArn": "arn", "format": "{}"}},
			nil,
		},
		{
			"a misspelt key under the stage's access log settings", "aws:apigateway/stage:Stage",
			map[string]any{"restApi": "abc", "deployment": "d1", "stageName": "v1",
				"accessLogSettings": map[string]any{"destination": "arn", "format": "{}"}},
			[]string{"accessLogSettings.destination"},
		},
		{"a required input left out", functionType, map[string]any{"name": "fn"}, []string{"role"}},
	}
	p := configured(t, "us-east-1")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := check(t, p, tt.typ, "res", property.Map{}, props(tt.inputs))
			assert.Equal(t, tt.failed, failedProperties(resp))
		})
	}
}

func TestCheckRejectsUnknownType(t *testing.T) {
	_, err := configured(t, "us-east-1").Check(context.Background(), plugin.CheckRequest{
		URN: urn("aws:s3/bucket:Bucket", "b"), Type: "aws:s3/bucket:Bucket", RandomSeed: []byte("seed"),
	})
	assert.ErrorContains(t, err, "unrecognized resource type (Check): aws:s3/bucket:Bucket")
}

func TestCheckLeavesUnknownsAlone(t *testing.T) {
	resp := check(t, configured(t, "us-east-1"), functionType, "fn", property.Map{}, property.NewMap(map[string]property.Value{
		"name": property.New(property.Computed), "role": property.New(property.Computed),
	}))
	assert.Empty(t, resp.Failures)
	assert.True(t, resp.Properties.Get("name").IsComputed(), "an unknown name is not replaced by an autoname")
}

func TestCheckNameLimits(t *testing.T) {
	role := map[string]any{"role": "arn:aws:iam::123456789012:role/r"}
	tests := []struct {
		name    string
		typ     tokens.Type
		logical string
		inputs  map[string]any
		failed  []string
	}{
		{"a Lambda name of 64 characters", functionType, "fn", merge(role, map[string]any{"name": strings.Repeat("a", 64)}), nil},
		{"a Lambda name of 65 characters", functionType, "fn", merge(role, map[string]any{"name": strings.Repeat("a", 65)}), []string{"name"}},
		{"an autonamed Lambda that fits: 56 + 1 + 7", functionType, strings.Repeat("f", 56), role, nil},
		{"an autonamed Lambda one over: 57 + 1 + 7", functionType, strings.Repeat("f", 57), role, []string{"name"}},
		{
			"an event target id autonamed to 255 but limited to 64 by EventBridge", "aws:cloudwatch/eventTarget:EventTarget",
			strings.Repeat("t", 57), map[string]any{"rule": "r", "arn": "arn:aws:sqs:us-east-1:123456789012:q"}, []string{"targetId"},
		},
		{"a FIFO queue whose .fifo suffix crosses 80", "aws:sqs/queue:Queue", strings.Repeat("q", 70), map[string]any{"fifoQueue": true}, []string{"name"}},
		{"a standard queue of the same logical name", "aws:sqs/queue:Queue", strings.Repeat("q", 70), map[string]any{}, nil},
		{
			"a role name prefix that leaves no room for Terraform's suffix", "aws:iam/role:Role", "role",
			map[string]any{"assumeRolePolicy": "{}", "namePrefix": strings.Repeat("r", 39)}, []string{"name"},
		},
	}
	p := configured(t, "us-east-1")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := check(t, p, tt.typ, tt.logical, property.Map{}, props(tt.inputs))
			assert.Equal(t, tt.failed, failedProperties(resp))
		})
	}
}

func TestAutoname(t *testing.T) {
	p := configured(t, "us-east-1")
	inputs := props(map[string]any{"role": "arn:aws:iam::123456789012:role/r"})
	first := check(t, p, functionType, "orders", property.Map{}, inputs)
	require.Empty(t, first.Failures)
	name := first.Properties.Get("name").AsString()
	assert.Regexp(t, regexp.MustCompile(`^orders-[0-9a-f]{7}$`), name)
	assert.Equal(t, []property.Value{property.New("name")}, first.Properties.Get(defaultsKey).AsArray().AsSlice())

	again := check(t, p, functionType, "orders", property.Map{}, inputs)
	assert.Equal(t, name, again.Properties.Get("name").AsString(), "the same URN gives the same name")

	olds := props(map[string]any{"role": "r", "name": "orders-1234567", defaultsKey: []any{"name"}})
	kept := check(t, p, functionType, "orders", olds, inputs)
	assert.Equal(t, "orders-1234567", kept.Properties.Get("name").AsString(), "an autoname from olds is kept")

	explicitBefore := props(map[string]any{"role": "r", "name": "chosen", defaultsKey: []any{}})
	renamed := check(t, p, functionType, "orders", explicitBefore, inputs)
	assert.Equal(t, name, renamed.Properties.Get("name").AsString(), "a name the program set before is not an autoname to keep")

	explicit := check(t, p, functionType, "orders", property.Map{}, merge2(inputs, "name", "chosen"))
	assert.Equal(t, "chosen", explicit.Properties.Get("name").AsString())
	assert.Empty(t, explicit.Properties.Get(defaultsKey).AsArray().AsSlice())
}

func TestDiff(t *testing.T) {
	table := map[string]any{"name": "orders", "hashKey": "pk", "billingMode": "PAY_PER_REQUEST", "tags": map[string]any{"service": "data"}}
	tableOutputs := merge(table, map[string]any{"tagsAll": map[string]any{"service": "data", "stack": "dev"}})
	tests := []struct {
		name                string
		typ                 tokens.Type
		olds, news, outputs map[string]any
		changes             plugin.DiffChanges
		changed, replace    []resource.PropertyKey
		deleteBeforeReplace bool
	}{
		{"nothing changed", tableType, table, table, tableOutputs, plugin.DiffNone, nil, nil, false},
		{
			"a changed hash key replaces the table, deleting first as the program names it", tableType,
			table, merge(table, map[string]any{"hashKey": "id"}), tableOutputs,
			plugin.DiffSome, []resource.PropertyKey{"hashKey"}, []resource.PropertyKey{"hashKey"}, true,
		},
		{
			"a changed billing mode updates the table", tableType,
			table, merge(table, map[string]any{"billingMode": "PROVISIONED"}), tableOutputs,
			plugin.DiffSome, []resource.PropertyKey{"billingMode"}, nil, false,
		},
		{
			"new default tags update tagsAll", tableType,
			table, table, merge(table, map[string]any{"tagsAll": map[string]any{"service": "data"}}),
			plugin.DiffSome, []resource.PropertyKey{"tagsAll"}, nil, false,
		},
		{
			"an autonamed function's new name replaces it, creating first", functionType,
			map[string]any{"name": "fn-1234567", "role": "r", defaultsKey: []any{"name"}},
			map[string]any{"name": "fn-7654321", "role": "r", defaultsKey: []any{"name"}},
			map[string]any{"tagsAll": map[string]any{"stack": "dev"}},
			plugin.DiffSome, []resource.PropertyKey{"name"}, []resource.PropertyKey{"name"}, false,
		},
	}
	p := configured(t, "us-east-1")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := p.Diff(context.Background(), plugin.DiffRequest{
				URN: urn(tt.typ, "res"), Type: tt.typ, ID: "id",
				OldInputs: props(tt.olds), NewInputs: props(tt.news), OldOutputs: props(tt.outputs),
			})
			require.NoError(t, err)
			assert.Equal(t, tt.changes, res.Changes)
			assert.Equal(t, tt.changed, res.ChangedKeys)
			assert.Equal(t, tt.replace, res.ReplaceKeys)
			assert.Equal(t, tt.deleteBeforeReplace, res.DeleteBeforeReplace)
		})
	}
}

func TestDiffConfig(t *testing.T) {
	base := map[string]any{"region": "us-east-1", "defaultTags": map[string]any{"tags": map[string]any{"stack": "dev"}}, "version": "6.83.4"}
	tests := []struct {
		name       string
		olds, news map[string]any
		changes    plugin.DiffChanges
		replace    []resource.PropertyKey
	}{
		{"the same config", base, base, plugin.DiffNone, nil},
		{"a new region replaces the provider", base, merge(base, map[string]any{"region": "eu-west-1"}), plugin.DiffSome, []resource.PropertyKey{"region"}},
		{
			"new default tags update it", base,
			merge(base, map[string]any{"defaultTags": map[string]any{"tags": map[string]any{"stack": "prod"}}}), plugin.DiffSome, nil,
		},
		{
			"a region absent from old state is not a move", map[string]any{"version": "6.83.4"},
			map[string]any{"version": "6.83.4", "region": "us-east-1"}, plugin.DiffSome, nil,
		},
	}
	p := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := p.DiffConfig(context.Background(), plugin.DiffConfigRequest{
				OldInputs: props(tt.olds), OldOutputs: props(tt.olds), NewInputs: props(tt.news), AllowUnknowns: true,
			})
			require.NoError(t, err)
			assert.Equal(t, tt.changes, res.Changes)
			assert.Equal(t, tt.replace, res.ReplaceKeys)
			assert.False(t, res.DeleteBeforeReplace)
		})
	}
}

func TestCheckConfig(t *testing.T) {
	tests := []struct {
		name   string
		news   map[string]any
		failed []string
	}{
		{"region and default tags", map[string]any{"region": "us-east-1", "defaultTags": map[string]any{"tags": map[string]any{}}, "version": "6.83.4"}, nil},
		{"an undeclared key", map[string]any{"region": "us-east-1", "regoin": "us-east-2"}, []string{"regoin"}},
		{"no region", map[string]any{}, []string{"region"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := New().CheckConfig(context.Background(), plugin.CheckConfigRequest{Name: "aws-us-east-1", News: props(tt.news)})
			require.NoError(t, err)
			var failed []string
			for _, f := range resp.Failures {
				failed = append(failed, string(f.Property))
			}
			assert.Equal(t, tt.failed, failed)
		})
	}
}

func TestCreate(t *testing.T) {
	fn := props(map[string]any{"name": "shopstack-dev-orders", "role": "arn:aws:iam::123456789012:role/r", "tags": map[string]any{"service": "orders"}})
	tests := []struct {
		name    string
		preview bool
		check   func(t *testing.T, id resource.ID, outs property.Map)
	}{
		{"a preview leaves computed outputs unknown", true, func(t *testing.T, id resource.ID, outs property.Map) {
			assert.Empty(t, id)
			for _, k := range []string{"arn", "invokeArn", "qualifiedArn", "version", "id"} {
				assert.True(t, outs.Get(k).IsComputed(), k)
			}
			assert.Equal(t, "shopstack-dev-orders", outs.Get("name").AsString(), "inputs stay known")
		}},
		{"a create outside a preview yields ARNs in the provider's region", false, func(t *testing.T, id resource.ID, outs property.Map) {
			arn := "arn:aws:lambda:eu-west-1:" + Account + ":function:shopstack-dev-orders"
			assert.Equal(t, resource.ID("shopstack-dev-orders"), id)
			assert.Equal(t, arn, outs.Get("arn").AsString())
			assert.Equal(t, "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/"+arn+"/invocations", outs.Get("invokeArn").AsString())
			assert.Equal(t, arn+":$LATEST", outs.Get("qualifiedArn").AsString())
			assert.Equal(t, props(map[string]any{"service": "orders", "stack": "dev"}), outs.Get("tagsAll").AsMap())
		}},
	}
	p := configured(t, "eu-west-1")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := p.Create(context.Background(), plugin.CreateRequest{
				URN: urn(functionType, "orders"), Type: functionType, Properties: fn, Preview: tt.preview,
			})
			require.NoError(t, err)
			tt.check(t, resp.ID, resp.Properties)
		})
	}
}

func TestCreateEveryTypeInItsRegion(t *testing.T) {
	p := configured(t, "us-west-2")
	for typ := range sdkTypes {
		t.Run(string(typ), func(t *testing.T) {
			inputs := props(map[string]any{"name": "n", "domainName": "api.example.com", "restApi": "abc", "stageName": "v1",
				"functionName": "fn", "statementId": "s", "targetId": "t", "rule": "r", "dashboardName": "d",
				"queueUrl": "https://q", "resourceId": "table/orders", "streamEnabled": true, "targetKeyId": "k", "userPoolId": "p", "topic": "arn:aws:sns:us-west-2:123456789012:t"})
			resp, err := p.Create(context.Background(), plugin.CreateRequest{URN: urn(typ, "r"), Type: typ, Properties: inputs})
			require.NoError(t, err)
			assert.NotEmpty(t, resp.ID)
			for _, key := range []string{"arn", "executionArn", "invokeUrl", "regionalDomainName"} {
				v := resp.Properties.Get(key)
				if !v.IsString() {
					continue
				}
				// An ARN's fourth field is its region; global services (IAM, Route 53) leave it empty.
				if parts := strings.Split(v.AsString(), ":"); len(parts) > 3 && parts[0] == "arn" {
					assert.Contains(t, []string{"", "us-west-2"}, parts[3], key)
				} else {
					assert.Contains(t, v.AsString(), "us-west-2", key)
				}
			}
		})
	}
}

func TestInvoke(t *testing.T) {
	tests := []struct {
		name string
		tok  tokens.ModuleMember
		args map[string]any
		want map[string]string
		err  string
	}{
		{"caller identity", "aws:index/getCallerIdentity:getCallerIdentity", nil, map[string]string{"accountId": Account}, ""},
		{"partition", "aws:index/getPartition:getPartition", nil, map[string]string{"partition": "aws", "dnsSuffix": "amazonaws.com"}, ""},
		{"the provider's region", "aws:index/getRegion:getRegion", nil, map[string]string{"name": "eu-west-1"}, ""},
		{"an unknown function", "aws:index/getBillingServiceAccount:getBillingServiceAccount", nil, nil, "unrecognized data function"},
	}
	p := configured(t, "eu-west-1")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := p.Invoke(context.Background(), plugin.InvokeRequest{Tok: tt.tok, Args: props(tt.args)})
			if tt.err != "" {
				assert.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			for k, v := range tt.want {
				assert.Equal(t, v, resp.Properties.Get(k).AsString(), k)
			}
		})
	}
}

// TestTablesNameDeclaredInputs keeps the data tables honest: every property they name is one the
// SDK declares for that type, and every type has its outputs modelled.
func TestTablesNameDeclaredInputs(t *testing.T) {
	declared := func(typ tokens.Type, prop string) bool {
		_, ok := fieldType(sdkTypes[typ].inputType(), prop)
		return ok
	}
	for typ, keys := range replaceOnChange {
		for _, k := range keys {
			assert.True(t, declared(typ, k), "replaceOnChange %s.%s", typ, k)
		}
	}
	for typ, limit := range nameLimits {
		assert.True(t, declared(typ, limit.property), "nameLimits %s.%s", typ, limit.property)
	}
	for typ, rule := range autonames {
		if rule != nil {
			assert.True(t, declared(typ, rule.property), "autonames %s.%s", typ, rule.property)
		}
	}
	for typ := range sdkTypes {
		assert.Contains(t, synthesizers, typ)
	}
	for typ := range synthesizers {
		assert.Contains(t, sdkTypes, typ)
	}
}

func merge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func merge2(m property.Map, key, value string) property.Map {
	return m.Set(key, property.New(value))
}

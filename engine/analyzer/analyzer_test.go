package analyzer

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/pkg/v3/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	sdkplugin "github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"shopstack/policies"
)

const (
	project   = "shopstack"
	stackName = "dev"
	rootStack = "urn:pulumi:dev::shopstack::pulumi:pulumi:Stack::shopstack-dev"
)

var computed = property.New(property.Computed)

func newAnalyzer(t *testing.T) plugin.Analyzer {
	t.Helper()
	return New(pack(t))
}

func pack(t *testing.T) *policies.Engine {
	t.Helper()
	p, err := policies.New(context.Background())
	require.NoError(t, err)
	return p
}

func urnOf(typ, name string) resource.URN {
	return resource.NewURN(stackName, project, "", tokensType(typ), name)
}

// res is a request for one resource, as step_generator.go builds it.
func res(typ, name string, props map[string]property.Value) plugin.AnalyzerResource {
	return plugin.AnalyzerResource{URN: urnOf(typ, name), Type: tokensType(typ), Name: name, Properties: property.NewMap(props)}
}

func str(s string) property.Value { return property.New(s) }

func obj(m map[string]property.Value) property.Value { return property.New(m) }

func arr(vs ...property.Value) property.Value { return property.New(vs) }

func num(f float64) property.Value { return property.New(f) }

func tags() property.Value {
	return obj(map[string]property.Value{"environment": str("dev"), "service": str("shop")})
}

func function(name string, arch property.Value, memory float64) plugin.AnalyzerResource {
	return res("aws:lambda/function:Function", name, map[string]property.Value{
		"name":          str(name),
		"architectures": arch,
		"runtime":       str("provided.al2023"),
		"memorySize":    num(memory),
		"tracingConfig": obj(map[string]property.Value{"mode": str("Active")}),
		"role":          computed, // the role's ARN, unknown before the role exists
		"tags":          tags(),
	})
}

func rules(ds []plugin.AnalyzeDiagnostic) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.PolicyName)
	}
	return out
}

// TestWireMatchesThePluginsGRPCPath sends the same request through the engine's real analyzer
// client and the SDK's real analyzer server, the path to pulumi-policy-opa, and checks that wire
// gives the properties the plugin would hand to OPA (Mappable() of what it receives).
func TestWireMatchesThePluginsGRPCPath(t *testing.T) {
	props := property.NewMap(map[string]property.Value{
		"name":          str("q"),
		"redrivePolicy": computed,
		"nested":        obj(map[string]property.Value{"arn": computed, "count": num(3)}),
		"list":          arr(str("a"), computed),
		"password":      str("hunter2").WithSecret(true),
		"__internal":    str("dropped"),
	})
	r := plugin.AnalyzerResource{
		URN: urnOf("aws:sqs/queue:Queue", "q"), Type: "aws:sqs/queue:Queue", Name: "q", Properties: props,
		Options: plugin.AnalyzerResourceOptions{Parent: urnOf("shopstack:events:Events", "events"), IgnoreChanges: []string{"tags"}},
	}

	capture := &capturing{}
	client := serve(t, capture)
	_, err := client.Analyze(context.Background(), r)
	require.NoError(t, err)
	require.NotNil(t, capture.got)

	got, err := wire(props)
	require.NoError(t, err)
	assert.JSONEq(t, jsonOf(t, capture.got.Properties.Mappable()), jsonOf(t, got))
	assert.Equal(t, capture.got.Options.Parent, resource.URN(options(r.Options).Parent))
	assert.Equal(t, capture.got.Options.IgnoreChanges, options(r.Options).IgnoreChanges)
	assert.Nil(t, capture.got.Options.DeleteBeforeReplace)
	assert.Nil(t, options(r.Options).DeleteBeforeReplace)

	// What a rule reads, after OPA's JSON round trip.
	assert.JSONEq(t, `{
		"name": "q",
		"redrivePolicy": {"Element": {"V": ""}},
		"nested": {"arn": {"Element": {"V": ""}}, "count": 3},
		"list": ["a", {"Element": {"V": ""}}],
		"password": {"Element": {"V": "hunter2"}}
	}`, jsonOf(t, got))
}

type capturing struct {
	sdkplugin.Analyzer // only Analyze is called
	got                *sdkplugin.AnalyzerResource
}

func (c *capturing) Analyze(_ context.Context, r sdkplugin.AnalyzerResource) (sdkplugin.AnalyzeResponse, error) {
	c.got = &r
	return sdkplugin.AnalyzeResponse{}, nil
}

// serve runs analyzer behind the SDK's gRPC analyzer server (what the plugin's serve.go does)
// and returns the engine's client for it.
func serve(t *testing.T, analyzer sdkplugin.Analyzer) plugin.Analyzer {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer()
	pulumirpc.RegisterAnalyzerServer(srv, sdkplugin.NewAnalyzerServer(analyzer))
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return plugin.NewAnalyzerWithClient("capture", pulumirpc.NewAnalyzerClient(conn))
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestAnalyzeWithUnknownProperty(t *testing.T) {
	a := newAnalyzer(t)
	tests := []struct {
		name string
		r    plugin.AnalyzerResource
		want []string
	}{
		{"architectures unknown at preview", function("fn", computed, 512), nil},
		{"architectures known and wrong", function("fn", arr(str("x86_64")), 512), []string{"deny_lambda_not_arm64"}},
		{"queue encryption unknown", res("aws:sqs/queue:Queue", "q", map[string]property.Value{
			"name": str("q"), "sqsManagedSseEnabled": computed, "tags": tags(),
		}), nil},
		{"queue not encrypted", res("aws:sqs/queue:Queue", "q", map[string]property.Value{
			"name": str("q"), "sqsManagedSseEnabled": property.New(false), "tags": tags(),
		}), []string{"deny_sqs_queue_not_encrypted"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := a.Analyze(context.Background(), tt.r)
			require.NoError(t, err)
			assert.Equal(t, tt.want, rules(resp.Diagnostics))
			for _, d := range resp.Diagnostics {
				assert.Equal(t, tt.r.URN, d.URN)
				assert.Equal(t, policies.Package, d.PolicyPackName)
				assert.Equal(t, pack(t).Manifest().Version, d.PolicyPackVersion, "PulumiPolicy.yaml's version wins over the plugin's")
				assert.Equal(t, apitype.Mandatory, d.EnforcementLevel)
				assert.Contains(t, d.Message, `"`+tt.r.Name+`"`)
			}
		})
	}
}

// stackRes is one resource of an AnalyzeStack request: its outputs, as the engine sends them.
func stackRes(typ, name string, outputs map[string]property.Value, deps map[resource.PropertyKey][]resource.URN) plugin.AnalyzerStackResource {
	r := plugin.AnalyzerStackResource{AnalyzerResource: res(typ, name, outputs), PropertyDependencies: deps}
	for _, urns := range deps {
		r.Dependencies = append(r.Dependencies, urns...)
	}
	return r
}

func queue(name string, extra map[string]property.Value) map[string]property.Value {
	out := map[string]property.Value{
		"name": str(name), "arn": computed, "url": computed, "sqsManagedSseEnabled": property.New(true), "tags": tags(),
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

// TestAnalyzeStack runs the stack rules on what a first preview sends: outputs, with the ARNs
// of resources not yet created unknown.
func TestAnalyzeStack(t *testing.T) {
	a := newAnalyzer(t)
	dlq := urnOf("aws:sqs/queue:Queue", "orders-dlq")
	stage := stackRes("aws:apigateway/stage:Stage", "api", map[string]property.Value{
		"stageName": str("v1"), "restApi": computed, "arn": computed, "tags": tags(),
	}, nil)
	throttle := stackRes("aws:apigateway/methodSettings:MethodSettings", "api-settings", map[string]property.Value{
		"restApi": computed, "stageName": str("v1"), "methodPath": str("*/*"),
		"settings": obj(map[string]property.Value{"throttlingRateLimit": num(100), "throttlingBurstLimit": num(200)}),
	}, nil)
	component := stackRes("aws-apigateway:index:RestAPI", "api", map[string]property.Value{"url": computed}, nil)
	acl := stackRes("aws:wafv2/webAclAssociation:WebAclAssociation", "api-waf", map[string]property.Value{"resourceArn": computed}, nil)
	queues := []plugin.AnalyzerStackResource{
		stackRes("aws:sqs/queue:Queue", "orders", queue("orders", map[string]property.Value{"redrivePolicy": computed}),
			map[resource.PropertyKey][]resource.URN{"redrivePolicy": {dlq}}),
		stackRes("aws:sqs/queue:Queue", "orders-dlq", queue("orders-dlq", nil), nil),
	}

	t.Run("compliant first preview", func(t *testing.T) {
		resp, err := a.AnalyzeStack(context.Background(), append([]plugin.AnalyzerStackResource{stage, throttle, component, acl}, queues...))
		require.NoError(t, err)
		assert.Empty(t, resp.Diagnostics)
	})
	t.Run("stage without method settings", func(t *testing.T) {
		resp, err := a.AnalyzeStack(context.Background(), append([]plugin.AnalyzerStackResource{stage, component, acl}, queues...))
		require.NoError(t, err)
		require.Equal(t, []string{"stack_deny_apigateway_stage_not_throttled"}, rules(resp.Diagnostics))
		d := resp.Diagnostics[0]
		assert.Equal(t, resource.URN(rootStack), d.URN, "stack rules report on the root stack")
		assert.Equal(t, apitype.Mandatory, d.EnforcementLevel)
		assert.Contains(t, d.Message, `aws:apigateway/stage:Stage "api" stage v1 must be throttled`)
	})
	t.Run("queue without dead-letter queue", func(t *testing.T) {
		lone := stackRes("aws:sqs/queue:Queue", "lone", queue("lone", nil), nil)
		resp, err := a.AnalyzeStack(context.Background(), append([]plugin.AnalyzerStackResource{stage, throttle, acl, lone}, queues...))
		require.NoError(t, err)
		require.Equal(t, []string{"stack_deny_sqs_queue_no_dlq"}, rules(resp.Diagnostics))
		assert.Contains(t, resp.Diagnostics[0].Message, `SQS queue "lone"`)
	})
}

func TestEnforcementLevels(t *testing.T) {
	fn := function("fn", arr(str("x86_64")), 3008)
	t.Run("from the rule name", func(t *testing.T) {
		resp, err := newAnalyzer(t).Analyze(context.Background(), fn)
		require.NoError(t, err)
		levels := map[string]apitype.EnforcementLevel{}
		for _, d := range resp.Diagnostics {
			levels[d.PolicyName] = d.EnforcementLevel
		}
		assert.Equal(t, map[string]apitype.EnforcementLevel{
			"deny_lambda_not_arm64":            apitype.Mandatory,
			"warn_lambda_memory_above_ceiling": apitype.Advisory,
		}, levels)
	})
	t.Run("configured", func(t *testing.T) {
		a := newAnalyzer(t)
		require.NoError(t, a.Configure(context.Background(), map[string]plugin.AnalyzerPolicyConfig{
			"deny_lambda_not_arm64": {EnforcementLevel: apitype.Advisory},
			"all":                   {EnforcementLevel: apitype.Disabled},
		}))
		resp, err := a.Analyze(context.Background(), fn)
		require.NoError(t, err)
		require.Equal(t, []string{"deny_lambda_not_arm64"}, rules(resp.Diagnostics), "every other rule is disabled")
		assert.Equal(t, apitype.Advisory, resp.Diagnostics[0].EnforcementLevel)

		info, err := a.GetAnalyzerInfo(context.Background())
		require.NoError(t, err)
		for _, p := range info.Policies {
			want := apitype.Disabled
			if p.Name == "deny_lambda_not_arm64" {
				want = apitype.Advisory
			}
			assert.Equal(t, want, p.EnforcementLevel, p.Name)
		}
	})
	t.Run("remediate is rejected", func(t *testing.T) {
		err := newAnalyzer(t).Configure(context.Background(), map[string]plugin.AnalyzerPolicyConfig{
			"deny_lambda_not_arm64": {EnforcementLevel: apitype.Remediate},
		})
		assert.ErrorContains(t, err, `invalid enforcement level "remediate"`)
	})
}

// TestGetAnalyzerInfoListsEveryRule reads the rule names from the .rego files as the plugin
// does (policy.go) and checks GetAnalyzerInfo lists each with its level, kind and file.
func TestGetAnalyzerInfoListsEveryRule(t *testing.T) {
	files, err := filepath.Glob("../../policies/*.rego")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	head := regexp.MustCompile(`(?m)^((stack_)?(deny|violation|warn)(_[a-zA-Z0-9]+)*) contains `)
	want := map[string]string{} // rule -> file stem
	for _, f := range files {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range head.FindAllStringSubmatch(string(src), -1) {
			want[m[1]] = strings.TrimSuffix(filepath.Base(f), ".rego")
		}
	}

	info, err := newAnalyzer(t).GetAnalyzerInfo(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "shopstack", info.Name)
	assert.True(t, info.SupportsConfig)
	assert.Contains(t, info.Description, "shopstack guardrails", "PulumiPolicy.yaml's description")
	got := map[string]string{}
	for _, p := range info.Policies {
		got[p.Name] = p.DisplayName
		level, kind := apitype.Mandatory, plugin.AnalyzerPolicyTypeResource
		if strings.HasPrefix(strings.TrimPrefix(p.Name, "stack_"), "warn") {
			level = apitype.Advisory
		}
		if strings.HasPrefix(p.Name, "stack_") {
			kind = plugin.AnalyzerPolicyTypeStack
		}
		assert.Equal(t, level, p.EnforcementLevel, p.Name)
		assert.Equal(t, kind, p.Type, p.Name)
	}
	assert.Equal(t, want, got)
	assert.True(t, slices.IsSortedFunc(info.Policies, func(x, y plugin.AnalyzerPolicyInfo) int { return strings.Compare(x.Name, y.Name) }))
}

func tokensType(s string) tokens.Type { return tokens.Type(s) }

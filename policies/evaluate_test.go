package policies_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/policies"
)

// ruleCase is one fixture for one rule: with want == "" the rule must report nothing on the
// resources; otherwise it must report a message containing want.
type ruleCase struct {
	name      string
	rule      string
	resources []policies.AnalyzedResource
	want      string
}

const (
	rolePolicy = "aws:iam/rolePolicy:RolePolicy"
	policy     = "aws:iam/policy:Policy"
)

func doc(statements string) string {
	return `{"Version":"2012-10-17","Statement":` + statements + `}`
}

var cases = []ruleCase{
	// Lambda.
	{name: "arm64", rule: "deny_lambda_not_arm64", resources: []policies.AnalyzedResource{function("fn")}},
	{name: "x86_64", rule: "deny_lambda_not_arm64",
		resources: []policies.AnalyzedResource{function("fn", set("architectures", []any{"x86_64"}))},
		want:      `Lambda function "fn" must run on arm64: set architectures to ["arm64"] (got ["x86_64"])`},
	{name: "architectures unset", rule: "deny_lambda_not_arm64",
		resources: []policies.AnalyzedResource{function("fn", unset("architectures"))}, want: "(got unset)"},
	{name: "provided.al2023", rule: "deny_lambda_runtime_not_al2023", resources: []policies.AnalyzedResource{function("fn")}},
	{name: "go1.x", rule: "deny_lambda_runtime_not_al2023",
		resources: []policies.AnalyzedResource{function("fn", set("runtime", "go1.x"))},
		want:      `Lambda function "fn" must use runtime "provided.al2023": set runtime to "provided.al2023" (got go1.x)`},
	{name: "active tracing", rule: "deny_lambda_tracing_not_active", resources: []policies.AnalyzedResource{function("fn")}},
	{name: "pass-through tracing", rule: "deny_lambda_tracing_not_active",
		resources: []policies.AnalyzedResource{function("fn", set("tracingConfig.mode", "PassThrough"))},
		want:      `Lambda function "fn" must have active tracing: set tracingConfig.mode to "Active" (got PassThrough)`},
	{name: "no tracing config", rule: "deny_lambda_tracing_not_active",
		resources: []policies.AnalyzedResource{function("fn", unset("tracingConfig"))}, want: "(got unset)"},
	{name: "memory at ceiling", rule: "warn_lambda_memory_above_ceiling",
		resources: []policies.AnalyzedResource{function("fn", set("memorySize", 1024.0))}},
	{name: "memory above ceiling", rule: "warn_lambda_memory_above_ceiling",
		resources: []policies.AnalyzedResource{function("fn", set("memorySize", 3008.0))},
		want:      `Lambda function "fn" asks for 3008 MB of memory, above the 1024 MB ceiling`},
	{name: "log group with retention", rule: "stack_deny_lambda_log_retention",
		resources: []policies.AnalyzedResource{function("fn"), logGroup("fn")}},
	{name: "log group missing", rule: "stack_deny_lambda_log_retention",
		resources: []policies.AnalyzedResource{function("fn")},
		want:      `Lambda function "fn" must log to a log group with retention: set loggingConfig.logGroup to the name of an aws:cloudwatch/logGroup:LogGroup in the stack whose retentionInDays > 0 (logGroup is /aws/lambda/fn)`},
	{name: "log group keeps logs forever", rule: "stack_deny_lambda_log_retention",
		resources: []policies.AnalyzedResource{function("fn"), logGroup("fn", unset("retentionInDays"))},
		want:      `Lambda function "fn" must log to a log group with retention`},
	{name: "log group retention zero", rule: "stack_deny_lambda_log_retention",
		resources: []policies.AnalyzedResource{function("fn"), logGroup("fn", set("retentionInDays", 0.0))},
		want:      `Lambda function "fn" must log to a log group with retention`},
	{name: "no logging config", rule: "stack_deny_lambda_log_retention",
		resources: []policies.AnalyzedResource{function("fn", unset("loggingConfig")), logGroup("fn")},
		want:      "(logGroup is unset)"},
	{name: "errors alarm", rule: "stack_deny_lambda_missing_errors_alarm",
		resources: []policies.AnalyzedResource{function("fn"), errorsAlarm("fn")}},
	{name: "errors alarm on the logical name of a function without a name property", rule: "stack_deny_lambda_missing_errors_alarm",
		resources: []policies.AnalyzedResource{function("fn", unset("name")), errorsAlarm("fn")}},
	{name: "no errors alarm", rule: "stack_deny_lambda_missing_errors_alarm",
		resources: []policies.AnalyzedResource{function("fn")},
		want:      `Lambda function "fn" has no Errors alarm: add a MetricAlarm with namespace "AWS/Lambda", metricName "Errors" and dimensions.FunctionName fn`},
	{name: "errors alarm of another function", rule: "stack_deny_lambda_missing_errors_alarm",
		resources: []policies.AnalyzedResource{function("fn", set("name", "fn-1234")), errorsAlarm("fn")},
		want:      "dimensions.FunctionName fn-1234"},
	{name: "throttles alarm is not an errors alarm", rule: "stack_deny_lambda_missing_errors_alarm",
		resources: []policies.AnalyzedResource{function("fn"), errorsAlarm("fn", set("metricName", "Throttles"))},
		want:      `Lambda function "fn" has no Errors alarm`},

	// DynamoDB.
	{name: "pitr", rule: "deny_dynamodb_no_pitr", resources: []policies.AnalyzedResource{table("orders")}},
	{name: "pitr disabled", rule: "deny_dynamodb_no_pitr",
		resources: []policies.AnalyzedResource{table("orders", set("pointInTimeRecovery.enabled", false))},
		want:      `DynamoDB table "orders" must have point-in-time recovery: set pointInTimeRecovery.enabled to true`},
	{name: "pitr unset", rule: "deny_dynamodb_no_pitr",
		resources: []policies.AnalyzedResource{table("orders", unset("pointInTimeRecovery"))},
		want:      `DynamoDB table "orders" must have point-in-time recovery`},
	{name: "customer-managed key", rule: "deny_dynamodb_no_cmk", resources: []policies.AnalyzedResource{table("orders")}},
	{name: "customer-managed key unknown at preview", rule: "deny_dynamodb_no_cmk",
		resources: []policies.AnalyzedResource{table("orders", set("serverSideEncryption.kmsKeyArn", unknown))}},
	{name: "AWS-managed key", rule: "deny_dynamodb_no_cmk",
		resources: []policies.AnalyzedResource{table("orders", unset("serverSideEncryption.kmsKeyArn"))},
		want:      `DynamoDB table "orders" must be encrypted with a customer-managed KMS key: set serverSideEncryption.enabled to true and serverSideEncryption.kmsKeyArn`},
	{name: "empty key arn", rule: "deny_dynamodb_no_cmk",
		resources: []policies.AnalyzedResource{table("orders", set("serverSideEncryption.kmsKeyArn", ""))},
		want:      `DynamoDB table "orders" must be encrypted with a customer-managed KMS key`},
	{name: "encryption disabled", rule: "deny_dynamodb_no_cmk",
		resources: []policies.AnalyzedResource{table("orders", set("serverSideEncryption.enabled", false))},
		want:      `DynamoDB table "orders" must be encrypted with a customer-managed KMS key`},
	{name: "prod with deletion protection", rule: "deny_dynamodb_prod_no_deletion_protection",
		resources: []policies.AnalyzedResource{table("orders", set("tags.environment", "prod"), set("deletionProtectionEnabled", true))}},
	{name: "dev without deletion protection", rule: "deny_dynamodb_prod_no_deletion_protection",
		resources: []policies.AnalyzedResource{table("orders")}},
	{name: "prod without deletion protection", rule: "deny_dynamodb_prod_no_deletion_protection",
		resources: []policies.AnalyzedResource{table("orders", set("tags.environment", "prod"))},
		want:      `DynamoDB table "orders" is tagged environment=prod and must have deletion protection: set deletionProtectionEnabled to true`},
	{name: "replica with pitr", rule: "deny_dynamodb_replica_no_pitr",
		resources: []policies.AnalyzedResource{table("orders", set("replicas", []any{replica("us-east-1")}))}},
	{name: "replica without pitr", rule: "deny_dynamodb_replica_no_pitr",
		resources: []policies.AnalyzedResource{table("orders", set("replicas", []any{replica("us-east-1"), replicaWithout("ap-southeast-1", "pointInTimeRecovery")}))},
		want:      `DynamoDB table "orders" replica in ap-southeast-1 must have point-in-time recovery: set pointInTimeRecovery to true`},
	{name: "replica with key", rule: "deny_dynamodb_replica_no_cmk",
		resources: []policies.AnalyzedResource{table("orders", set("replicas", []any{replica("us-east-1")}))}},
	{name: "replica without key", rule: "deny_dynamodb_replica_no_cmk",
		resources: []policies.AnalyzedResource{table("orders", set("replicas", []any{replicaWithout("us-east-1", "kmsKeyArn")}))},
		want:      `DynamoDB table "orders" replica in us-east-1 must be encrypted with a customer-managed KMS key: set kmsKeyArn`},
	{name: "latency alarm per replica", rule: "stack_deny_replica_missing_latency_alarm",
		resources: []policies.AnalyzedResource{
			table("orders", set("replicas", []any{replica("us-east-1"), replica("ap-southeast-1")})),
			latencyAlarm("orders", "us-east-1"), latencyAlarm("orders", "ap-southeast-1"),
		}},
	{name: "latency alarm missing for one replica", rule: "stack_deny_replica_missing_latency_alarm",
		resources: []policies.AnalyzedResource{
			table("orders", set("replicas", []any{replica("us-east-1"), replica("ap-southeast-1")})),
			latencyAlarm("orders", "us-east-1"),
		},
		want: `DynamoDB table "orders" replica in ap-southeast-1 has no ReplicationLatency alarm: add a MetricAlarm with namespace "AWS/DynamoDB", metricName "ReplicationLatency", dimensions.TableName orders and dimensions.ReceivingRegion ap-southeast-1`},
	{name: "latency alarm of another table", rule: "stack_deny_replica_missing_latency_alarm",
		resources: []policies.AnalyzedResource{
			table("orders", set("replicas", []any{replica("us-east-1")})),
			latencyAlarm("carts", "us-east-1"),
		},
		want: `DynamoDB table "orders" replica in us-east-1 has no ReplicationLatency alarm`},

	// KMS.
	{name: "rotation", rule: "deny_kms_key_rotation_disabled", resources: []policies.AnalyzedResource{kmsKey("key")}},
	{name: "no rotation", rule: "deny_kms_key_rotation_disabled",
		resources: []policies.AnalyzedResource{kmsKey("key", unset("enableKeyRotation"))},
		want:      `KMS key "key" must rotate: set enableKeyRotation to true`},

	// IAM.
	{name: "exact actions", rule: "deny_iam_wildcard_action",
		resources: []policies.AnalyzedResource{iamPolicy(rolePolicy, "p", scopedPolicy)}},
	{name: "wildcard in a deny statement", rule: "deny_iam_wildcard_action",
		resources: []policies.AnalyzedResource{iamPolicy(policy, "p", doc(`[{"Effect":"Deny","Action":"*","Resource":"*"}]`))}},
	{name: "star action", rule: "deny_iam_wildcard_action",
		resources: []policies.AnalyzedResource{iamPolicy(rolePolicy, "p", doc(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b"}`))},
		want:      `IAM policy "p" allows the wildcard action "*": list the exact actions needed`},
	{name: "service wildcard in a list", rule: "deny_iam_wildcard_action",
		resources: []policies.AnalyzedResource{iamPolicy(policy, "p", doc(`[{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:*"],"Resource":"arn:aws:dynamodb:eu-west-1:1:table/t"}]`))},
		want:      `IAM policy "p" allows the wildcard action "dynamodb:*"`},
	{name: "scoped resources", rule: "deny_iam_wildcard_resource",
		resources: []policies.AnalyzedResource{iamPolicy(rolePolicy, "p", scopedPolicy)}},
	{name: "allowlisted actions in any case", rule: "deny_iam_wildcard_resource",
		resources: []policies.AnalyzedResource{iamPolicy(policy, "p", doc(`{"Effect":"Allow","Action":"CloudWatch:PutMetricData","Resource":["*"]}`))}},
	{name: "star resource", rule: "deny_iam_wildcard_resource",
		resources: []policies.AnalyzedResource{iamPolicy(rolePolicy, "p", doc(`[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]`))},
		want:      `IAM policy "p" grants ["dynamodb:GetItem"] on "Resource": "*": scope Resource to the ARNs these actions need`},
	{name: "star resource mixing allowlisted and scoped actions", rule: "deny_iam_wildcard_resource",
		resources: []policies.AnalyzedResource{iamPolicy(policy, "p", doc(`[{"Effect":"Allow","Action":["xray:PutTraceSegments","sqs:SendMessage"],"Resource":["arn:aws:sqs:eu-west-1:1:q","*"]}]`))},
		want:      `IAM policy "p" grants ["sqs:SendMessage"] on "Resource": "*"`},
	{name: "star resource with actions", rule: "deny_iam_wildcard_resource_without_action",
		resources: []policies.AnalyzedResource{iamPolicy(policy, "p", doc(`{"Effect":"Allow","Action":"xray:PutTraceSegments","Resource":"*"}`))}},
	{name: "star resource with NotAction", rule: "deny_iam_wildcard_resource_without_action",
		resources: []policies.AnalyzedResource{iamPolicy(rolePolicy, "p", doc(`{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`))},
		want:      `IAM policy "p" has an Allow statement on "Resource": "*" without an Action list`},

	// API Gateway.
	{name: "access logs", rule: "deny_apigateway_stage_no_access_logs", resources: []policies.AnalyzedResource{stage("stage")}},
	{name: "no access logs", rule: "deny_apigateway_stage_no_access_logs",
		resources: []policies.AnalyzedResource{stage("stage", unset("accessLogSettings"))},
		want:      `API Gateway stage "stage" must write access logs: set accessLogSettings.destinationArn`},
	{name: "stage throttled", rule: "stack_deny_apigateway_stage_not_throttled",
		resources: []policies.AnalyzedResource{stage("stage"), methodSettings("v1")}},
	{name: "RestAPI component outputs are not a stage", rule: "stack_deny_apigateway_stage_not_throttled",
		resources: []policies.AnalyzedResource{restAPIOutputs("api"), methodSettings("v2")}},
	{name: "stage without method settings", rule: "stack_deny_apigateway_stage_not_throttled",
		resources: []policies.AnalyzedResource{stage("stage")},
		want:      `aws:apigateway/stage:Stage "stage" stage v1 must be throttled: add an aws:apigateway/methodSettings:MethodSettings with that restApi and stageName and settings.throttlingRateLimit and settings.throttlingBurstLimit > 0`},
	{name: "stage with method settings of another stage", rule: "stack_deny_apigateway_stage_not_throttled",
		resources: []policies.AnalyzedResource{stage("stage"), methodSettings("v2")},
		want:      `aws:apigateway/stage:Stage "stage" stage v1 must be throttled`},
	{name: "stage without stageName", rule: "stack_deny_apigateway_stage_not_throttled",
		resources: []policies.AnalyzedResource{stage("stage", unset("stageName")), methodSettings("v1")},
		want:      `aws:apigateway/stage:Stage "stage" stage unset must be throttled`},
	{name: "throttling disabled", rule: "stack_deny_apigateway_stage_not_throttled",
		resources: []policies.AnalyzedResource{stage("stage"), methodSettings("v1", set("settings.throttlingBurstLimit", -1.0))},
		want:      `aws:apigateway/stage:Stage "stage" stage v1 must be throttled`},

	// Tags.
	{name: "tagged", rule: "deny_missing_required_tag", resources: compliantGraph()},
	{name: "tagged through provider default tags", rule: "deny_missing_required_tag",
		resources: []policies.AnalyzedResource{kmsKey("key", unset("tags"), set("tagsAll", tags()))}},
	{name: "untagged type outside the list", rule: "deny_missing_required_tag",
		resources: []policies.AnalyzedResource{methodSettings("v1")}},
	{name: "service tag missing", rule: "deny_missing_required_tag",
		resources: []policies.AnalyzedResource{function("fn", unset("tags.service"))},
		want:      `aws:lambda/function:Function "fn" is missing the required tag "service": add a non-empty tags.service`},
	{name: "environment tag empty", rule: "deny_missing_required_tag",
		resources: []policies.AnalyzedResource{resource("aws:sqs/queue:Queue", "q", map[string]any{"tags": map[string]any{"environment": "", "service": "shop"}})},
		want:      `aws:sqs/queue:Queue "q" is missing the required tag "environment"`},
}

func replicaWithout(region, key string) map[string]any {
	r := replica(region)
	delete(r, key)
	return r
}

func newEngine(t testing.TB) *policies.Engine {
	t.Helper()
	e, err := policies.New(context.Background())
	require.NoError(t, err)
	return e
}

func TestRules(t *testing.T) {
	e := newEngine(t)
	for _, c := range cases {
		t.Run(c.rule+"/"+c.name, func(t *testing.T) {
			vs, err := e.Evaluate(context.Background(), c.resources)
			require.NoError(t, err)
			got := ofRule(vs, c.rule)
			if c.want == "" {
				assert.Empty(t, got, "the passing fixture must not break %s", c.rule)
				return
			}
			require.NotEmpty(t, got, "the failing fixture must break %s; all violations: %v", c.rule, vs)
			var msgs []string
			for _, v := range got {
				msgs = append(msgs, v.Message)
				assert.Equal(t, levelOf(c.rule), v.Level)
				if strings.HasPrefix(c.rule, "stack_") {
					assert.Empty(t, v.URN, "stack rules report on the stack")
				} else {
					assert.Contains(t, urns(c.resources), v.URN)
				}
			}
			assert.True(t, slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, c.want) }),
				"no message of %s contains %q: %q", c.rule, c.want, msgs)
		})
	}
}

// TestCompliantGraph checks that all rules together accept the compliant fixtures, so every
// failing case above fails for the one change it makes.
func TestCompliantGraph(t *testing.T) {
	vs, err := newEngine(t).Evaluate(context.Background(), compliantGraph())
	require.NoError(t, err)
	assert.Empty(t, vs)
}

// TestEveryRuleIsDocumentedAndTested walks the rule files as the analyzer loads them: each
// file imports rego.v1 and has a METADATA block, and each rule the analyzer would run has a
// failing case in the table above, so adding a rule without a test fails here.
func TestEveryRuleIsDocumentedAndTested(t *testing.T) {
	paths, err := filepath.Glob("*.rego")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	modules := map[string]*ast.Module{}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		require.NoError(t, err)
		m, err := ast.ParseModuleWithOpts(p, string(src), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV0})
		require.NoError(t, err, "the analyzer parses Rego v0: %s must `import rego.v1`", p)
		assert.True(t, slices.ContainsFunc(m.Imports, func(i *ast.Import) bool { return i.Path.String() == "rego.v1" }),
			"%s must import rego.v1", p)
		assert.NotEmpty(t, m.Annotations, "%s has no METADATA block", p)
		modules[p] = m
	}
	c := ast.NewCompiler()
	c.Compile(modules)
	require.False(t, c.Failed(), "%v", c.Errors)

	prefix := regexp.MustCompile(`^(stack_)?(deny|violation|warn)(_[a-zA-Z0-9]+)*$`)
	var onDisk []string
	for _, m := range c.Modules {
		for _, r := range m.Rules {
			if name := r.Head.Name.String(); prefix.MatchString(name) && !slices.Contains(onDisk, name) {
				onDisk = append(onDisk, name)
				assert.NotEmpty(t, c.GetAnnotationSet().GetRuleScope(r), "rule %s has no METADATA block", name)
			}
		}
	}
	slices.Sort(onDisk)

	var loaded []string
	for _, r := range newEngine(t).Rules() {
		loaded = append(loaded, r.Name)
	}
	assert.Equal(t, onDisk, loaded, "the engine runs exactly the rules on disk")

	for _, name := range onDisk {
		failing := slices.ContainsFunc(cases, func(c ruleCase) bool { return c.rule == name && c.want != "" })
		passing := slices.ContainsFunc(cases, func(c ruleCase) bool { return c.rule == name && c.want == "" })
		assert.True(t, failing, "rule %s has no failing case", name)
		assert.True(t, passing, "rule %s has no passing case", name)
	}
	for _, c := range cases {
		assert.Contains(t, onDisk, c.rule, "case %q names an unknown rule", c.name)
	}
}

func TestRuleMetadata(t *testing.T) {
	ids := map[string]bool{}
	for _, r := range newEngine(t).Rules() {
		t.Run(r.Name, func(t *testing.T) {
			assert.NotEmpty(t, r.Title)
			assert.NotEmpty(t, r.Description)
			assert.NotEmpty(t, r.Message)
			assert.Regexp(t, `^SHOP-[A-Z]+-\d{3}$`, r.ID)
			assert.Contains(t, []string{"low", "medium", "high", "critical"}, r.Severity)
			assert.False(t, ids[r.ID], "id %s is used twice", r.ID)
			ids[r.ID] = true
			assert.Equal(t, strings.HasPrefix(r.Name, "stack_"), r.Stack)
		})
	}
}

func TestEvaluateIsDeterministic(t *testing.T) {
	e := newEngine(t)
	broken := append(compliantGraph(),
		function("a", set("runtime", "go1.x"), unset("tags")),
		function("b", set("architectures", []any{"x86_64"})),
		table("t", set("tags.environment", "prod")),
	)
	want, err := e.Evaluate(context.Background(), broken)
	require.NoError(t, err)
	require.NotEmpty(t, want)
	for range 5 {
		shuffled := slices.Clone(broken)
		rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		got, err := e.Evaluate(context.Background(), shuffled)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
}

func TestEvaluateDoesNotChangeProperties(t *testing.T) {
	fn := function("fn")
	before := fn.Properties["loggingConfig"].(map[string]any)["logGroup"]
	_, err := newEngine(t).Evaluate(context.Background(), []policies.AnalyzedResource{fn})
	require.NoError(t, err)
	assert.Len(t, fn.Properties, 8)
	assert.NotContains(t, fn.Properties, "__name")
	assert.Equal(t, before, fn.Properties["loggingConfig"].(map[string]any)["logGroup"])
}

func TestEvaluateRejectsResourceWithoutType(t *testing.T) {
	_, err := newEngine(t).Evaluate(context.Background(), []policies.AnalyzedResource{{Name: "x", URN: "urn:x"}})
	assert.ErrorContains(t, err, "type and name are required")
}

func TestMandatory(t *testing.T) {
	vs, err := newEngine(t).Evaluate(context.Background(), []policies.AnalyzedResource{
		function("fn", set("memorySize", 2048.0), set("runtime", "nodejs20.x")), logGroup("fn"), errorsAlarm("fn"),
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"deny_lambda_runtime_not_al2023", "warn_lambda_memory_above_ceiling"}, rules(vs))
	assert.Equal(t, []string{"deny_lambda_runtime_not_al2023"}, rules(policies.Mandatory(vs)))
}

func BenchmarkEvaluate(b *testing.B) {
	e := newEngine(b)
	graph := syntheticGraph(300)
	ctx := context.Background()
	for b.Loop() {
		vs, err := e.Evaluate(ctx, graph)
		if err != nil || len(vs) != 0 {
			b.Fatalf("Evaluate: %v, %d violations: %v", err, len(vs), vs)
		}
	}
	b.ReportMetric(float64(len(graph)), "resources")
}

func ofRule(vs []policies.Violation, rule string) []policies.Violation {
	var out []policies.Violation
	for _, v := range vs {
		if v.Rule == rule {
			out = append(out, v)
		}
	}
	return out
}

func rules(vs []policies.Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Rule)
	}
	return out
}

func urns(rs []policies.AnalyzedResource) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.URN)
	}
	return out
}

func levelOf(rule string) policies.Level {
	if strings.HasPrefix(strings.TrimPrefix(rule, "stack_"), "warn") {
		return policies.LevelAdvisory
	}
	return policies.LevelMandatory
}

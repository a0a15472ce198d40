package policies_test

import (
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"shopstack/policies"
)

// Cases for what a preview sends: resource rules get inputs in which a value that depends on a
// resource not yet created is unknown; stack rules get outputs. They join the table in
// evaluate_test.go.
func init() { cases = append(cases, previewCases...) }

// unknown is what the OPA analyzer hands a rule for a value unknown at preview: the analyzer
// takes PropertyMap.Mappable() (pulumi-policy-opa cmd/pulumi-analyzer-policy-opa/analyzer.go),
// whose unknowns are this resource.Computed (the engine marshals every unknown as the string
// sentinel); OPA's JSON round trip makes it {"Element": {"V": ""}}. engine/analyzer's tests
// check that an unknown from the engine arrives exactly so.
var unknown = presource.Computed{Element: presource.NewProperty("")}

// outputs gives r the outputs stack rules see instead of its inputs.
func outputs(r policies.AnalyzedResource, props map[string]any) policies.AnalyzedResource {
	r.Outputs = props
	return r
}

// dependsOn records, as the engine does for a stack rule, that r's top-level property prop was
// computed from the resources urns.
func dependsOn(r policies.AnalyzedResource, prop string, urns ...string) policies.AnalyzedResource {
	if r.PropertyDependencies == nil {
		r.PropertyDependencies = map[string][]string{}
	}
	r.PropertyDependencies[prop] = append(r.PropertyDependencies[prop], urns...)
	r.Dependencies = append(r.Dependencies, urns...)
	return r
}

// restAPIOutputs are the aws-apigateway RestAPI component's outputs as a stack rule sees them:
// references to its children arrive as their IDs, and there is no stageName or throttling.
func restAPIOutputs(name string) policies.AnalyzedResource {
	return outputs(restAPI(name), map[string]any{
		"url":        "https://api-id.execute-api.eu-west-1.amazonaws.com/v1/",
		"api":        "api-id",
		"stage":      "stage-id",
		"deployment": "deployment-id",
	})
}

var previewCases = []ruleCase{
	// API Gateway: the stage-throttle stack rule sees outputs.
	{name: "RestAPI component outputs beside its throttled Stage", rule: "stack_deny_apigateway_stage_not_throttled",
		resources: []policies.AnalyzedResource{restAPIOutputs("api"), stage("api"), methodSettings("v1")}},
	{name: "MethodSettings stage unknown at preview", rule: "stack_deny_apigateway_stage_not_throttled",
		resources: []policies.AnalyzedResource{stage("api"), methodSettings("v1", set("stageName", unknown), set("restApi", unknown))}},
	{name: "Stage of another REST API throttled", rule: "stack_deny_apigateway_stage_not_throttled",
		resources: []policies.AnalyzedResource{stage("api"), methodSettings("v1", set("restApi", "other-api-id"))},
		want:      `aws:apigateway/stage:Stage "api" stage v1 must be throttled`},
	{name: "stage access logs unknown at preview", rule: "deny_apigateway_stage_no_access_logs",
		resources: []policies.AnalyzedResource{stage("stage", set("accessLogSettings", unknown))}},

	// Dead-letter queues on a first preview: the redrive policy and the on-failure destination
	// are computed from queue ARNs not yet known.
	{name: "DLQ named by an unknown redrive policy", rule: "stack_deny_sqs_queue_no_dlq",
		resources: []policies.AnalyzedResource{
			dependsOn(queue("q", set("redrivePolicy", unknown)), "redrivePolicy", urn("aws:sqs/queue:Queue", "q-dlq")),
			queue("q-dlq"),
		}},
	{name: "on-failure destination unknown", rule: "stack_deny_sqs_queue_no_dlq",
		resources: []policies.AnalyzedResource{
			queue("failures"),
			dependsOn(streamMapping("m", set("destinationConfig.onFailure.destinationArn", unknown)), "destinationConfig", urn("aws:sqs/queue:Queue", "failures")),
		}},
	{name: "unknown destination the engine sent no dependencies for may name any queue", rule: "stack_deny_sqs_queue_no_dlq",
		resources: []policies.AnalyzedResource{queue("failures"), streamMapping("m", set("destinationConfig.onFailure.destinationArn", unknown))}},
	{name: "unknown redrive policy of another queue does not cover this one", rule: "stack_deny_sqs_queue_no_dlq",
		resources: []policies.AnalyzedResource{
			dependsOn(queue("q", set("redrivePolicy", unknown)), "redrivePolicy", urn("aws:sqs/queue:Queue", "q-dlq")),
			queue("q-dlq"), queue("r"),
		},
		want: `SQS queue "r" (name r) has no dead-letter queue`},
	{name: "queue encryption unknown", rule: "deny_sqs_queue_not_encrypted",
		resources: []policies.AnalyzedResource{queue("q", set("sqsManagedSseEnabled", unknown))}},
	{name: "stream mapping destination config unknown", rule: "deny_stream_mapping_no_on_failure_destination",
		resources: []policies.AnalyzedResource{streamMapping("m", set("destinationConfig", unknown))}},
	{name: "source queue's redrive policy unknown", rule: "stack_deny_queue_mapping_without_dlq",
		resources: []policies.AnalyzedResource{queueMapping("m", "q"), queue("q", set("redrivePolicy", unknown))}},

	// Lambda.
	{name: "architectures unknown", rule: "deny_lambda_not_arm64",
		resources: []policies.AnalyzedResource{function("fn", set("architectures", unknown))}},
	{name: "runtime unknown", rule: "deny_lambda_runtime_not_al2023",
		resources: []policies.AnalyzedResource{function("fn", set("runtime", unknown))}},
	{name: "tracing config unknown", rule: "deny_lambda_tracing_not_active",
		resources: []policies.AnalyzedResource{function("fn", set("tracingConfig", unknown))}},
	{name: "memory unknown", rule: "warn_lambda_memory_above_ceiling",
		resources: []policies.AnalyzedResource{function("fn", set("memorySize", unknown))}},
	{name: "log group name unknown", rule: "stack_deny_lambda_log_retention",
		resources: []policies.AnalyzedResource{function("fn"), logGroup("fn", set("name", unknown))}},
	{name: "function's log group unknown", rule: "stack_deny_lambda_log_retention",
		resources: []policies.AnalyzedResource{function("fn", set("loggingConfig.logGroup", unknown)), logGroup("fn")}},
	{name: "no logging config beside a log group whose name is unknown", rule: "stack_deny_lambda_log_retention",
		resources: []policies.AnalyzedResource{function("fn", unset("loggingConfig")), logGroup("fn", set("name", unknown))},
		want:      "(logGroup is unset)"},
	{name: "alarm's function name unknown", rule: "stack_deny_lambda_missing_errors_alarm",
		resources: []policies.AnalyzedResource{function("fn"), errorsAlarm("fn", set("dimensions.FunctionName", unknown))}},
	{name: "prod checkout concurrency unknown", rule: "deny_prod_checkout_without_reserved_concurrency",
		resources: []policies.AnalyzedResource{function("checkout", prodCheckout, set("reservedConcurrentExecutions", unknown))}},

	// DynamoDB.
	{name: "pitr unknown", rule: "deny_dynamodb_no_pitr",
		resources: []policies.AnalyzedResource{table("orders", set("pointInTimeRecovery", unknown))}},
	{name: "encryption unknown", rule: "deny_dynamodb_no_cmk",
		resources: []policies.AnalyzedResource{table("orders", set("serverSideEncryption", unknown))}},
	{name: "deletion protection unknown", rule: "deny_dynamodb_prod_no_deletion_protection",
		resources: []policies.AnalyzedResource{table("orders", set("tags.environment", "prod"), set("deletionProtectionEnabled", unknown))}},
	{name: "replicas unknown", rule: "deny_dynamodb_replica_no_pitr",
		resources: []policies.AnalyzedResource{table("orders", set("replicas", unknown))}},
	{name: "replica key unknown", rule: "deny_dynamodb_replica_no_cmk",
		resources: []policies.AnalyzedResource{table("orders", set("replicas", []any{replicaWith("us-east-1", "kmsKeyArn", unknown)}))}},
	{name: "replicas unknown", rule: "deny_dynamodb_replica_no_cmk",
		resources: []policies.AnalyzedResource{table("orders", set("replicas", unknown))}},
	{name: "replicas unknown", rule: "stack_deny_replica_missing_latency_alarm",
		resources: []policies.AnalyzedResource{table("orders", set("replicas", unknown))}},
	{name: "alarm's table name unknown", rule: "stack_deny_replica_missing_latency_alarm",
		resources: []policies.AnalyzedResource{
			table("orders", set("replicas", []any{replica("us-east-1")})),
			latencyAlarm("orders", "us-east-1", set("dimensions.TableName", unknown)),
		}},

	// KMS, IAM, tags, edge.
	{name: "rotation unknown", rule: "deny_kms_key_rotation_disabled",
		resources: []policies.AnalyzedResource{kmsKey("key", set("enableKeyRotation", unknown))}},
	{name: "policy text unknown", rule: "deny_iam_wildcard_action",
		resources: []policies.AnalyzedResource{resource(rolePolicy, "p", map[string]any{"policy": unknown})}},
	{name: "tags unknown", rule: "deny_missing_required_tag",
		resources: []policies.AnalyzedResource{kmsKey("key", set("tags", unknown))}},
	{name: "routing policies unknown", rule: "deny_routing_record_without_health_check",
		resources: []policies.AnalyzedResource{record("r", set("latencyRoutingPolicies", unknown))}},
	{name: "health check unknown", rule: "deny_routing_record_without_health_check",
		resources: []policies.AnalyzedResource{record("r", set("healthCheckId", unknown))}},
	{name: "stage name unknown", rule: "stack_deny_stage_without_web_acl",
		resources: []policies.AnalyzedResource{stage("s", set("stageName", unknown))}},
	{name: "RestAPI component outputs beside its protected Stage", rule: "stack_deny_stage_without_web_acl",
		resources: []policies.AnalyzedResource{restAPIOutputs("api"), stage("s"), association("a", "/stages/v1")}},
}

func replicaWith(region, key string, v any) map[string]any {
	r := replica(region)
	r[key] = v
	return r
}

package policies_test

import "shopstack/policies"

// The front door's rules (edge.rego): their cases join the table in evaluate_test.go.
func init() { cases = append(cases, edgeCases...) }

var edgeCases = []ruleCase{
	{name: "stage with its web ACL", rule: "stack_deny_stage_without_web_acl",
		resources: []policies.AnalyzedResource{stage("s"), association("a", "/stages/v1")}},
	{name: "RestAPI component outputs are not a stage", rule: "stack_deny_stage_without_web_acl",
		resources: []policies.AnalyzedResource{restAPIOutputs("api")}},
	{name: "association ARN unknown at preview", rule: "stack_deny_stage_without_web_acl",
		resources: []policies.AnalyzedResource{stage("s"), resource(webACLAssociation, "a", map[string]any{"resourceArn": unknown})}},
	{name: "stage without web ACL", rule: "stack_deny_stage_without_web_acl",
		resources: []policies.AnalyzedResource{stage("s")},
		want:      `aws:apigateway/stage:Stage "s" stage v1 has no web ACL`},
	{name: "web ACL on another stage", rule: "stack_deny_stage_without_web_acl",
		resources: []policies.AnalyzedResource{stage("s"), association("a", "/stages/v2")},
		want:      `stage v1 has no web ACL`},
	{name: "two stages, one web ACL", rule: "stack_deny_stage_without_web_acl",
		resources: []policies.AnalyzedResource{stage("east"), stage("west"), association("a", "/stages/v1")},
		want:      `has no web ACL`},

	{name: "latency record with health check", rule: "deny_routing_record_without_health_check",
		resources: []policies.AnalyzedResource{record("r", set("healthCheckId", "hc-1"))}},
	{name: "simple record needs none", rule: "deny_routing_record_without_health_check",
		resources: []policies.AnalyzedResource{record("r", unset("latencyRoutingPolicies"))}},
	{name: "latency record without health check", rule: "deny_routing_record_without_health_check",
		resources: []policies.AnalyzedResource{record("r")},
		want:      `Route 53 record "r" routes by latency or failover but has no health check`},
	{name: "failover record without health check", rule: "deny_routing_record_without_health_check",
		resources: []policies.AnalyzedResource{record("r", unset("latencyRoutingPolicies"), set("failoverRoutingPolicies", []any{map[string]any{"type": "PRIMARY"}}))},
		want:      `Route 53 record "r" routes by latency or failover but has no health check`},

	{name: "prod checkout with reserved concurrency", rule: "deny_prod_checkout_without_reserved_concurrency",
		resources: []policies.AnalyzedResource{function("checkout", prodCheckout, set("reservedConcurrentExecutions", 100.0))}},
	{name: "dev checkout may share the pool", rule: "deny_prod_checkout_without_reserved_concurrency",
		resources: []policies.AnalyzedResource{function("checkout", set("tags.service", "checkout"), set("reservedConcurrentExecutions", -1.0))}},
	{name: "prod checkout unreserved", rule: "deny_prod_checkout_without_reserved_concurrency",
		resources: []policies.AnalyzedResource{function("checkout", prodCheckout, set("reservedConcurrentExecutions", -1.0))},
		want:      `prod checkout function "checkout" has no reserved concurrency`},
	{name: "prod checkout without the setting", rule: "deny_prod_checkout_without_reserved_concurrency",
		resources: []policies.AnalyzedResource{function("checkout", prodCheckout)},
		want:      `prod checkout function "checkout" has no reserved concurrency`},
}

const webACLAssociation = "aws:wafv2/webAclAssociation:WebAclAssociation"

func association(name, stageSuffix string) policies.AnalyzedResource {
	return resource(webACLAssociation, name, map[string]any{
		"resourceArn": "arn:aws:apigateway:eu-west-1::/restapis/api-id" + stageSuffix,
		"webAclArn":   "arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/api/1",
	})
}

func record(name string, changes ...change) policies.AnalyzedResource {
	return resource("aws:route53/record:Record", name, map[string]any{
		"name": "api.shop.example.com", "type": "A", "zoneId": "Z1", "setIdentifier": "eu-west-1",
		"latencyRoutingPolicies": []any{map[string]any{"region": "eu-west-1"}},
	}, changes...)
}

func prodCheckout(p map[string]any) {
	p["tags"] = map[string]any{"environment": "prod", "service": "checkout"}
}

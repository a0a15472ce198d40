package shopstack

import rego.v1

web_acl_association_type := "aws:wafv2/webAclAssociation:WebAclAssociation"

route53_record_type := "aws:route53/record:Record"

# stages are the API stages of the stack: the aws:apigateway/stage:Stage resources (a RestAPI
# component registers one; its own outputs carry no stage name).
stages := resources_of_type(stage_type)

# protects_stage holds when association a names stage name s, or its resource ARN is not yet
# known (a preview shows computed ARNs as unknown): a stage ARN ends in /stages/<name>.
protects_stage(a, s) if endswith(a.resourceArn, sprintf("/stages/%s", [s]))

protects_stage(a, _) if not is_string(a.resourceArn)

associations_for(s) := count([a | some a in resources_of_type(web_acl_association_type); protects_stage(a, s)])

stages_named(s) := count([r | some r in stages; object.get(r, "stageName", "") == s])

# routed holds for a record with latency or failover routing policies (a list not yet known
# cannot be judged).
routed(record) if routes_by(record, "latencyRoutingPolicies")

routed(record) if routes_by(record, "failoverRoutingPolicies")

routes_by(record, key) if {
	policies := object.get(record, key, [])
	is_array(policies)
	count(policies) > 0
}

is_prod_checkout(fn) if {
	tag_value(fn, "environment") == "prod"
	tag_value(fn, "service") == "checkout"
}

# METADATA
# title: Every API stage has a web ACL
# description: >-
#   A stage without AWS WAF takes every bot, injection probe and request flood straight to the
#   functions and DynamoDB, and pays for them. Each stage needs its own web ACL association.
# custom:
#   id: SHOP-EDGE-001
#   severity: high
#   message: Associate a REGIONAL aws:wafv2/webAcl:WebAcl with the stage through an aws:wafv2/webAclAssociation:WebAclAssociation.
stack_deny_stage_without_web_acl contains msg if {
	some r in stages
	not unknown_at(r, ["stageName"])
	s := object.get(r, "stageName", "")
	associations_for(s) < stages_named(s)
	msg := sprintf(
		"%s %q stage %s has no web ACL: associate a REGIONAL web ACL with it (aws:wafv2/webAclAssociation:WebAclAssociation whose resourceArn ends in /stages/%s)",
		[r.__type, r.__name, s, s],
	)
}

# METADATA
# title: Latency and failover records carry a health check
# description: >-
#   A routing record without a health check keeps sending clients to a region that is down;
#   with one (and evaluateTargetHealth), Route 53 drops the failing region from answers.
# custom:
#   id: SHOP-EDGE-002
#   severity: high
#   message: Set healthCheckId on every latency or failover record to the health check of its region.
deny_routing_record_without_health_check contains msg if {
	input.__type == route53_record_type
	routed(input)
	not filled(object.get(input, "healthCheckId", ""))
	not unknown_at(input, ["healthCheckId"])
	msg := sprintf(
		"Route 53 record %q routes by latency or failover but has no health check: set healthCheckId to its region's health check",
		[input.__name],
	)
}

# METADATA
# title: Prod checkout has reserved concurrency
# description: >-
#   Without reserved concurrency a spike on the catalog can take every concurrent execution of
#   the account and throttle checkout, the one path that earns money.
# custom:
#   id: SHOP-EDGE-003
#   severity: high
#   message: Set reservedConcurrentExecutions > 0 on the prod checkout function (config shopstack:reservedConcurrency.checkout).
deny_prod_checkout_without_reserved_concurrency contains msg if {
	is_lambda
	is_prod_checkout(input)
	not positive(object.get(input, "reservedConcurrentExecutions", -1))
	not unknown_at(input, ["reservedConcurrentExecutions"])
	msg := sprintf(
		"prod checkout function %q has no reserved concurrency: set reservedConcurrentExecutions > 0 (shopstack:reservedConcurrency.checkout)",
		[input.__name],
	)
}

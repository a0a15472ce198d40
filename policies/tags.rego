package shopstack

import rego.v1

# taggable_types are the resource types that must carry the required tags (cost allocation and
# ownership). Add a type here when the stack starts using it.
taggable_types := {
	"aws:lambda/function:Function",
	"aws:cloudwatch/logGroup:LogGroup",
	"aws:dynamodb/table:Table",
	"aws:kms/key:Key",
	"aws:iam/role:Role",
	"aws:sns/topic:Topic",
	"aws:cloudwatch/metricAlarm:MetricAlarm",
	"aws:cognito/userPool:UserPool",
	"aws:apigateway/stage:Stage",
	"aws:sqs/queue:Queue",
	"aws:cloudwatch/eventBus:EventBus",
	"aws:cloudwatch/eventRule:EventRule",
	"aws:wafv2/webAcl:WebAcl",
	"aws:route53/healthCheck:HealthCheck",
	"aws:acm/certificate:Certificate",
}

required_tags := ["environment", "service"]

has_tag(r, key) if {
	v := tag_value(r, key)
	is_string(v)
	v != ""
}

# METADATA
# title: Taggable resource carries the required tags
# description: >-
#   Cost Explorer, budgets and on-call routing group resources by environment and service; an
#   untagged resource is cost nobody owns.
# custom:
#   id: SHOP-TAG-001
#   severity: low
#   message: Add non-empty tags.environment and tags.service (the stack's common tags).
deny_missing_required_tag contains msg if {
	input.__type in taggable_types
	some key in required_tags
	not has_tag(input, key)
	not tag_unknown(input, key)
	msg := sprintf(
		"%s %q is missing the required tag %q: add a non-empty tags.%s",
		[input.__type, input.__name, key, key],
	)
}

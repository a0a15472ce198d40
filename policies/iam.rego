package shopstack

import rego.v1

iam_policy_types := {"aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy"}

# resource_wildcard_actions are the actions AWS offers no resource-level permission for: for
# them "Resource": "*" is already the narrowest grant. Add an action here only with a link to
# the service authorization reference showing an empty "Resource types" column.
resource_wildcard_actions := {
	"xray:PutTraceSegments",
	"xray:PutTelemetryRecords",
	"xray:GetSamplingRules",
	"xray:GetSamplingTargets",
	"cloudwatch:PutMetricData",
}

# IAM action names are case-insensitive, so the allowlist is compared in lower case.
resource_wildcard_actions_lower := {lower(a) | some a in resource_wildcard_actions}

is_iam_policy if input.__type in iam_policy_types

# policy_document is the parsed policy: the property is a JSON string (an object is taken as is).
# A policy whose text is not yet known has no document, so no IAM rule judges it until it is.
policy_document := json.unmarshal(input.policy) if is_string(input.policy)

policy_document := input.policy if {
	is_object(input.policy)
	not unknown(input.policy)
}

allow_statements contains st if {
	some st in as_list(policy_document.Statement)
	st.Effect == "Allow"
}

# wildcard_action holds for "*" and for a whole-service grant such as "dynamodb:*".
wildcard_action(a) if a == "*"

wildcard_action(a) if endswith(a, ":*")

grants_any_resource(st) if "*" in as_list(st.Resource)

needs_resource_wildcard(a) if lower(a) in resource_wildcard_actions_lower

# METADATA
# title: IAM policy grants no wildcard action
# description: >-
#   "*" or "service:*" grants every current and future action of a service (deletes, policy
#   changes); a function should get only the calls its code makes.
# custom:
#   id: SHOP-IAM-001
#   severity: critical
#   message: Replace the wildcard with the exact actions the code calls, e.g. "dynamodb:GetItem".
deny_iam_wildcard_action contains msg if {
	is_iam_policy
	some st in allow_statements
	some a in as_list(st.Action)
	wildcard_action(a)
	msg := sprintf(
		"IAM policy %q allows the wildcard action %q: list the exact actions needed (e.g. \"dynamodb:GetItem\")",
		[input.__name, a],
	)
}

# METADATA
# title: IAM policy grants no wildcard resource
# description: >-
#   "Resource": "*" lets the role touch every table, key and queue in the account, including
#   other environments'. Only actions with no resource-level permission (the allowlist) may use it.
# custom:
#   id: SHOP-IAM-002
#   severity: high
#   message: Scope Resource to the ARNs the statement needs, or move the allowlisted actions into a statement of their own.
deny_iam_wildcard_resource contains msg if {
	is_iam_policy
	some st in allow_statements
	grants_any_resource(st)
	scoped := [a | some a in as_list(st.Action); not needs_resource_wildcard(a)]
	count(scoped) > 0
	msg := sprintf(
		"IAM policy %q grants %v on \"Resource\": \"*\": scope Resource to the ARNs these actions need (only %v may use \"*\")",
		[input.__name, scoped, sort([a | some a in resource_wildcard_actions])],
	)
}

# METADATA
# title: IAM statement with a wildcard resource names its actions
# description: >-
#   An Allow statement on "Resource": "*" with NotAction (or no Action) grants every action but
#   a few on everything; it cannot be checked against the allowlist.
# custom:
#   id: SHOP-IAM-003
#   severity: high
#   message: >-
#     Use an explicit Action list instead of NotAction in statements on "Resource": "*".
deny_iam_wildcard_resource_without_action contains msg if {
	is_iam_policy
	some st in allow_statements
	grants_any_resource(st)
	not st.Action
	msg := sprintf(
		"IAM policy %q has an Allow statement on \"Resource\": \"*\" without an Action list: name the actions explicitly instead of using NotAction",
		[input.__name],
	)
}

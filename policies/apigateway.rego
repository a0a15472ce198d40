package shopstack

import rego.v1

stage_type := "aws:apigateway/stage:Stage"

method_settings_type := "aws:apigateway/methodSettings:MethodSettings"

# rest_api_component_type is the aws-apigateway component. Its outputs (url and references to
# its children) carry no stage name or throttling: rules judge the Stage it registers.
rest_api_component_type := "aws-apigateway:index:RestAPI"

has_access_logs(stage) if filled(stage.accessLogSettings.destinationArn)

# may_throttle holds when MethodSettings ms may give stage s positive rate and burst limits: its
# restApi and stageName are the stage's or not yet known, and so are its limits.
may_throttle(ms, s) if {
	may_equal(at(ms, ["restApi"]), at(s, ["restApi"]))
	may_equal(at(ms, ["stageName"]), s.stageName)
	may_be_positive(at(ms, ["settings", "throttlingRateLimit"]))
	may_be_positive(at(ms, ["settings", "throttlingBurstLimit"]))
}

may_be_throttled(s) if {
	some ms in resources_of_type(method_settings_type)
	may_throttle(ms, s)
}

# METADATA
# title: API stage writes access logs
# description: >-
#   Access logs are the only record of who called the API, with what status and latency; they
#   are needed to investigate abuse and to debug failed checkouts.
# custom:
#   id: SHOP-API-001
#   severity: medium
#   message: Set accessLogSettings.destinationArn to the arn of a log group with retention.
deny_apigateway_stage_no_access_logs contains msg if {
	input.__type == stage_type
	not has_access_logs(input)
	not unknown_at(input, ["accessLogSettings", "destinationArn"])
	msg := sprintf(
		"API Gateway stage %q must write access logs: set accessLogSettings.destinationArn to a CloudWatch log group arn",
		[input.__name],
	)
}

# METADATA
# title: API stage is throttled
# description: >-
#   Without stage throttling one client can use the whole account's API Gateway and Lambda
#   concurrency and take checkout down for everyone.
# custom:
#   id: SHOP-API-002
#   severity: high
#   message: >-
#     Add an aws:apigateway/methodSettings:MethodSettings whose restApi and stageName are the
#     stage's and whose settings set throttlingRateLimit and throttlingBurstLimit above 0.
stack_deny_apigateway_stage_not_throttled contains msg if {
	some s in resources_of_type(stage_type)
	not unknown_at(s, ["stageName"])
	not may_be_throttled(s)
	msg := sprintf(
		"%s %q stage %s must be throttled: add an aws:apigateway/methodSettings:MethodSettings with that restApi and stageName and settings.throttlingRateLimit and settings.throttlingBurstLimit > 0",
		[s.__type, s.__name, shown(s, "stageName")],
	)
}

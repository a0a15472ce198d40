package shopstack

import rego.v1

stage_type := "aws:apigateway/stage:Stage"

method_settings_type := "aws:apigateway/methodSettings:MethodSettings"

# rest_api_component_type is the aws-apigateway component; it creates its stage inside the
# provider, so only its stageName input is visible (under mocks, the only trace of the stage).
rest_api_component_type := "aws-apigateway:index:RestAPI"

has_access_logs(stage) if filled(stage.accessLogSettings.destinationArn)

# throttled_stages are the stage names a MethodSettings of the stack gives positive rate and
# burst limits.
throttled_stages contains ms.stageName if {
	some ms in resources_of_type(method_settings_type)
	positive(ms.settings.throttlingRateLimit)
	positive(ms.settings.throttlingBurstLimit)
}

throttled(stage_name) if stage_name in throttled_stages

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
#     Add an aws:apigateway/methodSettings:MethodSettings whose stageName is the stage's and
#     whose settings set throttlingRateLimit and throttlingBurstLimit above 0.
stack_deny_apigateway_stage_not_throttled contains msg if {
	some r in input.resources
	r.__type in {stage_type, rest_api_component_type}
	not throttled(object.get(r, "stageName", null))
	msg := sprintf(
		"%s %q stage %s must be throttled: add an aws:apigateway/methodSettings:MethodSettings with that stageName and settings.throttlingRateLimit and settings.throttlingBurstLimit > 0",
		[r.__type, r.__name, shown(r, "stageName")],
	)
}

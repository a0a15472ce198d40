package shopstack

import rego.v1

lambda_type := "aws:lambda/function:Function"

log_group_type := "aws:cloudwatch/logGroup:LogGroup"

# lambda_memory_ceiling_mb is the largest memorySize (MB) a function may ask for without a warning.
lambda_memory_ceiling_mb := 1024

is_lambda if input.__type == lambda_type

is_arm64(fn) if fn.architectures == ["arm64"]

is_al2023(fn) if fn.runtime == "provided.al2023"

has_active_tracing(fn) if fn.tracingConfig.mode == "Active"

# may_be_retained_group holds when log group lg may be the one named name and may expire its
# logs: its name and retention are known and right, or not yet known.
may_be_retained_group(lg, name) if {
	may_equal(at(lg, ["name"]), name)
	may_be_positive(at(lg, ["retentionInDays"]))
}

# may_log_to_retained_group holds when fn's loggingConfig.logGroup names (by its name property)
# a log group of the stack that keeps logs for a bounded number of days, or may once the
# unknown values are known.
may_log_to_retained_group(fn) if {
	name := at(fn, ["loggingConfig", "logGroup"])
	name != null
	some lg in resources_of_type(log_group_type)
	may_be_retained_group(lg, name)
}

# METADATA
# title: Lambda runs on arm64
# description: >-
#   Graviton (arm64) functions cost about 20% less per GB-second than x86_64 for the same Go
#   binary, and every shopstack function is built for linux/arm64; an x86_64 function would not start.
# custom:
#   id: SHOP-LAMBDA-001
#   severity: medium
#   message: Set architectures to ["arm64"] on the function.
deny_lambda_not_arm64 contains msg if {
	is_lambda
	not is_arm64(input)
	not unknown_at(input, ["architectures"])
	msg := sprintf(
		"Lambda function %q must run on arm64: set architectures to [\"arm64\"] (got %s)",
		[input.__name, shown(input, "architectures")],
	)
}

# METADATA
# title: Lambda uses the provided.al2023 runtime
# description: >-
#   Go functions ship as a bootstrap binary on the OS-only runtime; provided.al2023 is the
#   supported Amazon Linux 2023 base (go1.x and provided.al2 are deprecated or older).
# custom:
#   id: SHOP-LAMBDA-002
#   severity: high
#   message: Set runtime to "provided.al2023" and ship the handler as a bootstrap binary.
deny_lambda_runtime_not_al2023 contains msg if {
	is_lambda
	not is_al2023(input)
	not unknown_at(input, ["runtime"])
	msg := sprintf(
		"Lambda function %q must use runtime \"provided.al2023\": set runtime to \"provided.al2023\" (got %s)",
		[input.__name, shown(input, "runtime")],
	)
}

# METADATA
# title: Lambda has active X-Ray tracing
# description: >-
#   Active tracing samples every request through API Gateway, Lambda and DynamoDB so a slow
#   checkout can be followed end to end; PassThrough loses the traces API Gateway does not start.
# custom:
#   id: SHOP-LAMBDA-003
#   severity: medium
#   message: Set tracingConfig.mode to "Active".
deny_lambda_tracing_not_active contains msg if {
	is_lambda
	not has_active_tracing(input)
	not unknown_at(input, ["tracingConfig", "mode"])
	msg := sprintf(
		"Lambda function %q must have active tracing: set tracingConfig.mode to \"Active\" (got %s)",
		[input.__name, shown(input, ["tracingConfig", "mode"])],
	)
}

# METADATA
# title: Lambda memory stays under the ceiling
# description: >-
#   Lambda bills memory by the GB-second; functions that ask for more than the ceiling usually
#   hide a leak or a missing stream. Advisory: raise it knowingly.
# custom:
#   id: SHOP-LAMBDA-004
#   severity: low
#   message: Lower memorySize to 1024 MB or less, or record why the function needs more.
warn_lambda_memory_above_ceiling contains msg if {
	is_lambda
	is_number(input.memorySize)
	input.memorySize > lambda_memory_ceiling_mb
	msg := sprintf(
		"Lambda function %q asks for %v MB of memory, above the %v MB ceiling: lower memorySize or justify it",
		[input.__name, input.memorySize, lambda_memory_ceiling_mb],
	)
}

# METADATA
# title: Lambda logs to a log group with retention
# description: >-
#   Without a log group of its own the function writes to an auto-created group that keeps
#   logs forever (cost, and customer data kept past its purpose).
# custom:
#   id: SHOP-LAMBDA-005
#   severity: medium
#   message: >-
#     Create an aws:cloudwatch/logGroup:LogGroup with retentionInDays > 0 and set the
#     function's loggingConfig.logGroup to its name.
stack_deny_lambda_log_retention contains msg if {
	some fn in resources_of_type(lambda_type)
	not may_log_to_retained_group(fn)
	msg := sprintf(
		"Lambda function %q must log to a log group with retention: set loggingConfig.logGroup to the name of an aws:cloudwatch/logGroup:LogGroup in the stack whose retentionInDays > 0 (logGroup is %s)",
		[fn.__name, shown(fn, ["loggingConfig", "logGroup"])],
	)
}

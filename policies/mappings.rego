package shopstack

import rego.v1

is_event_source_mapping if input.__type == event_source_mapping_type

# reads_stream holds for a mapping on a stream (DynamoDB, Kinesis, Kafka): only those take a
# startingPosition, and it is known at preview, unlike the source's ARN.
reads_stream(m) if filled(m.startingPosition)

has_on_failure_destination(m) if filled(m.destinationConfig.onFailure.destinationArn)

# reads_queue holds for a mapping whose source is an SQS queue's ARN.
reads_queue(m) if {
	not reads_stream(m)
	not unknown_at(m, ["startingPosition"])
	is_string(m.eventSourceArn)
	split(m.eventSourceArn, ":")[2] == "sqs"
}

# source_may_have_dlq holds when a queue of the stack named name has a redrive policy, or may
# have one: its policy or its name is not yet known.
source_may_have_dlq(name) if {
	some q in resources_of_type(queue_type)
	may_equal(at(q, ["name"]), name)
	redrive_may_be_set(q)
}

redrive_may_be_set(q) if has_redrive_policy(q)

redrive_may_be_set(q) if unknown_at(q, ["redrivePolicy"])

# METADATA
# title: Stream event source mapping has an on-failure destination
# description: >-
#   A stream batch that runs out of retries is skipped; without an on-failure destination nothing
#   records which records were skipped, and the events they meant are lost silently.
# custom:
#   id: SHOP-ESM-001
#   severity: high
#   message: Set destinationConfig.onFailure.destinationArn (an SQS queue or SNS topic) on stream mappings.
deny_stream_mapping_no_on_failure_destination contains msg if {
	is_event_source_mapping
	reads_stream(input)
	not has_on_failure_destination(input)
	not unknown_at(input, ["destinationConfig", "onFailure", "destinationArn"])
	msg := sprintf(
		"event source mapping %q reads a stream and must have an on-failure destination: set destinationConfig.onFailure.destinationArn to an SQS queue or SNS topic",
		[input.__name],
	)
}

# METADATA
# title: Queue event source mapping reads a queue with a dead-letter queue
# description: >-
#   Lambda takes no on-failure destination for an SQS source: a message the function keeps
#   failing stays in its queue, so it is the source queue's redrive policy that must move it to a
#   dead-letter queue.
# custom:
#   id: SHOP-ESM-002
#   severity: high
#   message: >-
#     Give the source queue (declared in the stack) a redrivePolicy with a deadLetterTargetArn and
#     maxReceiveCount.
stack_deny_queue_mapping_without_dlq contains msg if {
	some m in resources_of_type(event_source_mapping_type)
	reads_queue(m)
	not source_may_have_dlq(arn_resource(m.eventSourceArn))
	msg := sprintf(
		"event source mapping %q reads queue %s, which has no dead-letter queue in the stack: give that queue a redrivePolicy with a deadLetterTargetArn and maxReceiveCount",
		[m.__name, arn_resource(m.eventSourceArn)],
	)
}

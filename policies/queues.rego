package shopstack

import rego.v1

queue_type := "aws:sqs/queue:Queue"

event_source_mapping_type := "aws:lambda/eventSourceMapping:EventSourceMapping"

event_target_type := "aws:cloudwatch/eventTarget:EventTarget"

is_queue if input.__type == queue_type

# arn_resource is the last field of an ARN: a queue's name for arn:aws:sqs:region:account:name.
arn_resource(arn) := parts[count(parts) - 1] if {
	is_string(arn)
	parts := split(arn, ":")
}

# redrive_target is the dead-letter queue ARN a queue's redrivePolicy (JSON text) names.
redrive_target(q) := json.unmarshal(q.redrivePolicy).deadLetterTargetArn if is_string(q.redrivePolicy)

has_redrive_policy(q) if filled(q.redrivePolicy)

is_encrypted(q) if q.sqsManagedSseEnabled == true

is_encrypted(q) if filled(q.kmsMasterKeyId)

# dead_letter_queue_names are the names of the queues something uses as its dead-letter or
# on-failure destination: another queue's redrive policy, a stream mapping's on-failure
# destination, an EventBridge target's dead-letter config.
dead_letter_queue_names contains arn_resource(redrive_target(q)) if {
	some q in resources_of_type(queue_type)
}

dead_letter_queue_names contains arn_resource(m.destinationConfig.onFailure.destinationArn) if {
	some m in resources_of_type(event_source_mapping_type)
}

dead_letter_queue_names contains arn_resource(t.deadLetterConfig.arn) if {
	some t in resources_of_type(event_target_type)
}

is_dead_letter_queue(q) if q.name in dead_letter_queue_names

# METADATA
# title: SQS queue is encrypted at rest
# description: >-
#   Queues carry orders and customer ids between the pipeline's functions; server-side encryption
#   keeps them encrypted at rest, with SQS-managed keys or a KMS key.
# custom:
#   id: SHOP-SQS-001
#   severity: high
#   message: Set sqsManagedSseEnabled to true, or kmsMasterKeyId to a KMS key.
deny_sqs_queue_not_encrypted contains msg if {
	is_queue
	not is_encrypted(input)
	msg := sprintf(
		"SQS queue %q must be encrypted at rest: set sqsManagedSseEnabled to true or kmsMasterKeyId to a KMS key",
		[input.__name],
	)
}

# METADATA
# title: SQS queue has a dead-letter queue unless it is one
# description: >-
#   A message that keeps failing is received again and again until it expires, and is then lost
#   without a trace; a redrive policy moves it to a dead-letter queue after maxReceiveCount
#   receives, where an alarm sees it. A queue that is itself some queue's dead-letter queue, a
#   stream mapping's on-failure destination or an EventBridge target's dead-letter queue is the
#   end of the line and needs none.
# custom:
#   id: SHOP-SQS-002
#   severity: high
#   message: >-
#     Set redrivePolicy to {"deadLetterTargetArn": <a queue's arn>, "maxReceiveCount": n}, or use
#     the queue only as a dead-letter or on-failure destination.
stack_deny_sqs_queue_no_dlq contains msg if {
	some q in resources_of_type(queue_type)
	not has_redrive_policy(q)
	not is_dead_letter_queue(q)
	msg := sprintf(
		"SQS queue %q (name %s) has no dead-letter queue: set redrivePolicy with a deadLetterTargetArn and maxReceiveCount, unless the queue is itself a dead-letter or on-failure destination",
		[q.__name, shown(q, "name")],
	)
}

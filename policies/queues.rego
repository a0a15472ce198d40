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

# redrive_target is the dead-letter queue ARN a queue's redrivePolicy (JSON text) names, or the
# unknown placeholder while the policy is not known.
redrive_target(q) := json.unmarshal(q.redrivePolicy).deadLetterTargetArn if is_string(q.redrivePolicy)

redrive_target(q) := q.redrivePolicy if unknown(q.redrivePolicy)

has_redrive_policy(q) if filled(q.redrivePolicy)

is_encrypted(q) if q.sqsManagedSseEnabled == true

is_encrypted(q) if filled(q.kmsMasterKeyId)

encryption_unknown(q) if unknown_at(q, ["sqsManagedSseEnabled"])

encryption_unknown(q) if unknown_at(q, ["kmsMasterKeyId"])

# dead_letter_references are the ARNs something names as its dead-letter or on-failure
# destination: another queue's redrive policy, a stream mapping's on-failure destination, an
# EventBridge target's dead-letter config. Each is [the ARN or the unknown placeholder, the URNs
# the engine says the property holding it was computed from, or null when it sent none].
dead_letter_references contains [redrive_target(q), computed_from(q, "redrivePolicy")] if {
	some q in resources_of_type(queue_type)
}

dead_letter_references contains [at(m, ["destinationConfig", "onFailure", "destinationArn"]), computed_from(m, "destinationConfig")] if {
	some m in resources_of_type(event_source_mapping_type)
}

dead_letter_references contains [at(t, ["deadLetterConfig", "arn"]), computed_from(t, "deadLetterConfig")] if {
	some t in resources_of_type(event_target_type)
}

# computed_from lists the URNs of the resources top-level property of r was computed from.
computed_from(r, property) := object.get(r, ["propertyDependencies", property], null)

dead_letter_queue_names contains arn_resource(arn) if {
	some [arn, _] in dead_letter_references
}

# may_be_named_by_unknown_reference holds when a reference not yet known may name queue q: it
# was computed from q, or the engine sent no dependencies for it, so it may name any queue.
may_be_named_by_unknown_reference(q) if {
	some [arn, urns] in dead_letter_references
	unknown(arn)
	may_come_from(urns, q.__urn)
}

may_come_from(urns, _) if urns == null

may_come_from(urns, urn) if urn in urns

is_dead_letter_queue(q) if q.name in dead_letter_queue_names

is_dead_letter_queue(q) if may_be_named_by_unknown_reference(q)

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
	not encryption_unknown(input)
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
	not unknown_at(q, ["redrivePolicy"])
	not unknown_at(q, ["name"])
	not is_dead_letter_queue(q)
	msg := sprintf(
		"SQS queue %q (name %s) has no dead-letter queue: set redrivePolicy with a deadLetterTargetArn and maxReceiveCount, unless the queue is itself a dead-letter or on-failure destination",
		[q.__name, shown(q, "name")],
	)
}

package shopstack

import rego.v1

topic_type := "aws:sns/topic:Topic"

topic_subscription_type := "aws:sns/topicSubscription:TopicSubscription"

topic_policy_type := "aws:sns/topicPolicy:TopicPolicy"

# carries_events holds for a topic something in the stack was computed from, other than its own
# subscriptions and policy: a role allowed to publish to it, an alarm that notifies it, a
# function told its ARN.
carries_events(t) if {
	some r in input.resources
	r.__urn != t.__urn
	not r.__type in {topic_subscription_type, topic_policy_type}
	t.__urn in object.get(r, "dependencies", [])
}

# has_subscriber holds when a subscription of the stack reads topic t: its topic property was
# computed from t (known in a preview too), or, where the engine sent no dependency for it, its
# topic is t's ARN or may be (either not known yet).
has_subscriber(t) if {
	some s in resources_of_type(topic_subscription_type)
	t.__urn in object.get(s, ["propertyDependencies", "topic"], [])
}

has_subscriber(t) if {
	some s in resources_of_type(topic_subscription_type)
	computed_from(s, "topic") == null
	may_equal(s.topic, t.arn)
}

# METADATA
# title: SNS topic that carries events has a subscriber
# description: >-
#   A topic delivers only to its subscriptions: one that something publishes to but nobody
#   subscribes to drops every message (order notifications, stock alerts, alarms) without a
#   trace. Advisory, because who reads a topic (e-mail addresses, a queue, a function) is a
#   decision for its owners, not something a deployment can fix.
# custom:
#   id: SHOP-SNS-001
#   severity: medium
#   message: >-
#     Subscribe someone to the topic (an aws:sns/topicSubscription:TopicSubscription: e-mail, SQS,
#     Lambda), e.g. through shopstack:alarmEmails or shopstack:stockAlertEmails, or stop
#     publishing to it.
stack_warn_sns_topic_without_subscriber contains msg if {
	some t in resources_of_type(topic_type)
	carries_events(t)
	not has_subscriber(t)
	msg := sprintf(
		"SNS topic %q carries events but has no subscription: its messages reach nobody; subscribe someone (e-mail, SQS, Lambda) or stop publishing to it",
		[t.__name],
	)
}

package policies_test

import "shopstack/policies"

// The topics rule (topics.rego): its cases join the table in evaluate_test.go, so TestRules runs
// them and TestEveryRuleIsDocumentedAndTested counts them.
func init() { cases = append(cases, topicCases...) }

const topicArnPrefix = "arn:aws:sns:eu-west-1:111111111111:"

var topicCases = []ruleCase{
	{name: "published to and read", rule: "stack_warn_sns_topic_without_subscriber",
		resources: []policies.AnalyzedResource{topic("orders"), publisher("p", "orders"), subscription("s", "orders")}},
	{name: "nothing publishes to it", rule: "stack_warn_sns_topic_without_subscriber",
		resources: []policies.AnalyzedResource{topic("orders")}},
	{name: "preview: arns unknown, the subscription computed from the topic", rule: "stack_warn_sns_topic_without_subscriber",
		resources: []policies.AnalyzedResource{topic("orders", set("arn", unknown)), publisher("p", "orders"), subscription("s", "orders", set("topic", unknown))}},
	{name: "subscription's topic unknown, no dependencies sent: may be this topic", rule: "stack_warn_sns_topic_without_subscriber",
		resources: []policies.AnalyzedResource{topic("orders"), publisher("p", "orders"), withoutDependencies(subscription("s", "orders", set("topic", unknown)))}},
	{name: "subscription by ARN alone", rule: "stack_warn_sns_topic_without_subscriber",
		resources: []policies.AnalyzedResource{topic("orders"), publisher("p", "orders"), withoutDependencies(subscription("s", "orders"))}},
	{name: "published to, read by nobody", rule: "stack_warn_sns_topic_without_subscriber",
		resources: []policies.AnalyzedResource{topic("orders"), publisher("p", "orders")},
		want:      `SNS topic "orders" carries events but has no subscription`},
	{name: "preview: arn unknown, read by nobody", rule: "stack_warn_sns_topic_without_subscriber",
		resources: []policies.AnalyzedResource{topic("orders", set("arn", unknown)), publisher("p", "orders")},
		want:      `SNS topic "orders" carries events but has no subscription`},
	{name: "another topic's subscription does not count", rule: "stack_warn_sns_topic_without_subscriber",
		resources: []policies.AnalyzedResource{topic("orders", set("arn", unknown)), topic("alerts", set("arn", unknown)), publisher("p", "orders"), publisher("q", "alerts"),
			subscription("s", "alerts", set("topic", unknown))},
		want: `SNS topic "orders" carries events but has no subscription`},
}

func topic(name string, changes ...change) policies.AnalyzedResource {
	return resource("aws:sns/topic:Topic", name, map[string]any{
		"name": name, "arn": topicArnPrefix + name, "tags": tags(),
	}, changes...)
}

// publisher is a role policy that lets a function publish to the topic: the engine records it as
// depending on the topic, its policy text being computed from the topic's ARN.
func publisher(name, topicName string) policies.AnalyzedResource {
	r := resource(rolePolicy, name, map[string]any{
		"role":   "publisher-role",
		"policy": doc(`[{"Effect":"Allow","Action":"sns:Publish","Resource":"` + topicArnPrefix + topicName + `"}]`),
	})
	topicURN := urn("aws:sns/topic:Topic", topicName)
	r.Dependencies = []string{topicURN}
	r.PropertyDependencies = map[string][]string{"policy": {topicURN}}
	return r
}

func subscription(name, topicName string, changes ...change) policies.AnalyzedResource {
	r := resource("aws:sns/topicSubscription:TopicSubscription", name, map[string]any{
		"topic": topicArnPrefix + topicName, "protocol": "email", "endpoint": "ops@example.com",
	}, changes...)
	topicURN := urn("aws:sns/topic:Topic", topicName)
	r.Dependencies = []string{topicURN}
	r.PropertyDependencies = map[string][]string{"topic": {topicURN}}
	return r
}

// withoutDependencies is r as the engine sends a resource whose properties came from no resource.
func withoutDependencies(r policies.AnalyzedResource) policies.AnalyzedResource {
	r.Dependencies, r.PropertyDependencies = nil, nil
	return r
}

package policies_test

import "shopstack/policies"

// The event pipeline's rules (queues.rego, mappings.rego): their cases join the table in
// evaluate_test.go, so TestRules runs them and TestEveryRuleIsDocumentedAndTested counts them.
func init() { cases = append(cases, pipelineCases...) }

const (
	queueArnPrefix = "arn:aws:sqs:eu-west-1:111111111111:"
	streamArn      = "arn:aws:dynamodb:eu-west-1:111111111111:table/orders/stream/2026-01-01T00:00:00.000"
)

var pipelineCases = []ruleCase{
	// SQS.
	{name: "sse-sqs", rule: "deny_sqs_queue_not_encrypted", resources: []policies.AnalyzedResource{queue("q")}},
	{name: "kms key", rule: "deny_sqs_queue_not_encrypted",
		resources: []policies.AnalyzedResource{queue("q", unset("sqsManagedSseEnabled"), set("kmsMasterKeyId", "alias/aws/sqs"))}},
	{name: "not encrypted", rule: "deny_sqs_queue_not_encrypted",
		resources: []policies.AnalyzedResource{queue("q", unset("sqsManagedSseEnabled"))},
		want:      `SQS queue "q" must be encrypted at rest: set sqsManagedSseEnabled to true or kmsMasterKeyId to a KMS key`},
	{name: "sse disabled", rule: "deny_sqs_queue_not_encrypted",
		resources: []policies.AnalyzedResource{queue("q", set("sqsManagedSseEnabled", false))},
		want:      `SQS queue "q" must be encrypted at rest`},
	{name: "queue and its dead-letter queue", rule: "stack_deny_sqs_queue_no_dlq",
		resources: []policies.AnalyzedResource{queue("q", redrive("q-dlq")), queue("q-dlq")}},
	{name: "on-failure destination of a stream mapping", rule: "stack_deny_sqs_queue_no_dlq",
		resources: []policies.AnalyzedResource{queue("failures"), streamMapping("m")}},
	{name: "dead-letter queue of an EventBridge target", rule: "stack_deny_sqs_queue_no_dlq",
		resources: []policies.AnalyzedResource{queue("target-dlq"), resource("aws:cloudwatch/eventTarget:EventTarget", "t",
			map[string]any{"arn": queueArnPrefix + "q", "deadLetterConfig": map[string]any{"arn": queueArnPrefix + "target-dlq"}})}},
	{name: "redrive policy unknown at preview", rule: "stack_deny_sqs_queue_no_dlq",
		resources: []policies.AnalyzedResource{queue("q", set("redrivePolicy", unknown))}},
	{name: "queue without dead-letter queue", rule: "stack_deny_sqs_queue_no_dlq",
		resources: []policies.AnalyzedResource{queue("q")},
		want:      `SQS queue "q" (name q) has no dead-letter queue: set redrivePolicy with a deadLetterTargetArn and maxReceiveCount`},
	{name: "another queue's dead-letter queue does not cover this one", rule: "stack_deny_sqs_queue_no_dlq",
		resources: []policies.AnalyzedResource{queue("q", redrive("q-dlq")), queue("q-dlq"), queue("r")},
		want:      `SQS queue "r" (name r) has no dead-letter queue`},

	// Event source mappings.
	{name: "stream mapping with on-failure destination", rule: "deny_stream_mapping_no_on_failure_destination",
		resources: []policies.AnalyzedResource{streamMapping("m")}},
	{name: "queue mapping needs none", rule: "deny_stream_mapping_no_on_failure_destination",
		resources: []policies.AnalyzedResource{queueMapping("m", "q")}},
	{name: "stream mapping without destination", rule: "deny_stream_mapping_no_on_failure_destination",
		resources: []policies.AnalyzedResource{streamMapping("m", unset("destinationConfig"))},
		want:      `event source mapping "m" reads a stream and must have an on-failure destination: set destinationConfig.onFailure.destinationArn`},
	{name: "stream mapping with an empty destination", rule: "deny_stream_mapping_no_on_failure_destination",
		resources: []policies.AnalyzedResource{streamMapping("m", set("destinationConfig.onFailure.destinationArn", ""))},
		want:      `event source mapping "m" reads a stream and must have an on-failure destination`},
	{name: "queue with dead-letter queue", rule: "stack_deny_queue_mapping_without_dlq",
		resources: []policies.AnalyzedResource{queueMapping("m", "q"), queue("q", redrive("q-dlq")), queue("q-dlq")}},
	{name: "stream mapping is not a queue mapping", rule: "stack_deny_queue_mapping_without_dlq",
		resources: []policies.AnalyzedResource{streamMapping("m")}},
	{name: "queue without dead-letter queue", rule: "stack_deny_queue_mapping_without_dlq",
		resources: []policies.AnalyzedResource{queueMapping("m", "q"), queue("q")},
		want:      `event source mapping "m" reads queue q, which has no dead-letter queue in the stack: give that queue a redrivePolicy`},
	{name: "queue outside the stack", rule: "stack_deny_queue_mapping_without_dlq",
		resources: []policies.AnalyzedResource{queueMapping("m", "elsewhere"), queue("q", redrive("q-dlq")), queue("q-dlq")},
		want:      `event source mapping "m" reads queue elsewhere, which has no dead-letter queue in the stack`},
}

func queue(name string, changes ...change) policies.AnalyzedResource {
	return resource("aws:sqs/queue:Queue", name, map[string]any{
		"name":                 name,
		"sqsManagedSseEnabled": true,
		"tags":                 tags(),
	}, changes...)
}

// redrive sets a queue's redrivePolicy, the JSON text Pulumi records, to the named dead-letter queue.
func redrive(dlq string) change {
	return set("redrivePolicy", `{"deadLetterTargetArn":"`+queueArnPrefix+dlq+`","maxReceiveCount":5}`)
}

// streamMapping reads a DynamoDB stream and sends failed batches to the queue "failures".
func streamMapping(name string, changes ...change) policies.AnalyzedResource {
	return resource("aws:lambda/eventSourceMapping:EventSourceMapping", name, map[string]any{
		"eventSourceArn":    streamArn,
		"functionName":      "arn:aws:lambda:eu-west-1:111111111111:function:publisher",
		"startingPosition":  "LATEST",
		"destinationConfig": map[string]any{"onFailure": map[string]any{"destinationArn": queueArnPrefix + "failures"}},
	}, changes...)
}

func queueMapping(name, queueName string, changes ...change) policies.AnalyzedResource {
	return resource("aws:lambda/eventSourceMapping:EventSourceMapping", name, map[string]any{
		"eventSourceArn": queueArnPrefix + queueName,
		"functionName":   "arn:aws:lambda:eu-west-1:111111111111:function:consumer",
	}, changes...)
}

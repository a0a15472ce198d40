package stacks

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"shopstack/contract"
	"shopstack/contract/schema"
)

// EventConsumerArgs declares one consumer of the event pipeline.
type EventConsumerArgs struct {
	Name   string   // logical name: the AWS names of its queue, rule and function derive from it
	Types  []string // the event types (detail-types) it takes
	Bus    *cloudwatch.EventBus
	Topic  *sns.Topic // where the function publishes
	Region string

	MaxReceiveCount  int // deliveries of a message before the dead-letter queue
	Function         FunctionSettings
	LogRetentionDays int
	Artifacts        Artifacts
	Data             *Data
	Alarms           *AlarmSpec
	Tags             pulumi.StringMap
	Former           formerPipeline // the writer's names before the data-region layout
}

// EventConsumer is one consumer: a rule on the bus for its event types, its queue (the rule's
// target, which only that rule may send to) with a dead-letter queue, and the function reading it.
// The rule stays under the bus it belongs to; the rest are the component's, each aliased to where
// it sat before (formerPipeline.movedFrom).
type EventConsumer struct {
	pulumi.ResourceState

	Rule     *cloudwatch.EventRule
	Queue    *sqs.Queue
	DLQ      *sqs.Queue
	Function *Function
	Mapping  *lambda.EventSourceMapping
}

// Queue settings: SQS keeps a message at most 14 days; a dead-letter queue keeps it that long
// so it can be inspected and redriven.
const (
	queueRetentionSeconds = 4 * 24 * 3600
	dlqRetentionSeconds   = 14 * 24 * 3600
	consumerBatchSize     = 10
)

// eventsService is the service tag of the pipeline's own resources.
const eventsService = "events"

// NewEventConsumer declares a consumer under events, the region's pipeline.
func NewEventConsumer(ctx *pulumi.Context, name string, events *Events, args *EventConsumerArgs) (*EventConsumer, error) {
	c := &EventConsumer{}
	if err := ctx.RegisterComponentResource("shopstack:events:EventConsumer", name, c, pulumi.Parent(events)); err != nil {
		return nil, err
	}
	fail := func(step string, err error) error { return fmt.Errorf("%s %s: %w", args.Name, step, err) }
	moved := func(child string) pulumi.ResourceOption { return args.Former.movedFrom(ctx, events, child) }
	if err := c.queues(ctx, name, args, moved); err != nil {
		return nil, err
	}
	if err := c.rule(ctx, name, args); err != nil {
		return nil, err
	}
	archive, err := args.Artifacts.Archive(args.Name)
	if err != nil {
		return nil, fail("archive", err)
	}
	env := args.Data.Environment(schema.ProcessedEvents)
	env[contract.TopicEnv] = args.Topic.Arn
	c.Function, err = NewFunction(ctx, name, &FunctionArgs{
		FunctionName:     physicalName(ctx, args.Name),
		Archive:          archive,
		Settings:         args.Function,
		LogRetentionDays: args.LogRetentionDays,
		Environment:      env,
		Permissions: []Statement{
			// GetQueueAttributes is how Lambda's poller checks the queue before it receives.
			{Sid: "ConsumeQueue", Actions: []string{"sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"}, Resources: pulumi.StringArray{c.Queue.Arn}},
			{Sid: "Publish", Actions: []string{"sns:Publish"}, Resources: pulumi.StringArray{args.Topic.Arn}},
			args.Data.Grant("ProcessedEvents", schema.ProcessedEvents, []string{"dynamodb:PutItem", "dynamodb:UpdateItem"}, false, args.Region),
			args.Data.GrantKeys(args.Region),
		},
		Tags:       withService(args.Tags, args.Name),
		Alarms:     args.Alarms,
		FormerName: args.Former.name(name),
	}, pulumi.Parent(c), moved(name))
	if err != nil {
		return nil, fail("function", err)
	}
	c.Mapping, err = lambda.NewEventSourceMapping(ctx, name+"-mapping", &lambda.EventSourceMappingArgs{
		EventSourceArn:        c.Queue.Arn,
		FunctionName:          c.Function.Arn,
		BatchSize:             pulumi.Int(consumerBatchSize),
		FunctionResponseTypes: pulumi.StringArray{pulumi.String("ReportBatchItemFailures")},
		Tags:                  withService(args.Tags, args.Name),
	}, pulumi.Parent(c.Function))
	if err != nil {
		return nil, fail("mapping", err)
	}
	if err := args.Alarms.Declare(ctx, c, []Alarm{deadLetterAlarm(name+"-dlq-visible", c.DLQ)}, moved(name+"-dlq-visible")); err != nil {
		return nil, fail("alarms", err)
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{}); err != nil {
		return nil, err
	}
	return c, nil
}

// queues declares the consumer's queue and its dead-letter queue.
func (c *EventConsumer) queues(ctx *pulumi.Context, name string, args *EventConsumerArgs, moved func(string) pulumi.ResourceOption) error {
	tags := withService(args.Tags, eventsService)
	var err error
	c.DLQ, err = newQueue(ctx, name+"-dlq", &sqs.QueueArgs{
		Name:                    pulumi.String(physicalName(ctx, args.Name+"-dlq")),
		MessageRetentionSeconds: pulumi.Int(dlqRetentionSeconds),
		Tags:                    tags,
	}, pulumi.Parent(c), moved(name+"-dlq"))
	if err != nil {
		return fmt.Errorf("%s dead-letter queue: %w", args.Name, err)
	}
	redrive := c.DLQ.Arn.ApplyT(func(arn string) (string, error) {
		b, err := json.Marshal(map[string]any{"deadLetterTargetArn": arn, "maxReceiveCount": args.MaxReceiveCount})
		return string(b), err
	}).(pulumi.StringOutput)
	c.Queue, err = newQueue(ctx, name+"-queue", &sqs.QueueArgs{
		Name: pulumi.String(physicalName(ctx, args.Name)),
		// Lambda's guidance: at least six times the function's timeout, so a message is not
		// redelivered while a retried batch still holds it.
		VisibilityTimeoutSeconds: pulumi.Int(6 * args.Function.TimeoutSeconds),
		MessageRetentionSeconds:  pulumi.Int(queueRetentionSeconds),
		RedrivePolicy:            redrive,
		Tags:                     tags,
	}, pulumi.Parent(c), moved(name+"-queue"))
	if err != nil {
		return fmt.Errorf("%s queue: %w", args.Name, err)
	}
	return nil
}

// rule declares the rule for the consumer's event types, targeting its queue; an event the rule
// cannot deliver (after EventBridge's retries) goes to the dead-letter queue rather than being
// dropped. Each queue's policy lets only this rule send to it.
func (c *EventConsumer) rule(ctx *pulumi.Context, name string, args *EventConsumerArgs) error {
	fail := func(step string, err error) error { return fmt.Errorf("%s %s: %w", args.Name, step, err) }
	pattern, err := json.Marshal(map[string]any{"source": []string{contract.EventSource}, "detail-type": args.Types})
	if err != nil {
		return fail("rule pattern", err)
	}
	c.Rule, err = cloudwatch.NewEventRule(ctx, name+"-rule", &cloudwatch.EventRuleArgs{
		Name:         pulumi.String(physicalName(ctx, args.Name)),
		Description:  pulumi.String("Shop events for " + args.Name),
		EventBusName: args.Bus.Name,
		EventPattern: pulumi.String(string(pattern)),
		Tags:         withService(args.Tags, eventsService),
	}, pulumi.Parent(args.Bus), args.Former.alias(name+"-rule"))
	if err != nil {
		return fail("rule", err)
	}
	var policies []pulumi.Resource
	for _, q := range []struct {
		suffix, step string
		queue        *sqs.Queue
	}{{"-queue-policy", "queue policy", c.Queue}, {"-dlq-policy", "dead-letter queue policy", c.DLQ}} {
		policy, err := sqs.NewQueuePolicy(ctx, name+q.suffix, &sqs.QueuePolicyArgs{
			QueueUrl: q.queue.Url,
			Policy: pulumi.All(q.queue.Arn, c.Rule.Arn).ApplyT(func(v []any) (string, error) {
				return queueSendPolicy(v[0].(string), v[1].(string))
			}).(pulumi.StringOutput),
		}, pulumi.Parent(q.queue))
		if err != nil {
			return fail(q.step, err)
		}
		policies = append(policies, policy)
	}
	if _, err := cloudwatch.NewEventTarget(ctx, name+"-target", &cloudwatch.EventTargetArgs{
		Rule:             c.Rule.Name,
		EventBusName:     args.Bus.Name,
		Arn:              c.Queue.Arn,
		DeadLetterConfig: &cloudwatch.EventTargetDeadLetterConfigArgs{Arn: c.DLQ.Arn},
	}, pulumi.Parent(c.Rule), pulumi.DependsOn(policies), args.Former.alias(name+"-target")); err != nil {
		return fail("target", err)
	}
	return nil
}

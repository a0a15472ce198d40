package stacks

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/dynamodb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"shopstack/functions/consumer"
	"shopstack/functions/pipeline"
	"shopstack/functions/schema"
)

// EventsArgs is what one region's event pipeline needs. Every region has one, and only the writer
// region's is active: global tables replicate every write into every region's stream, so two
// active publishers would send each event twice. A standby pipeline is the same resources with its
// stream mappings disabled, so moving the writer enables one region's mappings and disables
// another's, and deletes nothing: queues drain where they are, the archive stays, and the ledger
// is a global table the consumers of every region share.
type EventsArgs struct {
	Region string
	// Active: this is the writer region's pipeline, whose publisher reads the streams.
	Active bool
	// ActivePipeline is the writer region's pipeline, for a standby one: its stream mappings are
	// changed after the active ones, so a move enables the new publisher before it disables the
	// old one (an overlap the ledger absorbs, never a gap). Nil for the active pipeline.
	ActivePipeline   *Events
	Settings         EventSettings
	Function         FunctionSettings
	LogRetentionDays int
	Artifacts        Artifacts
	Data             *Data
	Alarms           *Alarms // the region's
	Tags             pulumi.StringMap
}

// Events is the event pipeline: the bus and its archive, the publisher on the orders and products
// streams, and per consumer a rule, a queue with its dead-letter queue, the function and its topic.
type Events struct {
	pulumi.ResourceState

	Bus             *cloudwatch.EventBus
	Archive         *cloudwatch.EventArchive
	Processed       *dynamodb.Table // the ledger, a global table of Data; this region's replica is used
	Publisher       *Function
	PublishFailures *sqs.Queue // the stream mappings' on-failure destination
	StreamMappings  map[string]*lambda.EventSourceMapping
	Consumers       map[string]*EventConsumer
	CustomerTopic   *sns.Topic
	AdminTopic      *sns.Topic
}

// EventConsumer is one consumer's queue, dead-letter queue, rule and function.
type EventConsumer struct {
	Rule     *cloudwatch.EventRule
	Queue    *sqs.Queue
	DLQ      *sqs.Queue
	Function *Function
	Mapping  *lambda.EventSourceMapping
}

// streamFilters are the stream records the publisher needs, per table (Lambda event filtering:
// the rest are dropped before an invocation is paid for): new orders and orders becoming
// cancelled; product updates (a crossing of the low-stock threshold is decided from both images).
var streamFilters = map[string][]string{
	schema.Orders: {
		`{"eventName":["INSERT"],"dynamodb":{"NewImage":{"status":{"S":["placed"]}}}}`,
		`{"eventName":["MODIFY"],"dynamodb":{"NewImage":{"status":{"S":["cancelled"]}}}}`,
	},
	schema.Products: {
		`{"eventName":["MODIFY"]}`,
	},
}

// streamTables are the tables the publisher reads, in order.
var streamTables = []string{schema.Orders, schema.Products}

// eventConsumers are the consumers: logical name, function folder and the event types it takes.
var eventConsumers = []struct {
	name, folder string
	types        []string
	admin        bool // publishes to the admin topic, else to the customer topic
}{
	{name: "notifications", folder: "notifications", types: []string{pipeline.TypeOrderPlaced, pipeline.TypeOrderCancelled}},
	{name: "stock-alerts", folder: "stockalerts", types: []string{pipeline.TypeStockLow}, admin: true},
}

// Queue settings: SQS keeps a message at most 14 days; a dead-letter queue keeps it that long
// so it can be inspected and redriven.
const (
	queueRetentionSeconds = 4 * 24 * 3600
	dlqRetentionSeconds   = 14 * 24 * 3600
	consumerBatchSize     = 10
)

// NewEvents declares one region's event pipeline. opts must carry the region's provider.
func NewEvents(ctx *pulumi.Context, name string, args *EventsArgs, opts ...pulumi.ResourceOption) (*Events, error) {
	e := &Events{StreamMappings: map[string]*lambda.EventSourceMapping{}, Consumers: map[string]*EventConsumer{}}
	if err := ctx.RegisterComponentResource("shopstack:events:Events", name, e, opts...); err != nil {
		return nil, err
	}
	tags := withService(args.Tags, "events")
	parent := pulumi.Parent(e)
	var err error

	e.Bus, err = cloudwatch.NewEventBus(ctx, name+"-bus", &cloudwatch.EventBusArgs{
		Name: pulumi.String(physicalName(ctx, "events")),
		Tags: tags,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("events %s: bus: %w", name, err)
	}
	e.Archive, err = cloudwatch.NewEventArchive(ctx, name+"-archive", &cloudwatch.EventArchiveArgs{
		Name:           pulumi.String(physicalName(ctx, "events")),
		Description:    pulumi.String("Every shop event, for replay after an incident"),
		EventSourceArn: e.Bus.Arn,
		RetentionDays:  pulumi.Int(args.Settings.ArchiveRetentionDays),
	}, pulumi.Parent(e.Bus))
	if err != nil {
		return nil, fmt.Errorf("events %s: archive: %w", name, err)
	}
	e.Processed = args.Data.Tables[schema.ProcessedEvents]
	if err := e.publisher(ctx, name, args, tags); err != nil {
		return nil, err
	}
	if err := e.topics(ctx, name, args, tags); err != nil {
		return nil, err
	}
	for _, c := range eventConsumers {
		if err := e.consumer(ctx, name, c.name, c.folder, c.types, c.admin, args, tags); err != nil {
			return nil, err
		}
	}

	watched := []*Function{e.Publisher}
	for _, c := range eventConsumers {
		watched = append(watched, e.Consumers[c.name].Function)
	}
	if err := args.Alarms.WatchFunctions(ctx, watched...); err != nil {
		return nil, fmt.Errorf("events %s: alarms: %w", name, err)
	}
	if err := e.watchQueuesAndStreams(ctx, name, args); err != nil {
		return nil, err
	}

	if err := ctx.RegisterResourceOutputs(e, pulumi.Map{
		"busName": e.Bus.Name, "busArn": e.Bus.Arn, "publisherName": e.Publisher.Name,
		"customerTopicArn": e.CustomerTopic.Arn, "adminTopicArn": e.AdminTopic.Arn,
	}); err != nil {
		return nil, fmt.Errorf("events %s: outputs: %w", name, err)
	}
	return e, nil
}

// publisher declares the publisher, its on-failure queue and a mapping per table stream.
func (e *Events) publisher(ctx *pulumi.Context, name string, args *EventsArgs, tags pulumi.StringMap) error {
	var err error
	// Where the publisher parks, whole, the events the bus would not take and the records it could
	// not decode (stream.Parked); also the mappings' on-failure destination, which receives only a
	// description (shard, sequence numbers) of a batch that ran out of retries, for the rare case
	// the publisher could not park either.
	e.PublishFailures, err = sqs.NewQueue(ctx, name+"-publisher-failures", &sqs.QueueArgs{
		Name:                    pulumi.String(physicalName(ctx, "publisher-failures")),
		SqsManagedSseEnabled:    pulumi.Bool(true),
		MessageRetentionSeconds: pulumi.Int(dlqRetentionSeconds),
		Tags:                    tags,
	}, pulumi.Parent(e))
	if err != nil {
		return fmt.Errorf("events %s: publisher failures queue: %w", name, err)
	}
	archive, err := args.Artifacts.Archive("publisher")
	if err != nil {
		return fmt.Errorf("events %s: %w", name, err)
	}
	var streams pulumi.StringArray
	env := pulumi.StringMap{"EVENT_BUS_NAME": e.Bus.Name, schema.FailuresQueueEnv: e.PublishFailures.Url}
	for _, table := range streamTables {
		// The streams of the table's copy in this region, by the table's ARN: a replica's stream
		// ARN is only known once every replica is, so naming it would redraw the policy whenever a
		// region is added.
		streams = append(streams, pulumi.Sprintf("%s/stream/*", args.Data.TableArns(table, args.Region, false)[0]))
		env[schema.EnvVar(table)] = pulumi.String(args.Data.TableName(table))
	}
	e.Publisher, err = NewFunction(ctx, name+"-publisher", &FunctionArgs{
		FunctionName:     physicalName(ctx, "publisher"),
		Archive:          archive,
		Settings:         args.Function,
		LogRetentionDays: args.LogRetentionDays,
		Environment:      env,
		Permissions: []Statement{
			{Sid: "ReadStreams", Actions: []string{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}, Resources: streams},
			// Stream records of a table encrypted with a customer-managed key are decrypted with it.
			{Sid: "StreamKey", Actions: []string{"kms:Decrypt"}, Resources: pulumi.StringArray{args.Data.Keys[args.Region].Arn}},
			{Sid: "PutEvents", Actions: []string{"events:PutEvents"}, Resources: pulumi.StringArray{e.Bus.Arn}},
			// Lambda sends the on-failure record with the function's role.
			{Sid: "SendFailures", Actions: []string{"sqs:SendMessage"}, Resources: pulumi.StringArray{e.PublishFailures.Arn}},
		},
		Tags: withService(args.Tags, "publisher"),
	}, pulumi.Parent(e))
	if err != nil {
		return fmt.Errorf("events %s: %w", name, err)
	}
	for _, table := range streamTables {
		var filters lambda.EventSourceMappingFilterCriteriaFilterArray
		for _, f := range streamFilters[table] {
			filters = append(filters, lambda.EventSourceMappingFilterCriteriaFilterArgs{Pattern: pulumi.String(f)})
		}
		// The stream ARN of a replica is unknown in a preview whenever any replica changes (the
		// table's replicas are one output), and eventSourceArn replaces a mapping: a region added
		// elsewhere would plan to replace this one. The copy's stream changes only when the copy is
		// recreated, and that happens only with this region's pipeline.
		opts := []pulumi.ResourceOption{pulumi.Parent(e.Publisher), pulumi.IgnoreChanges([]string{"eventSourceArn"})}
		if args.ActivePipeline != nil {
			opts = append(opts, pulumi.DependsOn([]pulumi.Resource{args.ActivePipeline.StreamMappings[table]}))
		}
		m, err := lambda.NewEventSourceMapping(ctx, name+"-"+table+"-stream", &lambda.EventSourceMappingArgs{
			EventSourceArn: args.Data.StreamArn(table, args.Region),
			FunctionName:   e.Publisher.Arn,
			// Only the writer region's publisher reads: the pipeline's placement.
			Enabled: pulumi.Bool(args.Active),
			// LATEST: a new pipeline must not announce the last 24 hours of orders again.
			StartingPosition:           pulumi.String("LATEST"),
			BatchSize:                  pulumi.Int(args.Settings.BatchSize),
			MaximumRetryAttempts:       pulumi.Int(args.Settings.MaxRetries),
			BisectBatchOnFunctionError: pulumi.Bool(true),
			FunctionResponseTypes:      pulumi.StringArray{pulumi.String("ReportBatchItemFailures")},
			// One batch per shard at a time keeps a product's changes in order.
			ParallelizationFactor: pulumi.Int(1),
			FilterCriteria:        &lambda.EventSourceMappingFilterCriteriaArgs{Filters: filters},
			DestinationConfig: &lambda.EventSourceMappingDestinationConfigArgs{
				OnFailure: &lambda.EventSourceMappingDestinationConfigOnFailureArgs{DestinationArn: e.PublishFailures.Arn},
			},
			Tags: withService(args.Tags, "publisher"),
		}, opts...)
		if err != nil {
			return fmt.Errorf("events %s: %s stream mapping: %w", name, table, err)
		}
		e.StreamMappings[table] = m
	}
	return nil
}

// topics declares the customer-notification and admin topics. Both are encrypted with the
// AWS-managed SNS key: order notifications carry customer data.
func (e *Events) topics(ctx *pulumi.Context, name string, args *EventsArgs, tags pulumi.StringMap) error {
	var err error
	e.CustomerTopic, err = sns.NewTopic(ctx, name+"-customer-topic", &sns.TopicArgs{
		Name:           pulumi.String(physicalName(ctx, "customer-notifications")),
		KmsMasterKeyId: pulumi.String("alias/aws/sns"),
		Tags:           tags,
	}, pulumi.Parent(e))
	if err != nil {
		return fmt.Errorf("events %s: customer topic: %w", name, err)
	}
	e.AdminTopic, err = sns.NewTopic(ctx, name+"-admin-topic", &sns.TopicArgs{
		Name:           pulumi.String(physicalName(ctx, "admin-alerts")),
		KmsMasterKeyId: pulumi.String("alias/aws/sns"),
		Tags:           tags,
	}, pulumi.Parent(e))
	if err != nil {
		return fmt.Errorf("events %s: admin topic: %w", name, err)
	}
	for i, email := range args.Settings.StockAlertEmails {
		if _, err := sns.NewTopicSubscription(ctx, fmt.Sprintf("%s-admin-email-%d", name, i), &sns.TopicSubscriptionArgs{
			Topic: e.AdminTopic.Arn, Protocol: pulumi.String("email"), Endpoint: pulumi.String(email),
		}, pulumi.Parent(e.AdminTopic)); err != nil {
			return fmt.Errorf("events %s: admin subscription %d: %w", name, i, err)
		}
	}
	return nil
}

// consumer declares one consumer: a rule on the bus for its event types, its queue (the rule's
// target, which only that rule may send to) with a dead-letter queue, and the function reading it.
func (e *Events) consumer(ctx *pulumi.Context, name, consumerName, folder string, types []string, admin bool, args *EventsArgs, tags pulumi.StringMap) error {
	base := name + "-" + consumerName
	fail := func(step string, err error) error {
		return fmt.Errorf("events %s: %s %s: %w", name, consumerName, step, err)
	}
	c := &EventConsumer{}
	topic := e.CustomerTopic
	if admin {
		topic = e.AdminTopic
	}
	var err error
	c.DLQ, err = sqs.NewQueue(ctx, base+"-dlq", &sqs.QueueArgs{
		Name:                    pulumi.String(physicalName(ctx, consumerName+"-dlq")),
		SqsManagedSseEnabled:    pulumi.Bool(true),
		MessageRetentionSeconds: pulumi.Int(dlqRetentionSeconds),
		Tags:                    tags,
	}, pulumi.Parent(e))
	if err != nil {
		return fail("dead-letter queue", err)
	}
	redrive := c.DLQ.Arn.ApplyT(func(arn string) (string, error) {
		b, err := json.Marshal(map[string]any{"deadLetterTargetArn": arn, "maxReceiveCount": args.Settings.MaxReceiveCount})
		return string(b), err
	}).(pulumi.StringOutput)
	c.Queue, err = sqs.NewQueue(ctx, base+"-queue", &sqs.QueueArgs{
		Name:                 pulumi.String(physicalName(ctx, consumerName)),
		SqsManagedSseEnabled: pulumi.Bool(true),
		// Lambda's guidance: at least six times the function's timeout, so a message is not
		// redelivered while a retried batch still holds it.
		VisibilityTimeoutSeconds: pulumi.Int(6 * args.Function.TimeoutSeconds),
		MessageRetentionSeconds:  pulumi.Int(queueRetentionSeconds),
		RedrivePolicy:            redrive,
		Tags:                     tags,
	}, pulumi.Parent(e))
	if err != nil {
		return fail("queue", err)
	}

	pattern, err := json.Marshal(map[string]any{"source": []string{pipeline.Source}, "detail-type": types})
	if err != nil {
		return fail("rule pattern", err)
	}
	c.Rule, err = cloudwatch.NewEventRule(ctx, base+"-rule", &cloudwatch.EventRuleArgs{
		Name:         pulumi.String(physicalName(ctx, consumerName)),
		Description:  pulumi.String("Shop events for " + consumerName),
		EventBusName: e.Bus.Name,
		EventPattern: pulumi.String(string(pattern)),
		Tags:         tags,
	}, pulumi.Parent(e.Bus))
	if err != nil {
		return fail("rule", err)
	}
	queuePolicy, err := sqs.NewQueuePolicy(ctx, base+"-queue-policy", &sqs.QueuePolicyArgs{
		QueueUrl: c.Queue.Url,
		Policy: pulumi.All(c.Queue.Arn, c.Rule.Arn).ApplyT(func(v []any) (string, error) {
			return queueSendPolicy(v[0].(string), v[1].(string))
		}).(pulumi.StringOutput),
	}, pulumi.Parent(c.Queue))
	if err != nil {
		return fail("queue policy", err)
	}
	// An event the rule cannot deliver to the queue (after EventBridge's retries) goes to the
	// consumer's DLQ rather than being dropped; only this rule may send there too.
	dlqPolicy, err := sqs.NewQueuePolicy(ctx, base+"-dlq-policy", &sqs.QueuePolicyArgs{
		QueueUrl: c.DLQ.Url,
		Policy: pulumi.All(c.DLQ.Arn, c.Rule.Arn).ApplyT(func(v []any) (string, error) {
			return queueSendPolicy(v[0].(string), v[1].(string))
		}).(pulumi.StringOutput),
	}, pulumi.Parent(c.DLQ))
	if err != nil {
		return fail("dead-letter queue policy", err)
	}
	if _, err := cloudwatch.NewEventTarget(ctx, base+"-target", &cloudwatch.EventTargetArgs{
		Rule:             c.Rule.Name,
		EventBusName:     e.Bus.Name,
		Arn:              c.Queue.Arn,
		DeadLetterConfig: &cloudwatch.EventTargetDeadLetterConfigArgs{Arn: c.DLQ.Arn},
	}, pulumi.Parent(c.Rule), pulumi.DependsOn([]pulumi.Resource{queuePolicy, dlqPolicy})); err != nil {
		return fail("target", err)
	}

	archive, err := args.Artifacts.Archive(folder)
	if err != nil {
		return fail("archive", err)
	}
	c.Function, err = NewFunction(ctx, base, &FunctionArgs{
		FunctionName:     physicalName(ctx, consumerName),
		Archive:          archive,
		Settings:         args.Function,
		LogRetentionDays: args.LogRetentionDays,
		Environment: pulumi.StringMap{
			schema.EnvVar(schema.ProcessedEvents): pulumi.String(args.Data.TableName(schema.ProcessedEvents)),
			consumer.TopicEnv:                     topic.Arn,
		},
		Permissions: []Statement{
			// GetQueueAttributes is how Lambda's poller checks the queue before it receives.
			{Sid: "ConsumeQueue", Actions: []string{"sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"}, Resources: pulumi.StringArray{c.Queue.Arn}},
			{Sid: "Publish", Actions: []string{"sns:Publish"}, Resources: pulumi.StringArray{topic.Arn}},
			{Sid: "ProcessedEvents", Actions: []string{"dynamodb:PutItem", "dynamodb:UpdateItem"}, Resources: args.Data.TableArns(schema.ProcessedEvents, args.Region, false)},
			{Sid: "TableKeys", Actions: []string{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"}, Resources: pulumi.StringArray{args.Data.Keys[args.Region].Arn}},
		},
		Tags: withService(args.Tags, consumerName),
	}, pulumi.Parent(e))
	if err != nil {
		return fail("function", err)
	}
	c.Mapping, err = lambda.NewEventSourceMapping(ctx, base+"-mapping", &lambda.EventSourceMappingArgs{
		EventSourceArn:        c.Queue.Arn,
		FunctionName:          c.Function.Arn,
		BatchSize:             pulumi.Int(consumerBatchSize),
		FunctionResponseTypes: pulumi.StringArray{pulumi.String("ReportBatchItemFailures")},
		Tags:                  withService(args.Tags, consumerName),
	}, pulumi.Parent(c.Function))
	if err != nil {
		return fail("mapping", err)
	}
	e.Consumers[consumerName] = c
	return nil
}

// queueSendPolicy lets EventBridge send to the queue only on behalf of the one rule (to a
// consumer's queue as the rule's target, to its DLQ as the target's dead-letter queue).
func queueSendPolicy(queueArn, ruleArn string) (string, error) {
	b, err := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Sid":       "OnlyItsRule",
			"Effect":    "Allow",
			"Principal": map[string]any{"Service": "events.amazonaws.com"},
			"Action":    "sqs:SendMessage",
			"Resource":  queueArn,
			"Condition": map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": ruleArn}},
		}},
	})
	return string(b), err
}

// watchQueuesAndStreams alarms on every dead-letter queue holding a message, on the ledger's
// throttles and errors, and on the publisher's iterator age, which covers both its stream
// mappings: Lambda publishes IteratorAge per function, the oldest record across its streams.
func (e *Events) watchQueuesAndStreams(ctx *pulumi.Context, name string, args *EventsArgs) error {
	dlqs := []struct {
		suffix string
		queue  *sqs.Queue
	}{{"publisher-failures", e.PublishFailures}}
	for _, c := range eventConsumers {
		dlqs = append(dlqs, struct {
			suffix string
			queue  *sqs.Queue
		}{c.name + "-dlq", e.Consumers[c.name].DLQ})
	}
	for _, d := range dlqs {
		if err := args.Alarms.Watch(ctx, name+"-"+d.suffix+"-visible", "dead-letter queue holds a message", "AWS/SQS", "ApproximateNumberOfMessagesVisible",
			pulumi.StringMap{"QueueName": d.queue.Name}, "Maximum", 1, "notBreaching"); err != nil {
			return fmt.Errorf("events %s: alarms: %w", name, err)
		}
	}
	// The ledger's throttles and errors fail the consumers' messages: alarm per operation they call.
	for _, op := range []string{"PutItem", "UpdateItem"} {
		dims := pulumi.StringMap{"TableName": e.Processed.Name, "Operation": pulumi.String(op)}
		if err := args.Alarms.Watch(ctx, name+"-processed-"+op+"-throttled", "processed-events table requests throttled", "AWS/DynamoDB", "ThrottledRequests",
			dims, "Sum", 1, "notBreaching"); err != nil {
			return fmt.Errorf("events %s: alarms: %w", name, err)
		}
		if err := args.Alarms.Watch(ctx, name+"-processed-"+op+"-system-errors", "processed-events table system errors", "AWS/DynamoDB", "SystemErrors",
			dims, "Sum", 1, "notBreaching"); err != nil {
			return fmt.Errorf("events %s: alarms: %w", name, err)
		}
	}
	if err := args.Alarms.Watch(ctx, name+"-publisher-iterator-age", "publisher lags its streams", "AWS/Lambda", "IteratorAge",
		pulumi.StringMap{"FunctionName": e.Publisher.Name}, "Maximum", float64(args.Settings.IteratorAgeAlarmMs), "notBreaching"); err != nil {
		return fmt.Errorf("events %s: alarms: %w", name, err)
	}
	return nil
}

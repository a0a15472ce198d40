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

	"shopstack/contract"
	"shopstack/contract/schema"
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
	Alarms           *AlarmSpec // the region's: the pipeline declares the alarms on what it owns
	Tags             pulumi.StringMap
}

// Events is the event pipeline: the bus and its archive, the publisher on the orders and products
// streams, and per consumer a rule, a queue with its dead-letter queue, the function and its topic.
type Events struct {
	pulumi.ResourceState
	former formerPipeline // its resources' names before the data-region layout

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

// eventsType is the pipeline component's type token.
const eventsType = "shopstack:events:Events"

// publisher is the function folder (and logical name) of the stream publisher.
const publisher = "publisher"

// pipelineFunctions are the logical names of the pipeline's functions (the AWS names derive from
// them): the publisher, then each consumer.
func pipelineFunctions() []string {
	names := []string{publisher}
	for _, c := range contract.Consumers {
		names = append(names, c.Name)
	}
	return names
}

// NewEvents declares one region's event pipeline. opts must carry the region's provider.
func NewEvents(ctx *pulumi.Context, name string, args *EventsArgs, opts ...pulumi.ResourceOption) (*Events, error) {
	e := &Events{StreamMappings: map[string]*lambda.EventSourceMapping{}, Consumers: map[string]*EventConsumer{}}
	if err := ctx.RegisterComponentResource(eventsType, name, e, opts...); err != nil {
		return nil, err
	}
	tags := withService(args.Tags, eventsService)
	parent := pulumi.Parent(e)
	var err error

	e.Bus, err = cloudwatch.NewEventBus(ctx, name+"-bus", &cloudwatch.EventBusArgs{
		Name: pulumi.String(physicalName(ctx, "events")),
		Tags: tags,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("events %s: bus: %w", name, err)
	}
	e.former = formerPipeline{current: name, writer: args.Active}
	e.Archive, err = cloudwatch.NewEventArchive(ctx, name+"-archive", &cloudwatch.EventArchiveArgs{
		Name:           pulumi.String(physicalName(ctx, "events")),
		Description:    pulumi.String("Every shop event, for replay after an incident"),
		EventSourceArn: e.Bus.Arn,
		RetentionDays:  pulumi.Int(args.Settings.ArchiveRetentionDays),
	}, pulumi.Parent(e.Bus), e.former.alias(name+"-archive"))
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
	topics := map[string]*sns.Topic{contract.CustomerTopic: e.CustomerTopic, contract.AdminTopic: e.AdminTopic}
	for _, c := range contract.Consumers {
		consumer, err := NewEventConsumer(ctx, name+"-"+c.Name, e, &EventConsumerArgs{
			Name: c.Name, Types: c.Types, Bus: e.Bus, Topic: topics[c.Topic],
			Region: args.Region, MaxReceiveCount: args.Settings.MaxReceiveCount, Function: args.Function,
			LogRetentionDays: args.LogRetentionDays, Artifacts: args.Artifacts, Data: args.Data, Alarms: args.Alarms, Tags: args.Tags,
			Former: e.former,
		})
		if err != nil {
			return nil, fmt.Errorf("events %s: %w", name, err)
		}
		e.Consumers[c.Name] = consumer
	}
	if err := args.Alarms.Declare(ctx, e, e.alarms(name, args)); err != nil {
		return nil, fmt.Errorf("events %s: alarms: %w", name, err)
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
	e.PublishFailures, err = newQueue(ctx, name+"-publisher-failures", &sqs.QueueArgs{
		Name:                    pulumi.String(physicalName(ctx, "publisher-failures")),
		MessageRetentionSeconds: pulumi.Int(dlqRetentionSeconds),
		Tags:                    tags,
	}, pulumi.Parent(e))
	if err != nil {
		return fmt.Errorf("events %s: publisher failures queue: %w", name, err)
	}
	archive, err := args.Artifacts.Archive(publisher)
	if err != nil {
		return fmt.Errorf("events %s: %w", name, err)
	}
	var streams pulumi.StringArray
	env := args.Data.Environment(streamTables...)
	env[contract.EventBusEnv] = e.Bus.Name
	env[schema.FailuresQueueEnv] = e.PublishFailures.Url
	for _, table := range streamTables {
		// The streams of the table's copy in this region, by the table's ARN: a replica's stream
		// ARN is only known once every replica is, so naming it would redraw the policy whenever a
		// region is added.
		streams = append(streams, pulumi.Sprintf("%s/stream/*", args.Data.TableArns(table, args.Region, false)[0]))
	}
	e.Publisher, err = NewFunction(ctx, name+"-"+publisher, &FunctionArgs{
		FunctionName:     physicalName(ctx, publisher),
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
		FormerName: e.former.name(name + "-" + publisher),
		Tags:       withService(args.Tags, publisher),
		Alarms:     args.Alarms,
	}, pulumi.Parent(e))
	if err != nil {
		return fmt.Errorf("events %s: %w", name, err)
	}
	for _, table := range streamTables {
		if e.StreamMappings[table], err = e.streamMapping(ctx, name, table, args); err != nil {
			return err
		}
	}
	return nil
}

// streamMapping has the publisher read the stream of the table's copy in this region: only the
// records the publisher needs (streamFilters), in order per shard, batches split on failure, and
// what still fails after the retries described on the on-failure queue.
func (e *Events) streamMapping(ctx *pulumi.Context, name, table string, args *EventsArgs) (*lambda.EventSourceMapping, error) {
	var filters lambda.EventSourceMappingFilterCriteriaFilterArray
	for _, f := range streamFilters[table] {
		filters = append(filters, lambda.EventSourceMappingFilterCriteriaFilterArgs{Pattern: pulumi.String(f)})
	}
	// The stream ARN of a replica is unknown in a preview whenever any replica changes (the
	// table's replicas are one output), and eventSourceArn replaces a mapping: a region added
	// elsewhere would plan to replace this one. The copy's stream changes only when the copy is
	// recreated, and that happens only with this region's pipeline.
	opts := []pulumi.ResourceOption{pulumi.Parent(e.Publisher), pulumi.IgnoreChanges([]string{"eventSourceArn"}),
		e.former.alias(name + "-" + table + "-stream")}
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
		Tags: withService(args.Tags, publisher),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("events %s: %s stream mapping: %w", name, table, err)
	}
	return m, nil
}

// topics declares the customer-notification and admin topics. Both are encrypted with the
// AWS-managed SNS key: order notifications carry customer data.
func (e *Events) topics(ctx *pulumi.Context, name string, args *EventsArgs, tags pulumi.StringMap) error {
	topic := func(suffix, physical string) (*sns.Topic, error) {
		return sns.NewTopic(ctx, name+"-"+suffix, &sns.TopicArgs{
			Name:           pulumi.String(physicalName(ctx, physical)),
			KmsMasterKeyId: pulumi.String("alias/aws/sns"),
			Tags:           tags,
		}, pulumi.Parent(e))
	}
	var err error
	if e.CustomerTopic, err = topic("customer-topic", contract.CustomerTopic); err != nil {
		return fmt.Errorf("events %s: customer topic: %w", name, err)
	}
	if e.AdminTopic, err = topic("admin-topic", contract.AdminTopic); err != nil {
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

// alarms are the pipeline's own: its on-failure queue holding a message, the ledger's throttles
// and errors, and the publisher's iterator age, which covers both its stream mappings: Lambda
// publishes IteratorAge per function, the oldest record across its streams.
func (e *Events) alarms(name string, args *EventsArgs) []Alarm {
	alarms := []Alarm{deadLetterAlarm(name+"-publisher-failures-visible", e.PublishFailures)}
	// The ledger's throttles and errors fail the consumers' messages: alarm per operation they call.
	for _, op := range []string{"PutItem", "UpdateItem"} {
		dims := []pulumi.StringMap{{"TableName": e.Processed.Name, "Operation": pulumi.String(op)}}
		alarms = append(alarms,
			Alarm{Name: name + "-processed-" + op + "-throttled", Description: "processed-events table requests throttled",
				Namespace: "AWS/DynamoDB", Metric: "ThrottledRequests", Dimensions: dims, Statistic: "Sum", Threshold: 1, Missing: "notBreaching"},
			Alarm{Name: name + "-processed-" + op + "-system-errors", Description: "processed-events table system errors",
				Namespace: "AWS/DynamoDB", Metric: "SystemErrors", Dimensions: dims, Statistic: "Sum", Threshold: 1, Missing: "notBreaching"})
	}
	return append(alarms, Alarm{Name: name + "-publisher-iterator-age", Description: "publisher lags its streams", Namespace: "AWS/Lambda",
		Metric: "IteratorAge", Dimensions: []pulumi.StringMap{{"FunctionName": e.Publisher.Name}},
		Statistic: "Maximum", Threshold: float64(args.Settings.IteratorAgeAlarmMs), Missing: "notBreaching"})
}

// deadLetterAlarm fires when a dead-letter queue holds a message.
func deadLetterAlarm(name string, queue *sqs.Queue) Alarm {
	return Alarm{Name: name, Description: "dead-letter queue holds a message", Namespace: "AWS/SQS", Metric: "ApproximateNumberOfMessagesVisible",
		Dimensions: []pulumi.StringMap{{"QueueName": queue.Name}}, Statistic: "Maximum", Threshold: 1, Missing: "notBreaching"}
}

// newQueue declares a queue encrypted with SQS-managed keys: every queue of the pipeline is.
func newQueue(ctx *pulumi.Context, name string, args *sqs.QueueArgs, opts ...pulumi.ResourceOption) (*sqs.Queue, error) {
	args.SqsManagedSseEnabled = pulumi.Bool(true)
	return sqs.NewQueue(ctx, name, args, opts...)
}

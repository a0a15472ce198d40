package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"shopstack/contract"
	"shopstack/contract/schema"
	"shopstack/dev/dynamolocal"
	"shopstack/functions/lib/consumer"
	"shopstack/functions/lib/pipeline"
	"shopstack/functions/lib/stream"
)

const (
	// PollInterval is how often the local pipeline reads the tables' streams.
	PollInterval = 200 * time.Millisecond
	// streamRetries is how often a failing stream batch is retried before its failed record is
	// dropped and logged, as the stack's mapping sends it to its on-failure queue.
	streamRetries = 3
	// maxReceives is how often a consumer gets a message before it is dropped and logged, as its
	// queue would move it to the dead-letter queue.
	maxReceives = 3
	// consumerTimeout is a consumer invocation's time, and so how long its claim on an event
	// lasts; redeliverAfter is how long a failed message stays invisible before its next
	// receive. They are the stack's function timeout and queue visibility timeout (6 × the
	// timeout), shortened so that make dev stays lively, and in the same order: a claim has
	// expired when its message comes back. A consumer's table unreachable for a few seconds
	// loses nothing.
	consumerTimeout = 3 * time.Second
	redeliverAfter  = 4 * time.Second
)

// Pipeline is the event pipeline in-process: it reads the orders and products tables' streams
// from DynamoDB Local, runs the publisher (stream.Publisher) on the records, and an in-memory bus
// hands each event to the consumers (consumer.Handler over the processed-events ledger) as SQS
// would. Their notifications are not sent but logged as JSON lines with "msg":"notification".
type Pipeline struct {
	cancel context.CancelFunc
	done   chan struct{}
	bus    *memoryBus
}

// StartPipeline starts the pipeline over the tables (logical -> physical names) of the DynamoDB
// Local that c talks to; their streams must be enabled (EnsureTables does). Stop ends it.
func StartPipeline(c *dynamodb.Client, tables map[string]string, log *slog.Logger) (*Pipeline, error) {
	ctx := context.Background()
	opts := c.Options()
	streams := dynamodbstreams.New(dynamodbstreams.Options{Region: opts.Region, BaseEndpoint: opts.BaseEndpoint, Credentials: opts.Credentials})
	var readers []*dynamolocal.StreamReader
	for _, logical := range []string{schema.Orders, schema.Products} {
		out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(tables[logical])})
		if err != nil {
			return nil, fmt.Errorf("pipeline: %w", err)
		}
		if out.Table.LatestStreamArn == nil {
			return nil, fmt.Errorf("pipeline: table %s has no stream", tables[logical])
		}
		readers = append(readers, dynamolocal.NewStreamReader(streams, aws.ToString(out.Table.LatestStreamArn)))
	}
	bus := &memoryBus{log: log.With("function", "bus"), stopping: make(chan struct{})}
	for _, lc := range contract.Consumers {
		bus.consumers = append(bus.consumers, subscriber{types: lc.Types, handler: &consumer.Handler{
			Consumer: &pipeline.Consumer{
				Name:     lc.Name,
				Ledger:   &consumer.Ledger{Client: c, Table: tables[schema.ProcessedEvents], Now: time.Now},
				Notifier: &logNotifier{log: log.With("function", lc.Name), topic: lc.Topic},
				Render:   pipeline.Renders[lc.Name],
			},
			Log:   log.With("function", lc.Name),
			Lease: consumerTimeout,
		}})
	}
	publisher := &stream.Publisher{Bus: bus, BusName: "local", Orders: tables[schema.Orders], Products: tables[schema.Products],
		Parking: &logParking{log: log.With("function", "publisher-failures")}, Log: log.With("function", "publisher")}
	ctx, cancel := context.WithCancel(ctx)
	p := &Pipeline{cancel: cancel, done: make(chan struct{}), bus: bus}
	go func() {
		defer close(p.done)
		p.run(ctx, readers, publisher, log.With("function", "publisher"))
	}()
	return p, nil
}

// Stop ends the pipeline after the poll in progress, if any, and waits for it and for the
// deliveries in progress; messages waiting to be received again are left, as in a queue.
func (p *Pipeline) Stop() {
	p.cancel()
	<-p.done
	close(p.bus.stopping)
	p.bus.deliveries.Wait()
}

// run polls every stream until ctx ends. A poll is never cut short: its batches finish first.
func (p *Pipeline) run(ctx context.Context, readers []*dynamolocal.StreamReader, publisher *stream.Publisher, log *slog.Logger) {
	batches := make([]batch, len(readers))
	tick := time.NewTicker(PollInterval)
	defer tick.Stop()
	work := context.WithoutCancel(ctx)
	for {
		for i, r := range readers {
			batches[i].poll(work, r, publisher, log)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// batch is one stream's records not yet published, and how often the first has failed.
type batch struct {
	records  []events.DynamoDBEventRecord
	attempts int
}

// poll reads what the stream holds since the last poll and publishes it with what is left of the
// last batch, as Lambda does: a reported failure is retried from that record.
func (b *batch) poll(ctx context.Context, r *dynamolocal.StreamReader, publisher *stream.Publisher, log *slog.Logger) {
	records, err := r.Read(ctx)
	b.records = append(b.records, records...)
	if err != nil {
		log.Error("read stream", "error", err.Error())
	}
	if len(b.records) == 0 {
		return
	}
	resp, _ := publisher.Handle(ctx, events.DynamoDBEvent{Records: b.records}) // it never returns an error
	if len(resp.BatchItemFailures) == 0 {
		b.records, b.attempts = nil, 0
		return
	}
	failed := slices.IndexFunc(b.records, func(rec events.DynamoDBEventRecord) bool {
		return rec.Change.SequenceNumber == resp.BatchItemFailures[0].ItemIdentifier
	})
	if failed < 0 {
		failed = 0
	}
	b.records, b.attempts = b.records[failed:], b.attempts+1
	if b.attempts > streamRetries {
		log.Error("stream record dropped after retries", "sequenceNumber", b.records[0].Change.SequenceNumber, "attempts", b.attempts)
		b.records, b.attempts = b.records[1:], 0
	}
}

// subscriber is a consumer on the in-memory bus and the event types it receives.
type subscriber struct {
	types   []string
	handler *consumer.Handler
}

// memoryBus is stream.Bus without EventBridge and SQS: each event is wrapped as EventBridge
// would and handed at once, as an SQS message, to every consumer whose types include it; a
// message the consumer fails comes back after redeliverAfter, as from a queue.
type memoryBus struct {
	consumers  []subscriber
	log        *slog.Logger
	seq        atomic.Int64
	stopping   chan struct{}
	deliveries sync.WaitGroup
}

var _ stream.Bus = (*memoryBus)(nil)

// PutEvents implements stream.Bus; it accepts every entry, as EventBridge does once the event is
// on the bus, whatever the consumers then make of it.
func (b *memoryBus) PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	out := &eventbridge.PutEventsOutput{}
	for _, e := range in.Entries {
		id := "local-" + strconv.FormatInt(b.seq.Add(1), 10)
		body, err := json.Marshal(map[string]any{
			"version": "0", "id": id, "detail-type": aws.ToString(e.DetailType), "source": aws.ToString(e.Source),
			"account": "000000000000", "time": aws.ToTime(e.Time).UTC().Format(time.RFC3339), "region": Stage,
			"resources": []string{}, "detail": json.RawMessage(aws.ToString(e.Detail)),
		})
		if err != nil {
			out.FailedEntryCount++
			out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{ErrorCode: aws.String("MalformedDetail"), ErrorMessage: aws.String(err.Error())})
			continue
		}
		out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{EventId: aws.String(id)})
		for _, s := range b.consumers {
			if slices.Contains(s.types, aws.ToString(e.DetailType)) {
				m := events.SQSMessage{MessageId: id, Body: string(body), EventSource: "aws:sqs"}
				b.deliveries.Go(func() { b.deliver(ctx, s, m) })
			}
		}
	}
	return out, nil
}

// deliver gives a consumer the message until it succeeds or has had it maxReceives times,
// redeliverAfter apart.
func (b *memoryBus) deliver(ctx context.Context, s subscriber, m events.SQSMessage) {
	for receive := 1; ; receive++ {
		invocation, cancel := context.WithTimeout(ctx, consumerTimeout)
		resp, err := s.handler.Handle(invocation, events.SQSEvent{Records: []events.SQSMessage{m}})
		cancel()
		if err == nil && len(resp.BatchItemFailures) == 0 {
			return
		}
		if receive == maxReceives {
			break
		}
		select {
		case <-b.stopping:
			b.log.Warn("message left in the queue at stop", "consumer", s.handler.Consumer.Name, "messageId", m.MessageId, "receives", receive)
			return
		case <-time.After(redeliverAfter):
		}
	}
	b.log.Error("message dropped after receives", "consumer", s.handler.Consumer.Name, "messageId", m.MessageId, "receives", maxReceives)
}

// logParking is stream.Parking on the log: what the publisher would send to its failure queue,
// as one JSON line with "msg":"parked" and the message as the queue would hold it.
type logParking struct{ log *slog.Logger }

func (l *logParking) Park(ctx context.Context, p stream.Parked) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	l.log.WarnContext(ctx, "parked", "message", json.RawMessage(b))
	return nil
}

// checkSubject refuses what SNS's Publish refuses in a subject (API reference,
// PublishInput.Subject: "UTF-8 text with no line breaks or control characters, and less than
// 100 characters long"). Whether SNS counts characters or bytes is not stated; this counts
// bytes, the stricter reading, so the stand-in is never kinder than SNS.
func checkSubject(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("InvalidParameter: subject %q is not valid UTF-8", s)
	}
	if s == "" || len(s) >= 100 {
		return fmt.Errorf("InvalidParameter: subject %q must be 1 to 99 characters", s)
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return fmt.Errorf("InvalidParameter: subject %q holds a line break or control character (%U)", s, r)
		}
	}
	return nil
}

// logNotifier is pipeline.Notifier on the log: what the consumer would publish to its SNS topic,
// as one JSON line with "msg":"notification" and the order or product it is about.
type logNotifier struct {
	log   *slog.Logger
	topic string
}

var _ pipeline.Notifier = (*logNotifier)(nil)

// Notify implements pipeline.Notifier.
func (n *logNotifier) Notify(ctx context.Context, m pipeline.Message) error {
	var body struct {
		Type   string `json:"type"`
		Detail struct {
			OrderID   string `json:"orderId"`
			ProductID string `json:"productId"`
		} `json:"detail"`
	}
	if err := json.Unmarshal([]byte(m.Body), &body); err != nil {
		return errors.Join(errors.New("notification body is not JSON"), err)
	}
	if err := checkSubject(m.Subject); err != nil {
		return err
	}
	attrs := []any{"topic", n.topic, "eventType", body.Type, "subject", m.Subject, "attributes", m.Attributes}
	if body.Detail.OrderID != "" {
		attrs = append(attrs, "orderId", body.Detail.OrderID)
	}
	if body.Detail.ProductID != "" {
		attrs = append(attrs, "productId", body.Detail.ProductID)
	}
	n.log.InfoContext(ctx, "notification", append(attrs, "message", json.RawMessage(m.Body))...)
	return nil
}

// Package consumer is the adapter shared by the event pipeline's SQS consumers: it decodes the
// EventBridge events SQS delivers, keeps the ledger of handled events in DynamoDB and publishes
// to SNS. The handling itself is pipeline.Consumer.
package consumer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"shopstack/contract"
	"shopstack/contract/schema"
	"shopstack/functions/lib/awsenv"
	"shopstack/functions/lib/pipeline"
)

// TopicEnv names the environment variable carrying the ARN of the consumer's topic.
const TopicEnv = contract.TopicEnv

// Handler consumes batches of SQS messages whose bodies are EventBridge events.
type Handler struct {
	Consumer *pipeline.Consumer
	Log      *slog.Logger
	// Lease is how long a claim lasts when the context has no deadline (outside Lambda).
	Lease time.Duration
}

// envelope is the part of an EventBridge event a consumer reads.
type envelope struct {
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Detail     json.RawMessage `json:"detail"`
}

// Handle processes every message and reports exactly the ones that failed, so SQS redelivers
// only those (not one that was notified but could not be marked done: redelivered, it would be
// notified twice); a message that keeps failing (a poisoned one) reaches the dead-letter queue after
// the queue's receive limit.
func (h *Handler) Handle(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error) {
	until, ok := ctx.Deadline()
	if !ok {
		until = time.Now().Add(h.Lease)
	}
	var resp events.SQSEventResponse
	for _, m := range batch.Records {
		err := h.handle(ctx, m, until)
		if errors.Is(err, pipeline.ErrNotMarkedDone) {
			// Redelivering it would notify it again once the claim expires: SQS may delete it.
			h.Log.Error("message notified but not marked done; not retried", "consumer", h.Consumer.Name, "messageId", m.MessageId, "error", err.Error())
			continue
		}
		if err != nil {
			h.Log.Error("message failed", "consumer", h.Consumer.Name, "messageId", m.MessageId, "invalid", pipeline.IsInvalid(err), "error", err.Error())
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
	return resp, nil
}

func (h *Handler) handle(ctx context.Context, m events.SQSMessage, until time.Time) error {
	var env envelope
	if err := json.Unmarshal([]byte(m.Body), &env); err != nil {
		return &pipeline.ErrInvalid{Reason: "body is not an EventBridge event: " + err.Error()}
	}
	if env.Source != pipeline.Source {
		return &pipeline.ErrInvalid{Reason: fmt.Sprintf("source %q is not %s", env.Source, pipeline.Source)}
	}
	ev, err := pipeline.Decode(env.DetailType, env.Detail)
	if err != nil {
		return err
	}
	outcome, err := h.Consumer.Handle(ctx, ev, until)
	if err != nil {
		return err
	}
	h.Log.Info("event", "consumer", h.Consumer.Name, "type", ev.Type, "eventId", ev.ID(), "outcome", [...]string{"notified", "duplicate", "ignored"}[outcome])
	return nil
}

// Open builds a consumer's handler from its environment (the processed-events table and the
// topic) and the AWS configuration Lambda sets (package awsenv).
func Open(ctx context.Context, name string, render pipeline.Render, log *slog.Logger) (*Handler, error) {
	tableEnv := schema.EnvVar(schema.ProcessedEvents)
	table, topic := os.Getenv(tableEnv), os.Getenv(TopicEnv)
	var missing []string
	for env, v := range map[string]string{tableEnv: table, TopicEnv: topic} {
		if v == "" {
			missing = append(missing, env)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("open %s: environment variables not set: %s", name, strings.Join(missing, ", "))
	}
	dynamoCfg, err := awsenv.Config("DynamoDB")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	snsCfg, err := awsenv.Config("SNS")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	return &Handler{
		Consumer: &pipeline.Consumer{
			Name:     name,
			Ledger:   &Ledger{Client: dynamodb.NewFromConfig(dynamoCfg), Table: table, Now: time.Now},
			Notifier: &Topic{Client: sns.NewFromConfig(snsCfg), Arn: topic},
			Render:   render,
		},
		Log:   log,
		Lease: 30 * time.Second,
	}, nil
}

// Lambda runs the consumer name (of contract.Consumers) as a Lambda function until the runtime
// stops. A consumer that cannot start (missing environment, bad AWS config) logs why as JSON and
// exits, so Lambda reports an init error.
func Lambda(name string) {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	render, ok := pipeline.Renders[name]
	if !ok {
		log.Error("start "+name, "error", "no consumer of that name in pipeline.Renders")
		os.Exit(1)
	}
	h, err := Open(context.Background(), name, render, log)
	if err != nil {
		log.Error("start "+name, "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

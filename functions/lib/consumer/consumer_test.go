package consumer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/contract/schema"
	"shopstack/dev/dynamolocal"
	"shopstack/functions/lib/consumer"
	"shopstack/functions/lib/pipeline"
)

func TestMain(m *testing.M) { dynamolocal.Main(m) }

// fakeSNS records every publish; failNext makes the next n publishes fail.
type fakeSNS struct {
	mu        sync.Mutex
	published []*sns.PublishInput
	failNext  int
}

func (f *fakeSNS) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failNext > 0 {
		f.failNext--
		return nil, errors.New("sns unavailable")
	}
	f.published = append(f.published, in)
	return &sns.PublishOutput{MessageId: aws.String(fmt.Sprint(len(f.published)))}, nil
}

func (f *fakeSNS) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.published)
}

var tableSeq atomic.Int64

// ledgerTable creates the processed-events table from the schema in DynamoDB Local.
func ledgerTable(t *testing.T, c *dynamodb.Client) string {
	t.Helper()
	tb := schema.EventTables()[0]
	name := fmt.Sprintf("consumer-%d-%s", tableSeq.Add(1), tb.Name)
	_, err := c.CreateTable(context.Background(), dynamolocal.CreateTableInput(tb, name))
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = c.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	return name
}

type fixture struct {
	handler *consumer.Handler
	topic   *fakeSNS
	now     time.Time
	logs    *bytes.Buffer
}

func newFixture(t *testing.T, name string, render pipeline.Render) *fixture {
	c := dynamolocal.Client(t)
	f := &fixture{topic: &fakeSNS{}, now: time.Now().UTC(), logs: &bytes.Buffer{}}
	f.handler = &consumer.Handler{
		Consumer: &pipeline.Consumer{
			Name:     name,
			Ledger:   &consumer.Ledger{Client: c, Table: ledgerTable(t, c), Now: func() time.Time { return f.now }},
			Notifier: &consumer.Topic{Client: f.topic, Arn: "arn:aws:sns:us-east-1:1:topic"},
			Render:   render,
		},
		Log:   slog.New(slog.NewJSONHandler(f.logs, nil)),
		Lease: 30 * time.Second,
	}
	return f
}

// handle runs one batch with an invocation deadline a lease after the fixture's clock.
func (f *fixture) handle(t *testing.T, msgs ...events.SQSMessage) []string {
	t.Helper()
	ctx, cancel := context.WithDeadline(context.Background(), f.now.Add(f.handler.Lease))
	defer cancel()
	resp, err := f.handler.Handle(ctx, events.SQSEvent{Records: msgs})
	require.NoError(t, err)
	var failed []string
	for _, x := range resp.BatchItemFailures {
		failed = append(failed, x.ItemIdentifier)
	}
	return failed
}

// message is an SQS message carrying an EventBridge event, as the rule's target delivers it.
func message(t *testing.T, id string, typ string, detail any) events.SQSMessage {
	t.Helper()
	body, err := json.Marshal(map[string]any{
		"version": "0", "id": "eb-" + id, "detail-type": typ, "source": pipeline.Source,
		"account": "123456789012", "time": "2026-11-24T12:00:00Z", "region": "us-east-1", "resources": []string{}, "detail": detail,
	})
	require.NoError(t, err)
	return events.SQSMessage{MessageId: id, Body: string(body)}
}

func placed(eventID, orderID string) *pipeline.OrderPlaced {
	return &pipeline.OrderPlaced{EventID: eventID, OrderID: orderID, CustomerID: "alice-sub",
		Total: pipeline.Amount{Amount: 7500, Currency: "EUR"}, PlacedAt: time.Date(2026, 11, 24, 11, 59, 0, 0, time.UTC)}
}

func TestSameEventTwiceNotifiesOnce(t *testing.T) {
	f := newFixture(t, "notifications", pipeline.CustomerNotification)
	ev := placed("e1", "o1")

	assert.Empty(t, f.handle(t, message(t, "m1", pipeline.TypeOrderPlaced, ev)))
	// SQS delivers the same event again (at-least-once), and the publisher's retry publishes it a
	// second time under a new message id: neither sends a second notification.
	assert.Empty(t, f.handle(t, message(t, "m1", pipeline.TypeOrderPlaced, ev)))
	assert.Empty(t, f.handle(t, message(t, "m2", pipeline.TypeOrderPlaced, ev), message(t, "m3", pipeline.TypeOrderPlaced, ev)))
	require.Equal(t, 1, f.topic.count(), "one notification for one event")

	p := f.topic.published[0]
	assert.Equal(t, "Order o1 confirmed", aws.ToString(p.Subject))
	assert.Equal(t, "alice-sub", aws.ToString(p.MessageAttributes["customerId"].StringValue))
	assert.Equal(t, pipeline.TypeOrderPlaced, aws.ToString(p.MessageAttributes["eventType"].StringValue))
	var body map[string]any
	require.NoError(t, json.Unmarshal([]byte(aws.ToString(p.Message)), &body))
	assert.Equal(t, "o1", body["detail"].(map[string]any)["orderId"])

	// Another event is another notification.
	assert.Empty(t, f.handle(t, message(t, "m4", pipeline.TypeOrderPlaced, placed("e2", "o2"))))
	assert.Equal(t, 2, f.topic.count())
}

func TestConcurrentDeliveriesNotifyOnce(t *testing.T) {
	f := newFixture(t, "notifications", pipeline.CustomerNotification)
	ev := placed("e1", "o1")
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed []string
	)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got := f.handle(t, message(t, fmt.Sprintf("m%d", i), pipeline.TypeOrderPlaced, ev))
			mu.Lock()
			failed = append(failed, got...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	assert.Equal(t, 1, f.topic.count(), "the conditional write lets one delivery through")
	// Copies that met the claim in flight were reported failed; redelivered, they are duplicates.
	for _, id := range failed {
		assert.Empty(t, f.handle(t, message(t, id, pipeline.TypeOrderPlaced, ev)))
	}
	assert.Equal(t, 1, f.topic.count())
}

func TestPoisonedMessageIsTheOnlyFailure(t *testing.T) {
	f := newFixture(t, "notifications", pipeline.CustomerNotification)
	batch := []events.SQSMessage{
		message(t, "ok-1", pipeline.TypeOrderPlaced, placed("e1", "o1")),
		message(t, "poison", pipeline.TypeOrderPlaced, map[string]any{"orderId": "o2"}), // no eventId
		message(t, "ok-2", pipeline.TypeOrderCancelled, &pipeline.OrderCancelled{EventID: "e3", OrderID: "o1", CustomerID: "alice-sub"}),
	}
	assert.Equal(t, []string{"poison"}, f.handle(t, batch...))
	assert.Equal(t, 2, f.topic.count(), "the good messages of the batch were handled")

	for name, body := range map[string]string{
		"not json":          "{",
		"another source":    `{"source":"aws.s3","detail-type":"OrderPlaced","detail":{"eventId":"x"}}`,
		"unknown type":      `{"source":"shopstack.shop","detail-type":"OrderShipped","detail":{"eventId":"x"}}`,
		"detail wrong type": `{"source":"shopstack.shop","detail-type":"OrderPlaced","detail":{"eventId":"x","total":"lots"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, []string{"bad"}, f.handle(t, events.SQSMessage{MessageId: "bad", Body: body},
				message(t, "good", pipeline.TypeOrderPlaced, placed("e-"+name, "o-"+name))))
		})
	}
}

// TestFailedNotificationIsRetried: a notification that fails is reported, and once the failed
// invocation's claim has expired the redelivery sends it: nothing is lost.
func TestFailedNotificationIsRetried(t *testing.T) {
	f := newFixture(t, "notifications", pipeline.CustomerNotification)
	msg := message(t, "m1", pipeline.TypeOrderPlaced, placed("e1", "o1"))
	f.topic.failNext = 1
	assert.Equal(t, []string{"m1"}, f.handle(t, msg))
	assert.Equal(t, 0, f.topic.count())

	// A copy delivered while the failed invocation's claim still holds is reported as failed, not
	// dropped: it stays in the queue and comes back.
	f.now = f.now.Add(5 * time.Second)
	copy := message(t, "m1-copy", pipeline.TypeOrderPlaced, placed("e1", "o1"))
	assert.Equal(t, []string{"m1-copy"}, f.handle(t, copy), "in flight elsewhere: retried later")
	assert.Equal(t, 0, f.topic.count())

	f.now = f.now.Add(time.Minute) // past the first claim's deadline
	assert.Empty(t, f.handle(t, msg))
	assert.Equal(t, 1, f.topic.count(), "the retry after the claim expired notified")
	assert.Empty(t, f.handle(t, msg), "done: a duplicate")
	assert.Empty(t, f.handle(t, copy), "done: the copy is a duplicate")
	assert.Equal(t, 1, f.topic.count(), "and it is done")
}

func TestStockAlertsIgnoreOrders(t *testing.T) {
	f := newFixture(t, "stock-alerts", pipeline.StockAlert)
	low := &pipeline.StockLow{EventID: "s1", ProductID: "p1", Name: "Teapot", Stock: 4, Threshold: 5}
	assert.Empty(t, f.handle(t,
		message(t, "m1", pipeline.TypeStockLow, low),
		message(t, "m2", pipeline.TypeStockLow, low),
		message(t, "m3", pipeline.TypeOrderPlaced, placed("e1", "o1")),
	))
	require.Equal(t, 1, f.topic.count(), "logs: %s", f.logs)
	assert.Equal(t, "Low stock: Teapot (p1) has 4 left, threshold 5", aws.ToString(f.topic.published[0].Subject))
}

// FuzzHandle: any message body is either handled or reported as that message's failure.
func FuzzHandle(f *testing.F) {
	f.Add(`{"source":"shopstack.shop","detail-type":"OrderPlaced","detail":{"eventId":"x","orderId":"o"}}`)
	f.Add(`{"source":"shopstack.shop","detail-type":"StockLow","detail":{"eventId":"y","stock":-1}}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, body string) {
		h := &consumer.Handler{
			Consumer: &pipeline.Consumer{Name: "fuzz", Ledger: memLedger{}, Notifier: &consumer.Topic{Client: &fakeSNS{}}, Render: pipeline.CustomerNotification},
			Log:      slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil)),
			Lease:    time.Second,
		}
		resp, err := h.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m", Body: body}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.BatchItemFailures) > 1 || len(resp.BatchItemFailures) == 1 && resp.BatchItemFailures[0].ItemIdentifier != "m" {
			t.Fatalf("failures %v", resp.BatchItemFailures)
		}
	})
}

type memLedger struct{}

func (memLedger) Claim(context.Context, string, time.Time) (pipeline.Claim, error) {
	return pipeline.Claimed, nil
}
func (memLedger) Done(context.Context, string) error      { return nil }
func (memLedger) Supersede(context.Context, string) error { return nil }

// TestCancelledBeforePlacedNotifiesOnlyTheCancellation: consumer queues are standard SQS and
// the publisher may park an event to republish it later, so an order's OrderCancelled can
// arrive before its OrderPlaced. The customer hears of the cancellation only: a confirmation
// after it would say the opposite of the truth. In order, both are notified.
func TestCancelledBeforePlacedNotifiesOnlyTheCancellation(t *testing.T) {
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	image := func(id, status string) *pipeline.OrderImage {
		return &pipeline.OrderImage{ID: id, OwnerID: "alice-sub", Status: status, Total: pipeline.Amount{Amount: 7500, Currency: "EUR"}, CreatedAt: at, UpdatedAt: at}
	}
	events := func(id string) (placed, cancelled pipeline.Event) {
		p := pipeline.OrderEvents(nil, image(id, "placed"))
		c := pipeline.OrderEvents(image(id, "placed"), image(id, "cancelled"))
		require.Len(t, p, 1)
		require.Len(t, c, 1)
		return p[0], c[0]
	}
	f := newFixture(t, "notifications", pipeline.CustomerNotification)

	placedEv, cancelledEv := events("o1")
	assert.Empty(t, f.handle(t, message(t, "m1", cancelledEv.Type, cancelledEv.Detail)))
	assert.Empty(t, f.handle(t, message(t, "m2", placedEv.Type, placedEv.Detail)))
	assert.Empty(t, f.handle(t, message(t, "m3", cancelledEv.Type, cancelledEv.Detail)), "a redelivery")
	var subjects []string
	for _, p := range f.topic.published {
		subjects = append(subjects, aws.ToString(p.Subject))
	}
	assert.Equal(t, []string{"Order o1 cancelled"}, subjects)

	placedEv, cancelledEv = events("o2")
	assert.Empty(t, f.handle(t, message(t, "m4", placedEv.Type, placedEv.Detail)))
	assert.Empty(t, f.handle(t, message(t, "m5", cancelledEv.Type, cancelledEv.Detail)))
	subjects = subjects[:0]
	for _, p := range f.topic.published[1:] {
		subjects = append(subjects, aws.ToString(p.Subject))
	}
	assert.Equal(t, []string{"Order o2 confirmed", "Order o2 cancelled"}, subjects)
}

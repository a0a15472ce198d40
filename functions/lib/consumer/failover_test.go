package consumer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/dev/dynamolocal"
	"shopstack/functions/lib/consumer"
	"shopstack/functions/lib/pipeline"
)

// regionPipeline is one region's consumers (notifications and stock-alerts, named as their mains
// name them) with that region's topics, over a ledger table: the table they see in their region.
type regionPipeline struct {
	region    string
	consumers map[string]*consumer.Handler // by consumer name
	topics    map[string]*fakeSNS          // by consumer name
	now       time.Time
}

func newRegionPipeline(c *dynamodb.Client, region, ledger string, now time.Time) *regionPipeline {
	p := &regionPipeline{region: region, consumers: map[string]*consumer.Handler{}, topics: map[string]*fakeSNS{}, now: now}
	for name, render := range map[string]pipeline.Render{"notifications": pipeline.CustomerNotification, "stock-alerts": pipeline.StockAlert} {
		p.topics[name] = &fakeSNS{}
		p.consumers[name] = &consumer.Handler{
			Consumer: &pipeline.Consumer{
				Name:     name,
				Ledger:   &consumer.Ledger{Client: c, Table: ledger, Now: func() time.Time { return p.now }},
				Notifier: &consumer.Topic{Client: p.topics[name], Arn: "arn:aws:sns:" + region + ":1:" + name},
				Render:   render,
			},
			Log:   slog.New(slog.NewJSONHandler(io.Discard, nil)),
			Lease: 30 * time.Second,
		}
	}
	return p
}

// deliver hands every message to every consumer of the region, as the bus rule fans each event
// out to each consumer's queue, redelivering what failed (ErrInFlight) until none does.
func (p *regionPipeline) deliver(t *testing.T, msgs []events.SQSMessage) {
	t.Helper()
	for name, h := range p.consumers {
		pending := msgs
		for attempt := 0; len(pending) > 0; attempt++ {
			require.Less(t, attempt, 100, "%s %s: messages keep failing", p.region, name) // in flight elsewhere: SQS redelivers
			ctx, cancel := context.WithDeadline(context.Background(), p.now.Add(h.Lease))
			resp, err := h.Handle(ctx, events.SQSEvent{Records: pending})
			cancel()
			require.NoError(t, err)
			failed := map[string]bool{}
			for _, f := range resp.BatchItemFailures {
				failed[f.ItemIdentifier] = true
			}
			var again []events.SQSMessage
			for _, m := range pending {
				if failed[m.MessageId] {
					again = append(again, m)
				}
			}
			pending = again
		}
	}
}

// notified counts the notifications of consumer name per event id, over the regions' topics.
func notified(t *testing.T, name string, regions ...*regionPipeline) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, p := range regions {
		topic := p.topics[name]
		topic.mu.Lock()
		for _, m := range topic.published {
			var body struct {
				Detail struct {
					EventID string `json:"eventId"`
				} `json:"detail"`
			}
			require.NoError(t, json.Unmarshal([]byte(aws.ToString(m.Message)), &body))
			out[body.Detail.EventID]++
		}
		topic.mu.Unlock()
	}
	return out
}

// shopChanges are the table changes of a morning's trading: two orders placed, one cancelled, a
// product crossing its low-stock threshold. Each region's publisher reads them from its own
// replica's stream, which carries every write made anywhere, and derives the events from them:
// the ids depend only on the facts, so both regions derive the same ids (asserted below).
func shopChanges(region string, at time.Time) ([]pipeline.Event, []events.SQSMessage) {
	o1 := &pipeline.OrderImage{ID: "o1", OwnerID: "alice-sub", Status: "placed", Total: pipeline.Amount{Amount: 7500, Currency: "EUR"}, CreatedAt: at, UpdatedAt: at}
	o2 := &pipeline.OrderImage{ID: "o2", OwnerID: "bob-sub", Status: "placed", Total: pipeline.Amount{Amount: 1200, Currency: "EUR"}, CreatedAt: at, UpdatedAt: at}
	o2c := *o2
	o2c.Status, o2c.UpdatedAt = "cancelled", at.Add(time.Minute)
	before := &pipeline.ProductImage{ID: "p1", Name: "Tea", Stock: 6, LowStockThreshold: 5, UpdatedAt: at}
	after := &pipeline.ProductImage{ID: "p1", Name: "Tea", Stock: 4, LowStockThreshold: 5, UpdatedAt: at.Add(2 * time.Minute)}
	var evs []pipeline.Event
	evs = append(evs, pipeline.OrderEvents(nil, o1)...)
	evs = append(evs, pipeline.OrderEvents(nil, o2)...)
	evs = append(evs, pipeline.OrderEvents(o2, &o2c)...)
	evs = append(evs, pipeline.ProductEvents(before, after)...)
	var msgs []events.SQSMessage
	for i, ev := range evs {
		msgs = append(msgs, busMessage(region, fmt.Sprintf("%s-m%d", region, i), ev))
	}
	return evs, msgs
}

// busMessage is the SQS message a region's bus delivers for ev; the message ids differ per region.
func busMessage(region, id string, ev pipeline.Event) events.SQSMessage {
	body, err := json.Marshal(map[string]any{"version": "0", "id": "eb-" + id, "detail-type": ev.Type,
		"source": pipeline.Source, "region": region, "resources": []string{}, "detail": ev.Detail})
	if err != nil {
		panic(err) // the details are plain structs
	}
	return events.SQSMessage{MessageId: id, Body: string(body)}
}

// TestWriterMoveSharedLedgerNotifiesOnce: the old writer's pipeline (us-east-1) handles the
// events, then the writer moves and the new writer's pipeline (us-west-2) receives the same
// events again — the overlap while both publishers' mappings are enabled, or an archive replay.
// Both regions' consumers use the same ledger table, as every region's consumers use their copy of
// the processedEvents global table once a claim has replicated. Each consumer notifies once per
// event id, from the region that handled it first.
func TestWriterMoveSharedLedgerNotifiesOnce(t *testing.T) {
	c := dynamolocal.Client(t)
	ledger := ledgerTable(t, c)
	now := time.Now().UTC()
	old := newRegionPipeline(c, "us-east-1", ledger, now)
	next := newRegionPipeline(c, "us-west-2", ledger, now)

	oldEvents, oldMsgs := shopChanges(old.region, now)
	newEvents, newMsgs := shopChanges(next.region, now)
	require.Len(t, oldEvents, 4)
	for i := range oldEvents {
		require.Equal(t, oldEvents[i].ID(), newEvents[i].ID(), "both regions derive the same event id from the same change")
	}

	t.Run("sequential", func(t *testing.T) {
		old.deliver(t, oldMsgs)
		next.now = now.Add(time.Minute) // after the move
		next.deliver(t, newMsgs)
		assertOncePerEvent(t, oldEvents, old, next)
		assert.Zero(t, next.topics["notifications"].count()+next.topics["stock-alerts"].count(), "the new writer found every event done")
	})

	t.Run("overlapping", func(t *testing.T) {
		// A second day, handled by both regions at once: the conditional claim lets one through.
		ledger := ledgerTable(t, c)
		day := now.Add(24 * time.Hour)
		old, next := newRegionPipeline(c, "us-east-1", ledger, day), newRegionPipeline(c, "us-west-2", ledger, day)
		evs, oldMsgs := shopChanges(old.region, day)
		_, newMsgs := shopChanges(next.region, day)
		var wg sync.WaitGroup
		for _, run := range []func(){func() { old.deliver(t, oldMsgs) }, func() { next.deliver(t, newMsgs) }} {
			wg.Add(1)
			go func() { defer wg.Done(); run() }()
		}
		wg.Wait()
		assertOncePerEvent(t, evs, old, next)
	})
}

// assertOncePerEvent checks that every consumer notified each event it handles exactly once over
// all regions: notifications the three order events, stock-alerts the StockLow.
func assertOncePerEvent(t *testing.T, evs []pipeline.Event, regions ...*regionPipeline) {
	t.Helper()
	want := map[string]map[string]int{"notifications": {}, "stock-alerts": {}}
	for _, ev := range evs {
		if ev.Type == pipeline.TypeStockLow {
			want["stock-alerts"][ev.ID()] = 1
		} else {
			want["notifications"][ev.ID()] = 1
		}
	}
	for name, ids := range want {
		assert.Equal(t, ids, notified(t, name, regions...), "%s notifies once per event id", name)
	}
}

// TestUnreplicatedClaimMayNotifyTwice is the stated bound. DynamoDB Local has no replication, so
// two tables stand in for the ledger's two replicas: us-east-1's consumers write theirs, and until
// replication copies those items, us-west-2's consumers see none of them. An event handled in both
// regions inside that window notifies twice; once the claims have replicated, a further delivery is
// a duplicate. The window is the ledger's replication latency (the ReplicationLatency alarm
// watches it); outside it, TestWriterMoveSharedLedgerNotifiesOnce holds.
func TestUnreplicatedClaimMayNotifyTwice(t *testing.T) {
	c := dynamolocal.Client(t)
	east, west := ledgerTable(t, c), ledgerTable(t, c)
	now := time.Now().UTC()
	old := newRegionPipeline(c, "us-east-1", east, now)
	next := newRegionPipeline(c, "us-west-2", west, now)
	evs, oldMsgs := shopChanges(old.region, now)
	_, newMsgs := shopChanges(next.region, now)

	old.deliver(t, oldMsgs)
	next.deliver(t, newMsgs) // before replication
	for _, name := range []string{"notifications", "stock-alerts"} {
		for id, n := range notified(t, name, old, next) {
			assert.Equal(t, 2, n, "%s: event %s was handled in both regions before its claim replicated", name, id)
		}
	}

	replicate(t, c, east, west)
	_, later := shopChanges(next.region, now)
	for i := range later {
		later[i].MessageId += "-redelivered"
	}
	next.now = now.Add(time.Hour)
	next.deliver(t, later)
	for _, name := range []string{"notifications", "stock-alerts"} {
		for id, n := range notified(t, name, old, next) {
			assert.Equal(t, 2, n, "%s: event %s: no third notification once the claims replicated", name, id)
		}
	}
	assert.Len(t, notified(t, "notifications", old), len(evs)-1)
}

// replicate copies every item of from into to, as global-table replication does: the later write
// wins, and here every copied claim is the later write.
func replicate(t *testing.T, c *dynamodb.Client, from, to string) {
	t.Helper()
	out, err := c.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(from)})
	require.NoError(t, err)
	require.NotEmpty(t, out.Items)
	for _, item := range out.Items {
		_, err := c.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(to), Item: item})
		require.NoError(t, err)
	}
}

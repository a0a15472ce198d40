package stream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/contract/schema"
	"shopstack/dev/dynamolocal"
	"shopstack/functions/lib/pipeline"
	"shopstack/functions/lib/shop"
	"shopstack/functions/lib/store"
)

func TestMain(m *testing.M) { dynamolocal.Main(m) }

// fakeBus records what PutEvents received. reject makes it fail entries of that detail-type
// as EventBridge does when it is failing (InternalFailure, transient); rejectDetail fails
// entries whose detail holds the text; refuse refuses entries of that detail-type for good
// (InvalidArgument); down fails that many calls as a whole before answering again.
type fakeBus struct {
	mu           sync.Mutex
	entries      []ebtypes.PutEventsRequestEntry
	reject       string
	rejectDetail string
	rejectTimes  int // when > 0, rejectDetail fails only that many times
	refuse       string
	down         int
	calls        int
}

func (b *fakeBus) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls++
	if b.down > 0 {
		b.down--
		return nil, errors.New("ServiceUnavailable: the bus is down")
	}
	out := &eventbridge.PutEventsOutput{}
	for _, e := range in.Entries {
		code := ""
		switch {
		case aws.ToString(e.DetailType) == b.reject:
			code = "InternalFailure"
		case b.rejectDetail != "" && strings.Contains(aws.ToString(e.Detail), b.rejectDetail):
			code = "InternalFailure"
			if b.rejectTimes > 0 {
				if b.rejectTimes--; b.rejectTimes == 0 {
					b.rejectDetail = ""
				}
			}
		case aws.ToString(e.DetailType) == b.refuse:
			code = "InvalidArgument"
		}
		if code != "" {
			out.FailedEntryCount++
			out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{ErrorCode: aws.String(code), ErrorMessage: aws.String("test")})
			continue
		}
		b.entries = append(b.entries, e)
		out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{EventId: aws.String("eb-" + aws.ToString(e.DetailType))})
	}
	return out, nil
}

// fakeParking records what was parked; fail makes it fail.
type fakeParking struct {
	mu     sync.Mutex
	parked []Parked
	fail   bool
}

func (f *fakeParking) Park(_ context.Context, p Parked) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return errors.New("queue unavailable")
	}
	// Through JSON, as the queue keeps it.
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	var back Parked
	if err := json.Unmarshal(b, &back); err != nil {
		return err
	}
	f.parked = append(f.parked, back)
	return nil
}

// take returns the events published since the last call, decoded.
func (b *fakeBus) take(t *testing.T) []pipeline.Event {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []pipeline.Event
	for _, e := range b.entries {
		assert.Equal(t, pipeline.Source, aws.ToString(e.Source))
		assert.Equal(t, "test-bus", aws.ToString(e.EventBusName))
		ev, err := pipeline.Decode(aws.ToString(e.DetailType), []byte(aws.ToString(e.Detail)))
		require.NoError(t, err)
		out = append(out, ev)
	}
	b.entries = nil
	return out
}

// world is the shop over fresh DynamoDB Local tables with streams on, and the publisher.
type world struct {
	t         *testing.T
	ctx       context.Context
	catalog   *shop.Catalog
	carts     *shop.Carts
	checkout  *shop.Checkout
	orders    *shop.Orders
	streams   map[string]*dynamolocal.StreamReader
	bus       *fakeBus
	parking   *fakeParking
	publisher *Publisher
	logs      *bytes.Buffer
}

var customer = shop.Caller{ID: "alice-sub"}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	c := dynamolocal.Client(t)
	tables := dynamolocal.Tables(t, c)
	db := store.New(c, c, tables)
	w := &world{t: t, ctx: ctx, streams: map[string]*dynamolocal.StreamReader{}, bus: &fakeBus{}, parking: &fakeParking{}, logs: &bytes.Buffer{}}
	w.catalog = shop.NewCatalog(db.Products())
	w.carts = shop.NewCarts(db.Carts(), db.Products())
	w.checkout = shop.NewCheckout(db.Carts(), db.Products(), db.Orders())
	w.orders = shop.NewOrders(db.Orders())
	for _, table := range []string{schema.Orders, schema.Products} {
		w.streams[table] = enableStream(t, c, tables[table])
	}
	w.publisher = &Publisher{Bus: w.bus, BusName: "test-bus", Orders: tables[schema.Orders], Products: tables[schema.Products],
		Parking: w.parking, Log: slog.New(slog.NewJSONHandler(w.logs, nil))}
	return w
}

// publish reads what the table's stream holds since the last read and runs the publisher on it,
// as one batch the way Lambda would deliver it.
func (w *world) publish(table string) []events.DynamoDBEventRecord {
	w.t.Helper()
	records := read(w.t, w.streams[table])
	resp, err := w.publisher.Handle(w.ctx, events.DynamoDBEvent{Records: records})
	require.NoError(w.t, err)
	assert.Empty(w.t, resp.BatchItemFailures, "logs: %s", w.logs)
	return records
}

func (w *world) product(stock, threshold int) shop.Product {
	w.t.Helper()
	p, err := w.catalog.Create(w.ctx, shop.NewProduct{Name: "Teapot", Category: "kitchen",
		Price: shop.Money{Amount: 2500, Currency: "EUR"}, Stock: stock, LowStockThreshold: threshold})
	require.NoError(w.t, err)
	return p
}

// buy checks out a new cart holding quantity of the product.
func (w *world) buy(p shop.Product, quantity int) shop.Order {
	w.t.Helper()
	cartID := shop.NewID()
	_, err := w.carts.SetItem(w.ctx, customer, cartID, p.ID, shop.CartQuantity{Quantity: &quantity})
	require.NoError(w.t, err)
	o, _, err := w.checkout.Place(w.ctx, customer, shop.NewID(), shop.PlaceOrder{CartID: cartID})
	require.NoError(w.t, err)
	return o
}

func TestOrderPlacedAndCancelled(t *testing.T) {
	w := newWorld(t)
	p := w.product(10, 2)
	w.publish(schema.Products) // the product's creation: an INSERT, no event
	require.Empty(t, w.bus.take(t))

	o := w.buy(p, 3)
	records := w.publish(schema.Orders)
	got := w.bus.take(t)
	require.Len(t, got, 1, "exactly one event for a placed order")
	placed, ok := got[0].Detail.(*pipeline.OrderPlaced)
	require.True(t, ok, "got %T", got[0].Detail)
	assert.Equal(t, pipeline.TypeOrderPlaced, got[0].Type)
	assert.Equal(t, o.ID, placed.OrderID)
	assert.Equal(t, customer.ID, placed.CustomerID)
	assert.Equal(t, pipeline.Amount{Amount: 7500, Currency: "EUR"}, placed.Total)
	assert.Equal(t, []pipeline.Line{{ProductID: p.ID, Name: "Teapot", Quantity: 3, UnitPrice: pipeline.Amount{Amount: 2500, Currency: "EUR"}}}, placed.Lines)
	assert.True(t, o.CreatedAt.Equal(placed.PlacedAt))

	// Lambda retries a batch with the same records: the event comes out with the same id, which
	// is how consumers drop the duplicate.
	_, err := w.publisher.Handle(w.ctx, events.DynamoDBEvent{Records: records})
	require.NoError(t, err)
	again := w.bus.take(t)
	require.Len(t, again, 1)
	assert.Equal(t, placed.EventID, again[0].ID())

	w.publish(schema.Products) // 10 -> 7 stays above the threshold of 2
	assert.Empty(t, w.bus.take(t))

	_, err = w.orders.Cancel(w.ctx, customer, o.ID)
	require.NoError(t, err)
	w.publish(schema.Orders)
	got = w.bus.take(t)
	require.Len(t, got, 1, "exactly one event for a cancelled order")
	cancelled, ok := got[0].Detail.(*pipeline.OrderCancelled)
	require.True(t, ok, "got %T", got[0].Detail)
	assert.Equal(t, o.ID, cancelled.OrderID)
	assert.Equal(t, customer.ID, cancelled.CustomerID)
	assert.Equal(t, placed.Total, cancelled.Total)
	assert.NotEqual(t, placed.EventID, cancelled.EventID)
	w.publish(schema.Products) // the restock
	assert.Empty(t, w.bus.take(t))
}

func TestStockLowOncePerCrossing(t *testing.T) {
	w := newWorld(t)
	p := w.product(6, 5)
	w.publish(schema.Products)

	w.buy(p, 2) // 6 -> 4: crosses below 5
	w.publish(schema.Products)
	got := w.bus.take(t)
	require.Len(t, got, 1, "one StockLow for the crossing")
	low, ok := got[0].Detail.(*pipeline.StockLow)
	require.True(t, ok, "got %T", got[0].Detail)
	assert.Equal(t, p.ID, low.ProductID)
	assert.Equal(t, "Teapot", low.Name)
	assert.Equal(t, 4, low.Stock)
	assert.Equal(t, 5, low.Threshold)

	w.buy(p, 1) // 4 -> 3: already below, no new alert
	w.publish(schema.Products)
	assert.Empty(t, w.bus.take(t), "a sale below the threshold is not a new crossing")

	// A restock above the threshold and a new crossing alert again, with a new id.
	_, err := w.catalog.AdjustStock(w.ctx, p.ID, shop.StockDelta{Delta: 10}) // 3 -> 13
	require.NoError(t, err)
	w.buy(p, 9) // 13 -> 4
	w.publish(schema.Products)
	got = w.bus.take(t)
	require.Len(t, got, 1)
	assert.NotEqual(t, low.EventID, got[0].ID())
}

// TestFailedEventIsReportedWhenItCannotBeParked: an event the bus keeps refusing, when the
// failure queue cannot take it either, is reported as the batch's failure (Lambda retries from
// that record, never skipping it), and events of records before it are published.
func TestFailedEventIsReportedWhenItCannotBeParked(t *testing.T) {
	w := newWorld(t)
	p := w.product(100, 0)
	w.publish(schema.Products)
	o1 := w.buy(p, 1)
	w.publish(schema.Orders)
	w.bus.take(t)
	_, err := w.orders.Cancel(w.ctx, customer, o1.ID)
	require.NoError(t, err)
	w.buy(p, 1)
	records := read(t, w.streams[schema.Orders]) // MODIFY (cancelled), INSERT (placed)
	require.Len(t, records, 2)

	w.bus.reject = pipeline.TypeOrderPlaced
	w.parking.fail = true
	resp, err := w.publisher.Handle(w.ctx, events.DynamoDBEvent{Records: records})
	require.NoError(t, err)
	assert.Equal(t, []events.DynamoDBBatchItemFailure{{ItemIdentifier: records[1].Change.SequenceNumber}}, resp.BatchItemFailures)
	got := w.bus.take(t)
	require.Len(t, got, 1)
	assert.Equal(t, pipeline.TypeOrderCancelled, got[0].Type)
}

// lowRecords returns n product records, each a crossing below the threshold (one StockLow
// each, for products p00, p01, ...), with sequence numbers 1..n.
func lowRecords(n int) []events.DynamoDBEventRecord {
	var out []events.DynamoDBEventRecord
	for i := range n {
		id := fmt.Sprintf("p%02d", i)
		img := func(stock string) map[string]events.DynamoDBAttributeValue {
			return map[string]events.DynamoDBAttributeValue{"productId": events.NewStringAttribute(id), "name": events.NewStringAttribute("Teapot " + id),
				"stock": events.NewNumberAttribute(stock), "lowStockThreshold": events.NewNumberAttribute("5"), "updatedAt": events.NewStringAttribute("2026-11-24T12:00:00.000Z")}
		}
		out = append(out, productRecord(strconv.Itoa(i+1), img("6"), img("4")))
	}
	return out
}

func newPublisher(bus *fakeBus, parking *fakeParking) *Publisher {
	return &Publisher{Bus: bus, BusName: "test-bus", Orders: "orders", Products: "products", Parking: parking,
		Log: slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))}
}

func productIDs(t *testing.T, evs []pipeline.Event) []string {
	var ids []string
	for _, ev := range evs {
		ids = append(ids, ev.Detail.(*pipeline.StockLow).ProductID)
	}
	return ids
}

func parkedIDs(t *testing.T, parked []Parked) []string {
	t.Helper()
	var ids []string
	for _, p := range parked {
		require.NotNil(t, p.Event, "parked %+v", p)
		ev, err := pipeline.Decode(p.Event.DetailType, p.Event.Detail)
		require.NoError(t, err, "a parked event is complete")
		assert.Equal(t, pipeline.Source, p.Event.Source)
		ids = append(ids, ev.Detail.(*pipeline.StockLow).ProductID)
	}
	return ids
}

// TestBusFailingLosesNothingAndReordersNothing: 25 events in three PutEvents chunks, and the
// bus keeps failing one event of the first chunk (transiently). The publisher retries it, then
// parks it, with its whole detail, and every later event in order, rather than publishing later
// chunks past it; the batch succeeds, so the stream moves on. Nothing is only in a range.
func TestBusFailingLosesNothingAndReordersNothing(t *testing.T) {
	bus, parking := &fakeBus{rejectDetail: `"productId":"p05"`}, &fakeParking{}
	resp, err := newPublisher(bus, parking).Handle(context.Background(), events.DynamoDBEvent{Records: lowRecords(25)})
	require.NoError(t, err)
	assert.Empty(t, resp.BatchItemFailures, "everything is published or parked")
	published := productIDs(t, bus.take(t))
	parked := parkedIDs(t, parking.parked)
	assert.Equal(t, []string{"p00", "p01", "p02", "p03", "p04", "p06", "p07", "p08", "p09"}, published,
		"the first chunk's other events went through; no later chunk overtook the failed event")
	var rest []string
	for i := 10; i < 25; i++ {
		rest = append(rest, fmt.Sprintf("p%02d", i))
	}
	assert.Equal(t, append([]string{"p05"}, rest...), parked, "the failed event and every later one, in order")
	for _, p := range parking.parked {
		assert.True(t, p.Retry, "the bus was failing: republishing may succeed")
	}
	assert.Greater(t, bus.calls, 2, "the failed entry was retried before it was parked")
}

// TestBusHiccupIsRetried: a bus that fails a call, then an entry twice, then recovers publishes
// everything in the same invocation, in order, with nothing parked or reported.
func TestBusHiccupIsRetried(t *testing.T) {
	bus, parking := &fakeBus{down: 1, rejectDetail: `"productId":"p12"`, rejectTimes: 2}, &fakeParking{}
	resp, err := newPublisher(bus, parking).Handle(context.Background(), events.DynamoDBEvent{Records: lowRecords(25)})
	require.NoError(t, err)
	assert.Empty(t, resp.BatchItemFailures)
	assert.Empty(t, parking.parked)
	published := productIDs(t, bus.take(t))
	assert.Len(t, published, 25)
	assert.Equal(t, "p24", published[24], "the last chunk went after the retried one")
}

// TestRefusedEventIsParkedAndTheBatchGoesOn: an event the bus refuses for good (not a transient
// failure) is parked at once, marked not retryable, and the rest of the batch is published.
func TestRefusedEventIsParkedAndTheBatchGoesOn(t *testing.T) {
	w := newWorld(t)
	p := w.product(100, 0)
	w.publish(schema.Products)
	o := w.buy(p, 1)
	w.bus.refuse = pipeline.TypeOrderPlaced
	w.publish(schema.Orders)
	assert.Empty(t, w.bus.take(t))
	require.Len(t, w.parking.parked, 1)
	parked := w.parking.parked[0]
	assert.False(t, parked.Retry)
	assert.Contains(t, parked.Reason, "InvalidArgument")
	require.NotNil(t, parked.Event)
	ev, err := pipeline.Decode(parked.Event.DetailType, parked.Event.Detail)
	require.NoError(t, err)
	assert.Equal(t, o.ID, ev.Detail.(*pipeline.OrderPlaced).OrderID)

	// Republishing the parked message puts the same event (same eventId) on the bus.
	w.bus.refuse = ""
	body, err := json.Marshal(parked)
	require.NoError(t, err)
	require.NoError(t, Republish(w.ctx, w.bus, "test-bus", body))
	again := w.bus.take(t)
	require.Len(t, again, 1)
	assert.Equal(t, ev.ID(), again[0].ID())
	assert.Error(t, Republish(w.ctx, w.bus, "test-bus", []byte(`{"requestContext":{},"DDBStreamBatchInfo":{}}`)), "Lambda's on-failure record holds no event")
}

// TestUndecodableRecordIsParkedWhole: a record that cannot be decoded will not decode on a
// retry either: it is parked whole, as Lambda delivered it, and the batch goes on.
func TestUndecodableRecordIsParkedWhole(t *testing.T) {
	bus, parking := &fakeBus{}, &fakeParking{}
	p := newPublisher(bus, parking)
	good := lowRecords(2)
	bad := productRecord("7", nil, map[string]events.DynamoDBAttributeValue{"productId": events.NewStringAttribute("p2"), "stock": events.NewStringAttribute("many")})
	resp, err := p.Handle(context.Background(), events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{good[0], bad, good[1]}})
	require.NoError(t, err)
	assert.Empty(t, resp.BatchItemFailures)
	assert.Equal(t, []string{"p00", "p01"}, productIDs(t, bus.take(t)))
	require.Len(t, parking.parked, 1)
	require.NotNil(t, parking.parked[0].Record)
	assert.Equal(t, "7", parking.parked[0].Record.Change.SequenceNumber)
	assert.Equal(t, "many", parking.parked[0].Record.Change.NewImage["stock"].String())
	assert.False(t, parking.parked[0].Retry)

	// Without a place to keep it, it is the batch's failure, and what came before is published.
	parking.fail = true
	resp, err = p.Handle(context.Background(), events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{good[0], bad, good[1]}})
	require.NoError(t, err)
	assert.Equal(t, []events.DynamoDBBatchItemFailure{{ItemIdentifier: "7"}}, resp.BatchItemFailures)
	assert.Equal(t, []string{"p00"}, productIDs(t, bus.take(t)))
}

func productRecord(seq string, old, new map[string]events.DynamoDBAttributeValue) events.DynamoDBEventRecord {
	return events.DynamoDBEventRecord{EventName: "MODIFY", EventSourceArn: "arn:aws:dynamodb:us-east-1:1:table/products/stream/x",
		Change: events.DynamoDBStreamRecord{SequenceNumber: seq, OldImage: old, NewImage: new}}
}

// FuzzHandle feeds arbitrary stream records to the publisher: it must never panic, and must
// report at most one failure, one of the batch's sequence numbers.
func FuzzHandle(f *testing.F) {
	f.Add(`{"eventName":"MODIFY","eventSourceARN":"arn:aws:dynamodb:r:1:table/products/stream/x","dynamodb":{"SequenceNumber":"1","OldImage":{"productId":{"S":"p"},"stock":{"N":"6"},"lowStockThreshold":{"N":"5"}},"NewImage":{"productId":{"S":"p"},"stock":{"N":"4"},"lowStockThreshold":{"N":"5"}}}}`)
	f.Add(`{"eventName":"INSERT","eventSourceARN":"arn:aws:dynamodb:r:1:table/orders/stream/x","dynamodb":{"SequenceNumber":"2","NewImage":{"orderId":{"S":"o"},"status":{"S":"placed"},"lines":{"L":[{"M":{"quantity":{"N":"1.5"}}}]}}}}`)
	f.Add(`{"eventSourceARN":"arn:aws:dynamodb:r:1:table/other/stream/x","dynamodb":{"SequenceNumber":"3"}}`)
	f.Fuzz(func(t *testing.T, record string) {
		var r events.DynamoDBEventRecord
		if err := json.Unmarshal([]byte(record), &r); err != nil {
			return
		}
		p := &Publisher{Bus: &fakeBus{}, BusName: "b", Orders: "orders", Products: "products", Parking: &fakeParking{}, Log: slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))}
		resp, err := p.Handle(context.Background(), events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{r}})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.BatchItemFailures) > 1 || len(resp.BatchItemFailures) == 1 && resp.BatchItemFailures[0].ItemIdentifier != r.Change.SequenceNumber {
			t.Fatalf("failures %v for one record %q", resp.BatchItemFailures, r.Change.SequenceNumber)
		}
	})
}

// enableStream turns on NEW_AND_OLD_IMAGES, as the stack does, and returns a reader of it.
func enableStream(t *testing.T, c *dynamodb.Client, table string) *dynamolocal.StreamReader {
	t.Helper()
	ctx := context.Background()
	_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(table),
		StreamSpecification: &ddbtypes.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: ddbtypes.StreamViewTypeNewAndOldImages}})
	require.NoError(t, err)
	out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	require.NoError(t, err)
	require.NotNil(t, out.Table.LatestStreamArn)
	opts := c.Options()
	streams := dynamodbstreams.New(dynamodbstreams.Options{Region: opts.Region, BaseEndpoint: opts.BaseEndpoint,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	return dynamolocal.NewStreamReader(streams, aws.ToString(out.Table.LatestStreamArn))
}

// read returns every record written to r's stream since the last read.
func read(t *testing.T, r *dynamolocal.StreamReader) []events.DynamoDBEventRecord {
	t.Helper()
	records, err := r.Read(context.Background())
	require.NoError(t, err)
	return records
}

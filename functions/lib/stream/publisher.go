// Package stream is the event pipeline's publisher adapter: it turns the DynamoDB stream records
// of the orders and products tables into shop events on a bus (Publisher), and reads a table's
// stream through the Streams API as Lambda would deliver it (Reader), for the local platform and
// the tests. functions/publisher is its Lambda main.
package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"shopstack/functions/lib/backoff"
	"shopstack/functions/lib/pipeline"
)

// Bus is the part of the EventBridge API the publisher calls; *eventbridge.Client is one.
type Bus interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, opts ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

var _ Bus = (*eventbridge.Client)(nil)

// maxEntries is the most entries one PutEvents call accepts.
const maxEntries = 10

// Publisher turns the stream records of the orders and products tables into shop events on a bus.
type Publisher struct {
	Bus      Bus
	BusName  string
	Orders   string // physical table names, to tell the streams apart
	Products string
	Parking  Parking // where what cannot be published is kept
	Log      *slog.Logger
}

// pending is an event and the index of the record it came from.
type pending struct {
	record int
	event  pipeline.Event
}

// putAttempts bounds how often one invocation sends an entry the bus failed transiently.
const putAttempts = 3

// transientCodes are the PutEvents entry error codes that mean the bus, not the entry, failed:
// sending the entry again may succeed. Any other code refuses the entry itself.
var transientCodes = map[string]bool{"InternalFailure": true, "ThrottlingException": true}

// Handle publishes the events of a batch in record order, and loses nothing:
//   - a record that cannot be decoded will not decode on a retry: it is parked whole (Parking)
//     and the batch goes on;
//   - an entry the bus refuses for good is parked with its event;
//   - an entry the bus fails transiently is sent again, with backoff, up to putAttempts times;
//     if the bus still fails, that event and every later one of the batch are parked in order
//     (no later chunk is published past it), and the batch succeeds, so the stream moves on.
//
// Only when parking fails too is the first record not published or parked reported in
// batchItemFailures: Lambda then retries from it (never skipping it), and events of later
// records may be published twice (same eventId; consumers drop them). Parked events are
// republished later (Republish), after newer ones: the consumers do not depend on order.
func (p *Publisher) Handle(ctx context.Context, batch events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	failed := len(batch.Records) // index of the first record neither published nor parked
	var out []pending
	for i, r := range batch.Records {
		evs, err := p.derive(r)
		if err != nil {
			p.Log.Error("undecodable stream record", "sequenceNumber", r.Change.SequenceNumber, "source", r.EventSourceArn, "error", err.Error())
			if perr := p.park(ctx, Parked{Reason: "undecodable stream record: " + err.Error(), Record: &batch.Records[i]}); perr != nil {
				failed = i
				break
			}
			continue
		}
		for _, ev := range evs {
			out = append(out, pending{record: i, event: ev})
		}
	}
	if first := p.publish(ctx, out); first >= 0 && first < failed {
		failed = first
	}
	var resp events.DynamoDBEventResponse
	if failed < len(batch.Records) {
		resp.BatchItemFailures = []events.DynamoDBBatchItemFailure{{ItemIdentifier: batch.Records[failed].Change.SequenceNumber}}
	}
	return resp, nil
}

// publish sends the events in chunks, in order, and returns the record index of the first
// event neither published nor parked, or -1.
func (p *Publisher) publish(ctx context.Context, out []pending) int {
	for start := 0; start < len(out); start += maxEntries {
		end := min(start+maxEntries, len(out))
		rest := p.put(ctx, out[start:end])
		if len(rest) == 0 {
			continue
		}
		// The bus keeps failing: park what it did not take and everything after it, in order.
		rest = append(rest, out[end:]...)
		for k, pe := range rest {
			if err := p.parkEvent(ctx, pe, "the bus kept failing", true); err != nil {
				return rest[k].record
			}
		}
		return -1
	}
	return -1
}

// put sends one chunk, sending entries the bus failed transiently again up to putAttempts
// times, and parks entries it refused for good. It returns, in order, the entries it could
// neither publish nor park.
func (p *Publisher) put(ctx context.Context, chunk []pending) []pending {
	todo := chunk
	for attempt := 1; ; attempt++ {
		var again []pending
		for _, f := range p.send(ctx, todo) {
			if f.transient {
				again = append(again, f.pending)
				continue
			}
			if err := p.parkEvent(ctx, f.pending, "the bus refused it: "+f.reason, false); err != nil {
				again = append(again, f.pending)
			}
		}
		if len(again) == 0 || attempt == putAttempts {
			return again
		}
		if err := backoff.Sleep(ctx, p.retryDelay(attempt)); err != nil {
			return again
		}
		todo = again
	}
}

// failure is an entry PutEvents did not take.
type failure struct {
	pending
	transient bool
	reason    string
}

// send makes one PutEvents call and returns the entries not taken, in order.
func (p *Publisher) send(ctx context.Context, chunk []pending) []failure {
	in := &eventbridge.PutEventsInput{}
	for _, pe := range chunk {
		e, err := p.entry(pe.event)
		if err != nil { // the details are plain structs: this cannot happen
			p.Log.Error("marshal event", "type", pe.event.Type, "error", err.Error())
		}
		in.Entries = append(in.Entries, e)
	}
	resp, err := p.Bus.PutEvents(ctx, in)
	if err != nil {
		p.Log.Error("put events", "entries", len(chunk), "error", err.Error())
		failed := make([]failure, len(chunk))
		for i, pe := range chunk {
			failed[i] = failure{pending: pe, transient: true, reason: err.Error()}
		}
		return failed
	}
	var failed []failure
	for i, pe := range chunk {
		switch {
		case i >= len(resp.Entries): // an answer without this entry's result: send it again
			failed = append(failed, failure{pending: pe, transient: true, reason: "no result for the entry"})
		case resp.Entries[i].ErrorCode != nil:
			code := aws.ToString(resp.Entries[i].ErrorCode)
			p.Log.Error("event not accepted", "type", pe.event.Type, "eventId", pe.event.ID(), "code", code, "message", aws.ToString(resp.Entries[i].ErrorMessage))
			failed = append(failed, failure{pending: pe, transient: transientCodes[code], reason: code + ": " + aws.ToString(resp.Entries[i].ErrorMessage)})
		default:
			p.Log.Info("published", "type", pe.event.Type, "eventId", pe.event.ID())
		}
	}
	return failed
}

// entry is the PutEvents entry of an event.
func (p *Publisher) entry(ev pipeline.Event) (ebtypes.PutEventsRequestEntry, error) {
	detail, err := json.Marshal(ev.Detail)
	return ebtypes.PutEventsRequestEntry{
		EventBusName: aws.String(p.BusName),
		Source:       aws.String(pipeline.Source),
		DetailType:   aws.String(ev.Type),
		Detail:       aws.String(string(detail)),
		Time:         aws.Time(time.Now().UTC()),
	}, err
}

// parkEvent parks an event the bus did not take, with its whole detail.
func (p *Publisher) parkEvent(ctx context.Context, pe pending, reason string, retry bool) error {
	detail, err := json.Marshal(pe.event.Detail)
	if err != nil {
		return err
	}
	return p.park(ctx, Parked{Reason: reason, Retry: retry, Event: &ParkedEvent{Source: pipeline.Source, DetailType: pe.event.Type, Detail: detail}})
}

func (p *Publisher) park(ctx context.Context, x Parked) error {
	if p.Parking == nil {
		return errors.New("no failure queue")
	}
	if err := p.Parking.Park(ctx, x); err != nil {
		p.Log.Error("park failed", "reason", x.Reason, "error", err.Error())
		return err
	}
	p.Log.Warn("parked", "reason", x.Reason, "retry", x.Retry)
	return nil
}

// backoff is the pause before send attempt n+1: jittered, 50 ms doubling.
func (p *Publisher) retryDelay(n int) time.Duration {
	d := 50 * time.Millisecond << (n - 1)
	return backoff.Jitter(d)
}

// derive decodes a record of either table into its events.
func (p *Publisher) derive(r events.DynamoDBEventRecord) ([]pipeline.Event, error) {
	switch tableOf(r.EventSourceArn) {
	case p.Orders:
		old, new, err := decodeImages(r, decodeOrder)
		if err != nil {
			return nil, err
		}
		return pipeline.OrderEvents(old, new), nil
	case p.Products:
		old, new, err := decodeImages(r, decodeProduct)
		if err != nil {
			return nil, err
		}
		return pipeline.ProductEvents(old, new), nil
	}
	return nil, fmt.Errorf("record from unexpected stream %q", r.EventSourceArn)
}

// tableOf returns the table name of a stream ARN (arn:aws:dynamodb:region:account:table/NAME/stream/LABEL).
func tableOf(streamArn string) string {
	_, rest, ok := strings.Cut(streamArn, ":table/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

// Package stream is the event pipeline's publisher adapter: it turns the DynamoDB stream records
// of the orders and products tables into shop events on a bus (Publisher), and reads a table's
// stream through the Streams API as Lambda would deliver it (Reader), for the local platform and
// the tests. functions/publisher is its Lambda main.
package stream

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"shopstack/functions/pipeline"
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
	Log      *slog.Logger
}

// pending is an event and the index of the record it came from.
type pending struct {
	record int
	event  pipeline.Event
}

// Handle publishes the events of a batch in record order. When a record cannot be decoded or one
// of its events is not accepted, it reports that record's sequence number as the batch's failure:
// Lambda then retries from it (so records are never skipped), bisects, and after the retry limit
// sends the batch's description to the on-failure queue. Events of later records may be
// published twice by the retry; consumers drop them by event id.
func (p *Publisher) Handle(ctx context.Context, batch events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	failed := len(batch.Records) // index of the first failed record
	var out []pending
	for i, r := range batch.Records {
		evs, err := p.derive(r)
		if err != nil {
			p.Log.Error("undecodable stream record", "sequenceNumber", r.Change.SequenceNumber, "source", r.EventSourceArn, "error", err.Error())
			failed = i
			break
		}
		for _, ev := range evs {
			out = append(out, pending{record: i, event: ev})
		}
	}
	for start := 0; start < len(out); start += maxEntries {
		chunk := out[start:min(start+maxEntries, len(out))]
		if first := p.put(ctx, chunk); first >= 0 && first < failed {
			failed = first
		}
	}
	var resp events.DynamoDBEventResponse
	if failed < len(batch.Records) {
		resp.BatchItemFailures = []events.DynamoDBBatchItemFailure{{ItemIdentifier: batch.Records[failed].Change.SequenceNumber}}
	}
	return resp, nil
}

// put sends one chunk and returns the lowest record index whose event was not accepted, or -1.
func (p *Publisher) put(ctx context.Context, chunk []pending) int {
	in := &eventbridge.PutEventsInput{}
	for _, pe := range chunk {
		detail, err := json.Marshal(pe.event.Detail)
		if err != nil { // the details are plain structs: this cannot happen
			p.Log.Error("marshal event", "type", pe.event.Type, "error", err.Error())
			return pe.record
		}
		in.Entries = append(in.Entries, ebtypes.PutEventsRequestEntry{
			EventBusName: aws.String(p.BusName),
			Source:       aws.String(pipeline.Source),
			DetailType:   aws.String(pe.event.Type),
			Detail:       aws.String(string(detail)),
			Time:         aws.Time(time.Now().UTC()),
		})
	}
	resp, err := p.Bus.PutEvents(ctx, in)
	if err != nil {
		p.Log.Error("put events", "entries", len(chunk), "error", err.Error())
		return chunk[0].record
	}
	first := -1
	for i, e := range resp.Entries {
		if e.ErrorCode == nil || i >= len(chunk) {
			continue
		}
		p.Log.Error("event not accepted", "type", chunk[i].event.Type, "eventId", chunk[i].event.ID(),
			"code", aws.ToString(e.ErrorCode), "message", aws.ToString(e.ErrorMessage))
		if first < 0 || chunk[i].record < first {
			first = chunk[i].record
		}
	}
	if first < 0 && resp.FailedEntryCount > 0 { // failures reported without entries: retry the chunk
		first = chunk[0].record
	}
	for _, pe := range chunk {
		if first < 0 || pe.record < first {
			p.Log.Info("published", "type", pe.event.Type, "eventId", pe.event.ID())
		}
	}
	return first
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

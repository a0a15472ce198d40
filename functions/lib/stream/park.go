package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Parking keeps what the publisher could not publish, with everything needed to publish it
// again, so a failure loses nothing: Lambda's own on-failure record of a stream batch names
// only a shard and a range of sequence numbers, which the stream forgets after 24 hours.
type Parking interface {
	Park(ctx context.Context, p Parked) error
}

// Parked is one message of the failure queue: an event the bus did not take, or a stream
// record that could not be decoded into events.
type Parked struct {
	Reason string `json:"reason"`
	// Retry is true when publishing Event again as it is may succeed (the bus was failing);
	// false when the bus refused the event itself or the record could not be decoded, which
	// needs a fix first.
	Retry  bool                        `json:"retry"`
	Event  *ParkedEvent                `json:"event,omitempty"`
	Record *events.DynamoDBEventRecord `json:"record,omitempty"` // as Lambda delivered it
}

// ParkedEvent is an event as the publisher puts it on the bus.
type ParkedEvent struct {
	Source     string          `json:"source"`
	DetailType string          `json:"detail-type"`
	Detail     json.RawMessage `json:"detail"`
}

// SQSSender is the part of the SQS API the failure queue needs; *sqs.Client is one.
type SQSSender interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

var _ SQSSender = (*sqs.Client)(nil)

// Queue is Parking on an SQS queue (the stack's publisher-failures queue, which also receives
// Lambda's on-failure records and is alarmed at one visible message).
type Queue struct {
	Client SQSSender
	URL    string
}

var _ Parking = (*Queue)(nil)

// Park implements Parking: one message per parked item, its JSON as the body.
func (q *Queue) Park(ctx context.Context, p Parked) error {
	body, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("park: %w", err)
	}
	if _, err := q.Client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(q.URL), MessageBody: aws.String(string(body))}); err != nil {
		return fmt.Errorf("park: %w", err)
	}
	return nil
}

// Republish puts a parked event (a failure queue message's body) on the bus again. The event
// keeps its detail, so its eventId: consumers drop it if it was handled after all. A parked
// record cannot be republished as it is: it was not decodable.
func Republish(ctx context.Context, bus Bus, busName string, body []byte) error {
	var p Parked
	if err := json.Unmarshal(body, &p); err != nil {
		return fmt.Errorf("republish: not a parked message: %w", err)
	}
	if p.Event == nil {
		return errors.New("republish: the message holds no event (an undecodable stream record, or Lambda's on-failure record): fix and replay its record instead")
	}
	out, err := bus.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		EventBusName: aws.String(busName), Source: aws.String(p.Event.Source), DetailType: aws.String(p.Event.DetailType),
		Detail: aws.String(string(p.Event.Detail)), Time: aws.Time(time.Now().UTC()),
	}}})
	if err != nil {
		return fmt.Errorf("republish %s: %w", p.Event.DetailType, err)
	}
	if out.FailedEntryCount > 0 {
		code, msg := "", ""
		if len(out.Entries) > 0 {
			code, msg = aws.ToString(out.Entries[0].ErrorCode), aws.ToString(out.Entries[0].ErrorMessage)
		}
		return fmt.Errorf("republish %s: not accepted: %s %s", p.Event.DetailType, code, msg)
	}
	return nil
}

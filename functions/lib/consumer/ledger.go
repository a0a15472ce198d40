package consumer

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"shopstack/contract"
	"shopstack/functions/lib/pipeline"
)

// LedgerClient is the part of the DynamoDB API the ledger calls; *dynamodb.Client is one.
type LedgerClient interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

var _ LedgerClient = (*dynamodb.Client)(nil)

// RetentionDays is how long a handled event is remembered: longer than a message can live in
// a queue (4 days) or wait in its dead-letter queue for a redrive (14 days), and at least as
// long as the bus archive keeps events (the stack refuses eventArchiveRetentionDays above it),
// so replaying the archive never notifies twice. A claim is written after the event was
// archived, so its expiry is never earlier than the archived event's.
const RetentionDays = contract.LedgerRetentionDays

// Retention is RetentionDays as a duration.
const Retention = RetentionDays * 24 * time.Hour

// Ledger is pipeline.Ledger on the processed-events table (contract/schema): one item per
// consumer and event id, expiring through the table's TTL.
type Ledger struct {
	Client LedgerClient
	Table  string
	Now    func() time.Time
}

var _ pipeline.Ledger = (*Ledger)(nil)

const (
	claimed = "claimed"
	done    = "done"
)

func ledgerKey(key string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"eventKey": &types.AttributeValueMemberS{Value: key}}
}

func unix(t time.Time) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(t.Unix(), 10)}
}

// Claim implements pipeline.Ledger with one conditional PutItem: it succeeds when the key is
// new, or claimed by an invocation whose claim has expired; when it fails, the item it found
// says whether the event is done or in flight.
func (l *Ledger) Claim(ctx context.Context, key string, until time.Time) (pipeline.Claim, error) {
	now := l.Now()
	item := ledgerKey(key)
	item["status"] = &types.AttributeValueMemberS{Value: claimed}
	item["claimedUntil"] = unix(until)
	item["expiresAt"] = unix(now.Add(Retention))
	err := l.putUnlessTaken(ctx, item, now)
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if status, ok := ccf.Item["status"].(*types.AttributeValueMemberS); ok && status.Value == done {
			return pipeline.Done, nil
		}
		return pipeline.InFlight, nil
	}
	if err != nil {
		return 0, fmt.Errorf("claim %s: %w", key, err)
	}
	return pipeline.Claimed, nil
}

// Supersede implements pipeline.Ledger with Claim's conditional PutItem, writing the key as
// done; a failed condition means the key is done or in flight already, which is not an error.
func (l *Ledger) Supersede(ctx context.Context, key string) error {
	now := l.Now()
	item := ledgerKey(key)
	item["status"] = &types.AttributeValueMemberS{Value: done}
	item["expiresAt"] = unix(now.Add(Retention))
	err := l.putUnlessTaken(ctx, item, now)
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) {
		return fmt.Errorf("supersede %s: %w", key, err)
	}
	return nil
}

// putUnlessTaken writes item unless its key is done or claimed by a claim that has not expired
// by now; when the condition fails, the error carries the item found.
func (l *Ledger) putUnlessTaken(ctx context.Context, item map[string]types.AttributeValue, now time.Time) error {
	_, err := l.Client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                aws.String(l.Table),
		Item:                     item,
		ConditionExpression:      aws.String("attribute_not_exists(eventKey) OR (#status = :claimed AND claimedUntil < :now)"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":claimed": &types.AttributeValueMemberS{Value: claimed}, ":now": unix(now),
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	return err
}

// Done implements pipeline.Ledger.
func (l *Ledger) Done(ctx context.Context, key string) error {
	_, err := l.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(l.Table),
		Key:                       ledgerKey(key),
		UpdateExpression:          aws.String("SET #status = :done REMOVE claimedUntil"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":done": &types.AttributeValueMemberS{Value: done}},
	})
	if err != nil {
		return fmt.Errorf("done %s: %w", key, err)
	}
	return nil
}

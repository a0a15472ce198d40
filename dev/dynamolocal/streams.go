package dynamolocal

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// StreamsAPI is the part of the DynamoDB Streams API a StreamReader calls; *dynamodbstreams.Client is one.
type StreamsAPI interface {
	DescribeStream(ctx context.Context, in *dynamodbstreams.DescribeStreamInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(ctx context.Context, in *dynamodbstreams.GetShardIteratorInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

var _ StreamsAPI = (*dynamodbstreams.Client)(nil)

// StreamReader reads one table's stream through the Streams API from its oldest record,
// remembering the last record read of each shard. It stands in for Lambda's event source mapping
// where there is none: DynamoDB Local and the tests. It lives here, not beside the publisher in
// package stream, so the publisher's binary does not link and initialise the Streams client. Every Read takes fresh shard iterators (after the last
// record read, or at the trim horizon), since an iterator expires (after 15 minutes on AWS) and
// DynamoDB Local refuses one taken while its shard was still empty once records arrive.
type StreamReader struct {
	client StreamsAPI
	arn    string
	last   map[string]string // shard id -> sequence number of the last record read
	closed map[string]bool   // shards closed and read to their end
}

// NewStreamReader returns a reader of the stream arn (a table's LatestStreamArn).
func NewStreamReader(client StreamsAPI, arn string) *StreamReader {
	return &StreamReader{client: client, arn: arn, last: map[string]string{}, closed: map[string]bool{}}
}

// Read returns every record written since the last call, shard by shard in the order the stream
// lists them (parents first), as Lambda delivers them to a function.
func (r *StreamReader) Read(ctx context.Context) ([]events.DynamoDBEventRecord, error) {
	desc, err := r.client.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(r.arn)})
	if err != nil {
		return nil, fmt.Errorf("describe stream %s: %w", r.arn, err)
	}
	var out []events.DynamoDBEventRecord
	for _, shard := range desc.StreamDescription.Shards {
		id := aws.ToString(shard.ShardId)
		if r.closed[id] {
			continue
		}
		in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(r.arn), ShardId: shard.ShardId,
			ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon}
		if last, ok := r.last[id]; ok {
			in.ShardIteratorType, in.SequenceNumber = streamtypes.ShardIteratorTypeAfterSequenceNumber, aws.String(last)
		}
		got, err := r.client.GetShardIterator(ctx, in)
		if err != nil {
			return out, fmt.Errorf("shard iterator of %s: %w", id, err)
		}
		for it := got.ShardIterator; it != nil; {
			page, err := r.client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it})
			var trimmed *streamtypes.TrimmedDataAccessException
			if errors.As(err, &trimmed) {
				// DynamoDB Local answers this now and then for a fresh TRIM_HORIZON iterator of a
				// shard it is still opening; nothing was read past r.last, so the next Read asks
				// again from there and loses nothing.
				break
			}
			if err != nil {
				return out, fmt.Errorf("records of shard %s: %w", id, err)
			}
			for _, rec := range page.Records {
				lr, err := lambdaRecord(r.arn, rec)
				if err != nil {
					return out, err
				}
				out = append(out, lr)
				r.last[id] = lr.Change.SequenceNumber
			}
			if page.NextShardIterator == nil {
				r.closed[id] = true
			}
			if len(page.Records) == 0 {
				break
			}
			it = page.NextShardIterator
		}
	}
	return out, nil
}

// lambdaRecord renders a Streams API record as the JSON Lambda delivers and decodes it as a
// function would.
func lambdaRecord(arn string, r streamtypes.Record) (events.DynamoDBEventRecord, error) {
	d := r.Dynamodb
	if d == nil {
		d = &streamtypes.StreamRecord{}
	}
	var created int64
	if d.ApproximateCreationDateTime != nil {
		created = d.ApproximateCreationDateTime.Unix()
	}
	doc := map[string]any{
		"eventID": aws.ToString(r.EventID), "eventName": string(r.EventName), "eventSource": "aws:dynamodb",
		"eventVersion": aws.ToString(r.EventVersion), "awsRegion": aws.ToString(r.AwsRegion), "eventSourceARN": arn,
		"dynamodb": map[string]any{
			"Keys": streamAVMap(d.Keys), "NewImage": streamAVMap(d.NewImage), "OldImage": streamAVMap(d.OldImage),
			"SequenceNumber": aws.ToString(d.SequenceNumber), "SizeBytes": aws.ToInt64(d.SizeBytes), "StreamViewType": string(d.StreamViewType),
			"ApproximateCreationDateTime": created,
		},
	}
	var rec events.DynamoDBEventRecord
	b, err := json.Marshal(doc)
	if err == nil {
		err = json.Unmarshal(b, &rec)
	}
	if err != nil {
		return rec, fmt.Errorf("stream record %s: %w", aws.ToString(d.SequenceNumber), err)
	}
	return rec, nil
}

func streamAVMap(m map[string]streamtypes.AttributeValue) map[string]any {
	if m == nil {
		return nil
	}
	out := map[string]any{}
	for k, v := range m {
		out[k] = streamAV(v)
	}
	return out
}

func streamAV(v streamtypes.AttributeValue) map[string]any {
	switch v := v.(type) {
	case *streamtypes.AttributeValueMemberS:
		return map[string]any{"S": v.Value}
	case *streamtypes.AttributeValueMemberN:
		return map[string]any{"N": v.Value}
	case *streamtypes.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": v.Value}
	case *streamtypes.AttributeValueMemberNULL:
		return map[string]any{"NULL": v.Value}
	case *streamtypes.AttributeValueMemberB:
		return map[string]any{"B": base64.StdEncoding.EncodeToString(v.Value)}
	case *streamtypes.AttributeValueMemberSS:
		return map[string]any{"SS": v.Value}
	case *streamtypes.AttributeValueMemberNS:
		return map[string]any{"NS": v.Value}
	case *streamtypes.AttributeValueMemberL:
		l := []any{}
		for _, x := range v.Value {
			l = append(l, streamAV(x))
		}
		return map[string]any{"L": l}
	case *streamtypes.AttributeValueMemberM:
		return map[string]any{"M": streamAVMap(v.Value)}
	}
	return map[string]any{"NULL": true}
}

package dynamolocal

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Recorder wraps a DynamoDB client (it satisfies store.Client). It asks every call for
// its consumed capacity (ReturnConsumedCapacity TOTAL) and records the IAM action each
// call or transaction item performs on which table, so tests can compare the code with
// the services table and measure capacity per route.
type Recorder struct {
	*dynamodb.Client
	mu       sync.Mutex
	actions  map[Access]bool
	capacity Capacity
}

// Access is one IAM action on one physical table; Index is true for index queries.
type Access struct {
	Table  string
	Action string
	Index  bool
}

// Capacity is consumed capacity, split by whether the call read or wrote.
type Capacity struct {
	Read  float64 `json:"readCapacityUnits"`
	Write float64 `json:"writeCapacityUnits"`
}

// NewRecorder wraps c.
func NewRecorder(c *dynamodb.Client) *Recorder {
	return &Recorder{Client: c, actions: map[Access]bool{}}
}

// Actions returns the accesses recorded so far.
func (r *Recorder) Actions() []Access {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Access, 0, len(r.actions))
	for a := range r.actions {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b Access) int {
		return strings.Compare(a.Table+" "+a.Action, b.Table+" "+b.Action)
	})
	return out
}

// TakeCapacity returns the capacity consumed since the last call and resets it.
func (r *Recorder) TakeCapacity() Capacity {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.capacity
	r.capacity = Capacity{}
	return c
}

func (r *Recorder) note(table, action string, index bool) {
	r.mu.Lock()
	r.actions[Access{Table: table, Action: "dynamodb:" + action, Index: index}] = true
	r.mu.Unlock()
}

func (r *Recorder) consumed(write bool, cc ...types.ConsumedCapacity) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range cc {
		if write {
			r.capacity.Write += aws.ToFloat64(c.CapacityUnits)
		} else {
			r.capacity.Read += aws.ToFloat64(c.CapacityUnits)
		}
	}
}

func one(c *types.ConsumedCapacity) []types.ConsumedCapacity {
	if c == nil {
		return nil
	}
	return []types.ConsumedCapacity{*c}
}

const total = types.ReturnConsumedCapacityTotal

func (r *Recorder) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	r.note(aws.ToString(in.TableName), "GetItem", false)
	in.ReturnConsumedCapacity = total
	out, err := r.Client.GetItem(ctx, in, opts...)
	if err == nil {
		r.consumed(false, one(out.ConsumedCapacity)...)
	}
	return out, err
}

func (r *Recorder) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	r.note(aws.ToString(in.TableName), "PutItem", false)
	in.ReturnConsumedCapacity = total
	out, err := r.Client.PutItem(ctx, in, opts...)
	if err == nil {
		r.consumed(true, one(out.ConsumedCapacity)...)
	}
	return out, err
}

func (r *Recorder) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	r.note(aws.ToString(in.TableName), "UpdateItem", false)
	in.ReturnConsumedCapacity = total
	out, err := r.Client.UpdateItem(ctx, in, opts...)
	if err == nil {
		r.consumed(true, one(out.ConsumedCapacity)...)
	}
	return out, err
}

func (r *Recorder) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	r.note(aws.ToString(in.TableName), "Query", in.IndexName != nil)
	in.ReturnConsumedCapacity = total
	out, err := r.Client.Query(ctx, in, opts...)
	if err == nil {
		r.consumed(false, one(out.ConsumedCapacity)...)
	}
	return out, err
}

func (r *Recorder) Scan(ctx context.Context, in *dynamodb.ScanInput, opts ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	r.note(aws.ToString(in.TableName), "Scan", in.IndexName != nil)
	in.ReturnConsumedCapacity = total
	out, err := r.Client.Scan(ctx, in, opts...)
	if err == nil {
		r.consumed(false, one(out.ConsumedCapacity)...)
	}
	return out, err
}

func (r *Recorder) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	for t := range in.RequestItems {
		r.note(t, "BatchGetItem", false)
	}
	in.ReturnConsumedCapacity = total
	out, err := r.Client.BatchGetItem(ctx, in, opts...)
	if err == nil {
		r.consumed(false, out.ConsumedCapacity...)
	}
	return out, err
}

// TransactWriteItems records each item's own action, the way IAM authorises it.
func (r *Recorder) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	for _, it := range in.TransactItems {
		switch {
		case it.Put != nil:
			r.note(aws.ToString(it.Put.TableName), "PutItem", false)
		case it.Update != nil:
			r.note(aws.ToString(it.Update.TableName), "UpdateItem", false)
		case it.Delete != nil:
			r.note(aws.ToString(it.Delete.TableName), "DeleteItem", false)
		case it.ConditionCheck != nil:
			r.note(aws.ToString(it.ConditionCheck.TableName), "ConditionCheckItem", false)
		}
	}
	in.ReturnConsumedCapacity = total
	out, err := r.Client.TransactWriteItems(ctx, in, opts...)
	if err == nil {
		r.consumed(true, out.ConsumedCapacity...)
	}
	return out, err
}

package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"shopstack/contract/schema"
	"shopstack/functions/lib/backoff"
	"shopstack/functions/lib/shop"
)

// Orders stores orders and checkout idempotency records, and runs the checkout and
// cancel transactions that span them and the products.
type Orders struct{ db *DB }

var _ shop.OrderStore = (*Orders)(nil)

type orderItem struct {
	OrderID     string          `dynamodbav:"orderId"`
	OwnerID     string          `dynamodbav:"ownerId"`
	CartID      string          `dynamodbav:"cartId"`
	Status      string          `dynamodbav:"status"`
	Lines       []orderLineItem `dynamodbav:"lines"`
	TotalAmount int64           `dynamodbav:"totalAmount"`
	Currency    string          `dynamodbav:"currency"`
	CreatedAt   string          `dynamodbav:"createdAt"`
	UpdatedAt   string          `dynamodbav:"updatedAt"`
}

type orderLineItem struct {
	ProductID   string `dynamodbav:"productId"`
	Name        string `dynamodbav:"name"`
	Quantity    int    `dynamodbav:"quantity"`
	PriceAmount int64  `dynamodbav:"priceAmount"`
}

type idempotencyItem struct {
	IdempotencyID string `dynamodbav:"idempotencyId"`
	OwnerID       string `dynamodbav:"ownerId"`
	CartID        string `dynamodbav:"cartId"`
	OrderID       string `dynamodbav:"orderId"`
	CreatedAt     string `dynamodbav:"createdAt"`
	ExpiresAt     int64  `dynamodbav:"expiresAt"` // epoch seconds, the table's TTL attribute
}

func toOrderItem(o shop.Order) orderItem {
	it := orderItem{
		OrderID: o.ID, OwnerID: o.OwnerID, CartID: o.CartID, Status: string(o.Status),
		TotalAmount: o.Total.Amount, Currency: o.Total.Currency,
		CreatedAt: formatTime(o.CreatedAt), UpdatedAt: formatTime(o.UpdatedAt),
	}
	for _, l := range o.Lines {
		it.Lines = append(it.Lines, orderLineItem{ProductID: l.ProductID, Name: l.Name, Quantity: l.Quantity, PriceAmount: l.UnitPrice.Amount})
	}
	return it
}

func unmarshalOrder(av map[string]types.AttributeValue) (shop.Order, error) {
	var it orderItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return shop.Order{}, fmt.Errorf("unmarshal order: %w", err)
	}
	o := shop.Order{
		ID: it.OrderID, OwnerID: it.OwnerID, CartID: it.CartID, Status: shop.Status(it.Status),
		Total:     shop.Money{Amount: it.TotalAmount, Currency: it.Currency},
		CreatedAt: parseTime(it.CreatedAt), UpdatedAt: parseTime(it.UpdatedAt), Lines: []shop.OrderLine{},
	}
	for _, l := range it.Lines {
		unit := shop.Money{Amount: l.PriceAmount, Currency: it.Currency}
		o.Lines = append(o.Lines, shop.OrderLine{
			ProductID: l.ProductID, Name: l.Name, Quantity: l.Quantity,
			UnitPrice: unit, LineTotal: shop.Money{Amount: unit.Amount * int64(l.Quantity), Currency: it.Currency},
		})
	}
	return o, nil
}

func orderKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"orderId": &types.AttributeValueMemberS{Value: id}}
}

// Order implements shop.OrderStore.
func (s *Orders) Order(ctx context.Context, id string, c shop.Consistency) (shop.Order, error) {
	out, err := s.db.client(c).GetItem(ctx, &dynamodb.GetItemInput{
		TableName: s.db.table(schema.Orders), Key: orderKey(id), ConsistentRead: aws.Bool(c == shop.Fresh),
	})
	if err != nil {
		return shop.Order{}, fail("get order "+id, err)
	}
	if out.Item == nil {
		return shop.Order{}, notFound("order", id)
	}
	return unmarshalOrder(out.Item)
}

// OrdersByOwner implements shop.OrderStore with a descending Query of the owner index.
func (s *Orders) OrdersByOwner(ctx context.Context, q shop.OrderQuery) (shop.OrderPage, error) {
	start, err := decodeCursor(q.Cursor, []string{"ownerId", "createdAt", "orderId"}, map[string]string{"ownerId": q.OwnerID})
	if err != nil {
		return shop.OrderPage{}, err
	}
	expr, err := expression.NewBuilder().WithKeyCondition(expression.Key("ownerId").Equal(expression.Value(q.OwnerID))).Build()
	if err != nil {
		return shop.OrderPage{}, fmt.Errorf("list orders: %w", err)
	}
	out, err := s.db.reader.Query(ctx, &dynamodb.QueryInput{
		TableName: s.db.table(schema.Orders), IndexName: aws.String(schema.OrdersByOwner),
		KeyConditionExpression: expr.KeyCondition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		ScanIndexForward: aws.Bool(false), Limit: aws.Int32(int32(q.Limit)), ExclusiveStartKey: start,
	})
	if err != nil {
		return shop.OrderPage{}, fail("list orders", err)
	}
	page := shop.OrderPage{Orders: make([]shop.Order, 0, len(out.Items)), NextCursor: encodeCursor(out.LastEvaluatedKey)}
	for _, av := range out.Items {
		o, err := unmarshalOrder(av)
		if err != nil {
			return shop.OrderPage{}, err
		}
		page.Orders = append(page.Orders, o)
	}
	return page, nil
}

// Idempotency implements shop.OrderStore; records past their TTL read as not found.
func (s *Orders) Idempotency(ctx context.Context, ownerID, key string) (shop.Idempotency, error) {
	id := shop.IdempotencyID(ownerID, key)
	out, err := s.db.writer.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: s.db.table(schema.Idempotency), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"idempotencyId": &types.AttributeValueMemberS{Value: id}},
	})
	if err != nil {
		return shop.Idempotency{}, fail("get idempotency key", err)
	}
	if out.Item == nil {
		return shop.Idempotency{}, shop.Errorf(shop.ENOTFOUND, "idempotency key not found")
	}
	var it idempotencyItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return shop.Idempotency{}, fmt.Errorf("get idempotency key: %w", err)
	}
	rec := shop.Idempotency{
		ID: it.IdempotencyID, OwnerID: it.OwnerID, CartID: it.CartID, OrderID: it.OrderID,
		CreatedAt: parseTime(it.CreatedAt), ExpiresAt: time.Unix(it.ExpiresAt, 0).UTC(),
	}
	if !rec.ExpiresAt.After(time.Now()) {
		return shop.Idempotency{}, shop.Errorf(shop.ENOTFOUND, "idempotency key expired")
	}
	return rec, nil
}

// Place implements shop.OrderStore with one TransactWriteItems: per line a stock
// decrement conditioned on enough stock and the line's price and name still being the
// product's, then the order and the
// idempotency record conditioned on not existing (or having expired), then the cart delete
// conditioned on the version read.
func (s *Orders) Place(ctx context.Context, p shop.Placement) error {
	o := p.Order
	var items []types.TransactWriteItem
	for _, l := range o.Lines {
		expr, err := expression.NewBuilder().
			WithUpdate(expression.Set(expression.Name("stock"), expression.Name("stock").Minus(expression.Value(l.Quantity))).
				Set(expression.Name("updatedAt"), expression.Value(formatTime(o.CreatedAt)))).
			WithCondition(expression.Name("stock").GreaterThanEqual(expression.Value(l.Quantity)).
				And(expression.Name("priceAmount").Equal(expression.Value(l.UnitPrice.Amount))).
				And(expression.Name("currency").Equal(expression.Value(l.UnitPrice.Currency))).
				And(expression.Name("name").Equal(expression.Value(l.Name)))).
			Build()
		if err != nil {
			return fmt.Errorf("place order %s: %w", o.ID, err)
		}
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName: s.db.table(schema.Products), Key: productKey(l.ProductID),
			UpdateExpression: expr.Update(), ConditionExpression: expr.Condition(),
			ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}})
	}
	orderAV, err := attributevalue.MarshalMap(toOrderItem(o))
	if err != nil {
		return fmt.Errorf("place order %s: %w", o.ID, err)
	}
	rec := p.Idempotency
	recAV, err := attributevalue.MarshalMap(idempotencyItem{
		IdempotencyID: rec.ID, OwnerID: rec.OwnerID, CartID: rec.CartID, OrderID: rec.OrderID,
		CreatedAt: formatTime(rec.CreatedAt), ExpiresAt: rec.ExpiresAt.Unix(),
	})
	if err != nil {
		return fmt.Errorf("place order %s: %w", o.ID, err)
	}
	// A record past its expiresAt reads as unused (Idempotency), so it may be replaced too:
	// TTL deletes it up to two days later. The same rule as SaveCart's.
	recCond, err := expression.NewBuilder().WithCondition(
		expression.AttributeNotExists(expression.Name("idempotencyId")).
			Or(expression.Name("expiresAt").LessThanEqual(expression.Value(time.Now().Unix())))).Build()
	if err != nil {
		return fmt.Errorf("place order %s: %w", o.ID, err)
	}
	cartCond, err := expression.NewBuilder().WithCondition(
		expression.Name("version").Equal(expression.Value(p.CartVersion)).
			And(expression.Name("ownerId").Equal(expression.Value(o.OwnerID)))).Build()
	if err != nil {
		return fmt.Errorf("place order %s: %w", o.ID, err)
	}
	items = append(items,
		types.TransactWriteItem{Put: &types.Put{
			TableName: s.db.table(schema.Orders), Item: orderAV,
			ConditionExpression: aws.String("attribute_not_exists(orderId)"),
		}},
		types.TransactWriteItem{Put: &types.Put{
			TableName: s.db.table(schema.Idempotency), Item: recAV,
			ConditionExpression: recCond.Condition(), ExpressionAttributeNames: recCond.Names(), ExpressionAttributeValues: recCond.Values(),
		}},
		types.TransactWriteItem{Delete: &types.Delete{
			TableName: s.db.table(schema.Carts), Key: cartKey(o.OwnerID, o.CartID),
			ConditionExpression: cartCond.Condition(), ExpressionAttributeNames: cartCond.Names(), ExpressionAttributeValues: cartCond.Values(),
		}},
	)
	reasons, err := s.transact(ctx, "place order "+o.ID, items)
	if err != nil || reasons == nil {
		return err
	}
	if len(reasons) != len(items) {
		return fmt.Errorf("place order %s: %w", o.ID, shop.ErrStale)
	}
	// A held key explains every other failed condition: its checkout took the stock and
	// deleted the cart in the same transaction.
	if aws.ToString(reasons[len(o.Lines)+1].Code) == "ConditionalCheckFailed" {
		return fmt.Errorf("place order %s: %w", o.ID, shop.ErrKeyInProgress)
	}
	var short []string
	for i, l := range o.Lines {
		if aws.ToString(reasons[i].Code) != "ConditionalCheckFailed" {
			continue
		}
		old, err := unmarshalProduct(reasons[i].Item)
		if err == nil && reasons[i].Item != nil && old.Stock < l.Quantity {
			short = append(short, l.ProductID)
		}
	}
	if len(short) > 0 {
		return shop.OutOfStock(short)
	}
	return fmt.Errorf("place order %s: %w", o.ID, shop.ErrStale)
}

// Cancel implements shop.OrderStore: the status change, conditioned on the status read,
// and every line's restock commit together or not at all.
func (s *Orders) Cancel(ctx context.Context, from, to shop.Order) error {
	expr, err := expression.NewBuilder().
		WithUpdate(expression.Set(expression.Name("status"), expression.Value(string(to.Status))).
			Set(expression.Name("updatedAt"), expression.Value(formatTime(to.UpdatedAt)))).
		WithCondition(expression.Name("status").Equal(expression.Value(string(from.Status))).
			And(expression.Name("ownerId").Equal(expression.Value(from.OwnerID)))).
		Build()
	if err != nil {
		return fmt.Errorf("cancel order %s: %w", from.ID, err)
	}
	items := []types.TransactWriteItem{{Update: &types.Update{
		TableName: s.db.table(schema.Orders), Key: orderKey(from.ID),
		UpdateExpression: expr.Update(), ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}}}
	for _, l := range from.Lines {
		restock, err := expression.NewBuilder().
			WithUpdate(expression.Add(expression.Name("stock"), expression.Value(l.Quantity)).
				Set(expression.Name("updatedAt"), expression.Value(formatTime(to.UpdatedAt)))).
			WithCondition(expression.AttributeExists(expression.Name("productId")).
				And(expression.Name("stock").LessThanEqual(expression.Value(shop.MaxStock - l.Quantity)))).
			Build()
		if err != nil {
			return fmt.Errorf("cancel order %s: %w", from.ID, err)
		}
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName: s.db.table(schema.Products), Key: productKey(l.ProductID),
			UpdateExpression: restock.Update(), ConditionExpression: restock.Condition(),
			ExpressionAttributeNames: restock.Names(), ExpressionAttributeValues: restock.Values(),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}})
	}
	reasons, err := s.transact(ctx, "cancel order "+from.ID, items)
	if err != nil || reasons == nil {
		return err
	}
	if aws.ToString(reasons[0].Code) == "ConditionalCheckFailed" {
		return fmt.Errorf("cancel order %s: %w", from.ID, shop.ErrStale)
	}
	for i, l := range from.Lines {
		if r := reasons[i+1]; aws.ToString(r.Code) == "ConditionalCheckFailed" && r.Item != nil {
			old, err := unmarshalProduct(r.Item)
			if err != nil {
				return err
			}
			return shop.Errorf(shop.ECONFLICT, "order %s cannot be cancelled: restocking product %s (stock %d) by %d would exceed %d",
				from.ID, l.ProductID, old.Stock, l.Quantity, shop.MaxStock)
		}
	}
	return shop.Errorf(shop.EUNPROCESSABLE, "order %s contains a product that no longer exists; it cannot be restocked", from.ID)
}

// transact runs a write transaction, retrying while it only collides with concurrent
// transactions on the same items. It returns the cancellation reasons when a
// condition failed, and nil reasons on success.
func (s *Orders) transact(ctx context.Context, op string, items []types.TransactWriteItem) ([]types.CancellationReason, error) {
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			if err := backoff.Sleep(ctx, retryDelay(attempt)); err != nil {
				return nil, fail(op, err)
			}
		}
		_, err := s.db.writer.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			return nil, nil
		}
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			return nil, fail(op, err)
		}
		conflict, failed := false, false
		for _, r := range tce.CancellationReasons {
			switch aws.ToString(r.Code) {
			case "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded":
				conflict = true
			case "ConditionalCheckFailed":
				failed = true
			}
		}
		switch {
		case failed:
			return tce.CancellationReasons, nil
		case conflict && attempt+1 < TransactAttempts:
			continue
		case conflict:
			return nil, &shop.Error{Code: shop.EUNAVAILABLE, Message: "too many concurrent updates of the same products; retry shortly", Err: fmt.Errorf("%s: %w", op, err)}
		default:
			return nil, fail(op, err)
		}
	}
}

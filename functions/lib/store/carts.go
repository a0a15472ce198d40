package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"shopstack/contract/schema"
	"shopstack/functions/lib/shop"
)

// Carts stores carts in the carts table, keyed by owner and id (cartKey); DynamoDB TTL
// removes them at expiresAt.
type Carts struct{ db *DB }

var _ shop.CartStore = (*Carts)(nil)

type cartItem struct {
	Key       string         `dynamodbav:"cartId"` // the table's key: ownerKey(ownerId, id)
	ID        string         `dynamodbav:"id"`     // the client's cart id
	OwnerID   string         `dynamodbav:"ownerId"`
	Currency  string         `dynamodbav:"currency,omitempty"`
	Items     []cartLineItem `dynamodbav:"items"`
	Version   int64          `dynamodbav:"version"`
	UpdatedAt string         `dynamodbav:"updatedAt"`
	ExpiresAt int64          `dynamodbav:"expiresAt"` // epoch seconds, the table's TTL attribute
}

// cartLineItem is one line; name and priceAmount (in the cart's currency) are absent from
// lines stored before lines carried them.
type cartLineItem struct {
	ProductID   string `dynamodbav:"productId"`
	Quantity    int    `dynamodbav:"quantity"`
	Name        string `dynamodbav:"name,omitempty"`
	PriceAmount int64  `dynamodbav:"priceAmount,omitempty"`
}

// ownerKey is the stored key of an owner's cart: the owner, "/", the id. Cart ids never
// hold a "/" (shop.ValidID), so the last "/" splits any key back unambiguously, and the
// same id of two owners is two items. An owner (a Cognito sub) is at most 256 bytes.
func ownerKey(ownerID, id string) string { return ownerID + "/" + id }

func cartKey(ownerID, id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"cartId": &types.AttributeValueMemberS{Value: ownerKey(ownerID, id)}}
}

// Cart implements shop.CartStore. TTL deletion lags, so an expired cart still stored
// reads as not found.
func (s *Carts) Cart(ctx context.Context, ownerID, id string, c shop.Consistency) (shop.Cart, error) {
	out, err := s.db.client(c).GetItem(ctx, &dynamodb.GetItemInput{
		TableName: s.db.table(schema.Carts), Key: cartKey(ownerID, id), ConsistentRead: aws.Bool(c == shop.Fresh),
	})
	if err != nil {
		return shop.Cart{}, fail("get cart "+id, err)
	}
	if out.Item == nil {
		return shop.Cart{}, notFound("cart", id)
	}
	var it cartItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return shop.Cart{}, fmt.Errorf("get cart %s: %w", id, err)
	}
	expires := time.Unix(it.ExpiresAt, 0).UTC()
	if !expires.After(time.Now()) {
		return shop.Cart{}, notFound("cart", id)
	}
	cart := shop.Cart{
		ID: it.ID, OwnerID: it.OwnerID, Currency: it.Currency, Version: it.Version,
		UpdatedAt: parseTime(it.UpdatedAt), ExpiresAt: expires,
	}
	for _, l := range it.Items {
		line := shop.CartItem{ProductID: l.ProductID, Quantity: l.Quantity, Name: l.Name}
		if l.PriceAmount > 0 {
			line.UnitPrice = shop.Money{Amount: l.PriceAmount, Currency: it.Currency}
		}
		cart.Items = append(cart.Items, line)
	}
	return cart, nil
}

// SaveCart implements shop.CartStore with a PutItem conditioned on the version read.
func (s *Carts) SaveCart(ctx context.Context, c shop.Cart) (shop.Cart, error) {
	it := cartItem{
		Key: ownerKey(c.OwnerID, c.ID), ID: c.ID, OwnerID: c.OwnerID, Currency: c.Currency, Items: []cartLineItem{}, Version: c.Version + 1,
		UpdatedAt: formatTime(c.UpdatedAt), ExpiresAt: c.ExpiresAt.Unix(),
	}
	for _, l := range c.Items {
		it.Items = append(it.Items, cartLineItem{ProductID: l.ProductID, Quantity: l.Quantity, Name: l.Name, PriceAmount: l.UnitPrice.Amount})
	}
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return shop.Cart{}, fmt.Errorf("save cart %s: %w", c.ID, err)
	}
	// A new cart may replace one that expired but that TTL has not deleted yet.
	cond := expression.AttributeNotExists(expression.Name("cartId")).
		Or(expression.Name("expiresAt").LessThanEqual(expression.Value(time.Now().Unix())))
	if c.Version > 0 {
		cond = expression.Name("version").Equal(expression.Value(c.Version))
	}
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return shop.Cart{}, fmt.Errorf("save cart %s: %w", c.ID, err)
	}
	_, err = s.db.writer.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: s.db.table(schema.Carts), Item: av,
		ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	if isConditionFailed(err) {
		return shop.Cart{}, fmt.Errorf("save cart %s: %w", c.ID, shop.ErrStale)
	}
	if err != nil {
		return shop.Cart{}, fail("save cart "+c.ID, err)
	}
	c.Version = it.Version
	return c, nil
}

package api_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/contract/schema"
	"shopstack/dev/dynamolocal"
	"shopstack/functions/lib/shop"
)

func TestCheckout(t *testing.T) {
	f := newFixture(t)
	mug := f.product("Mug", "kitchen", 1200, 5)
	lamp := f.product("Lamp", "lighting", 4500, 2)
	f.cart(alice, "c1", mug, 2)
	f.cart(alice, "c1", lamp, 1)

	r := f.checkout(alice, "c1", "key-1")
	require.Equal(t, 201, r.StatusCode, r.Body)
	orderID := r.str("orderId")
	assert.Equal(t, "/orders/"+orderID, r.Headers["Location"])
	assert.Empty(t, r.Headers["Idempotent-Replayed"])
	assert.Equal(t, "placed", r.str("status"))
	assert.Equal(t, "c1", r.str("cartId"))
	assert.Equal(t, map[string]any{"amount": 2*1200.0 + 4500.0, "currency": "EUR"}, r.json["total"])
	lines := r.json["lines"].([]any)
	require.Len(t, lines, 2)
	assert.Equal(t, map[string]any{"productId": mug, "name": "Mug", "quantity": 2.0,
		"unitPrice": map[string]any{"amount": 1200.0, "currency": "EUR"}, "lineTotal": map[string]any{"amount": 2400.0, "currency": "EUR"}}, lines[0])
	assert.Equal(t, 3, f.stock(mug))
	assert.Equal(t, 1, f.stock(lamp))
	assert.Equal(t, 404, f.do("GET", "/carts/c1", alice, "").StatusCode, "checkout consumes the cart")

	// The same key again returns the same order and reserves nothing more.
	again := f.checkout(alice, "c1", "key-1")
	require.Equal(t, 201, again.StatusCode, again.Body)
	assert.Equal(t, orderID, again.str("orderId"))
	assert.Equal(t, "true", again.Headers["Idempotent-Replayed"])
	assert.Equal(t, r.json, again.json)
	assert.Equal(t, 3, f.stock(mug))

	// The same key with another cart is refused.
	f.cart(alice, "c2", mug, 1)
	other := f.checkout(alice, "c2", "key-1")
	assert.Equal(t, 422, other.StatusCode)
	assert.Equal(t, "unprocessable", other.errCode())
	assert.Contains(t, other.errMessage(), "Idempotency-Key")
	// Keys belong to their caller: bob's key-1 is unrelated to alice's.
	f.cart(bob, "b1", mug, 1)
	assert.Equal(t, 201, f.checkout(bob, "b1", "key-1").StatusCode)

	// Out of stock names the product, changes nothing and keeps the cart.
	f.cart(alice, "c3", lamp, 2)
	f.cart(alice, "c3", mug, 1)
	oos := f.checkout(alice, "c3", "key-3")
	assert.Equal(t, 409, oos.StatusCode)
	assert.Equal(t, "out_of_stock", oos.errCode())
	assert.Contains(t, oos.errMessage(), lamp)
	assert.NotContains(t, oos.errMessage(), mug)
	assert.Equal(t, 1, f.stock(lamp))
	assert.Equal(t, 2, f.stock(mug))
	assert.Equal(t, 200, f.do("GET", "/carts/c3", alice, "").StatusCode)

	// An emptied cart is gone, so there is nothing to check out.
	f.cart(alice, "c4", mug, 1)
	f.cart(alice, "c4", mug, 0)
	assert.Equal(t, 404, f.checkout(alice, "c4", "key-4").StatusCode)

	// The subtests run in any order; only "header case" consumes a cart, its own.
	f.cart(alice, "c5", mug, 1)

	for name, c := range map[string]struct {
		as      who
		body    string
		headers []string
		status  int
		code    string
	}{
		"anonymous":     {anon, `{"cartId":"c2"}`, []string{"Idempotency-Key", "k"}, 401, "unauthorized"},
		"no key":        {alice, `{"cartId":"c2"}`, nil, 400, "invalid"},
		"bad key":       {alice, `{"cartId":"c2"}`, []string{"Idempotency-Key", "has space"}, 400, "invalid"},
		"long key":      {alice, `{"cartId":"c2"}`, []string{"Idempotency-Key", strings.Repeat("k", 129)}, 400, "invalid"},
		"other's cart":  {bob, `{"cartId":"c2"}`, []string{"Idempotency-Key", "k"}, 404, "not_found"},
		"missing cart":  {alice, `{"cartId":"zz"}`, []string{"Idempotency-Key", "k"}, 404, "not_found"},
		"bad cart id":   {alice, `{"cartId":"a b"}`, []string{"Idempotency-Key", "k"}, 400, "invalid"},
		"no cart id":    {alice, `{}`, []string{"Idempotency-Key", "k"}, 400, "invalid"},
		"client prices": {alice, `{"cartId":"c2","total":1}`, []string{"Idempotency-Key", "k"}, 400, "invalid"},
		"bad json":      {alice, `{"cartId":`, []string{"Idempotency-Key", "k"}, 400, "invalid"},
		"header case":   {alice, `{"cartId":"c5"}`, []string{"idempotency-key", "k-lower"}, 201, ""},
	} {
		t.Run(name, func(t *testing.T) {
			r := f.do("POST", "/orders", c.as, c.body, c.headers...)
			assert.Equal(t, c.status, r.StatusCode, r.Body)
			assert.Equal(t, c.code, r.errCode())
		})
	}
}

func TestOrdersListAndGet(t *testing.T) {
	f := newFixture(t)
	mug := f.product("Mug", "kitchen", 1200, 100)
	var ids []string
	for i := 0; i < 5; i++ {
		c := fmt.Sprintf("c%d", i)
		f.cart(alice, c, mug, i+1)
		r := f.checkout(alice, c, "k"+c)
		require.Equal(t, 201, r.StatusCode, r.Body)
		ids = append(ids, r.str("orderId"))
	}
	f.cart(bob, "b", mug, 1)
	bobs := f.checkout(bob, "b", "kb").str("orderId")

	// Newest first, two per page, each exactly once.
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 5)
		r := f.do("GET", "/orders?limit=2&cursor="+cursor, alice, "")
		require.Equal(t, 200, r.StatusCode, r.Body)
		for _, o := range r.json["orders"].([]any) {
			got = append(got, o.(map[string]any)["orderId"].(string))
		}
		if cursor = r.str("nextCursor"); cursor == "" {
			break
		}
		if pages == 0 {
			assert.Equal(t, 400, f.do("GET", "/orders?cursor="+cursor, bob, "").StatusCode, "alice's cursor is not bob's")
		}
	}
	assert.Equal(t, []string{ids[4], ids[3], ids[2], ids[1], ids[0]}, got)

	r := f.do("GET", "/orders/"+ids[2], alice, "")
	require.Equal(t, 200, r.StatusCode)
	assert.Equal(t, ids[2], r.str("orderId"))
	assert.Equal(t, 3.0, r.json["lines"].([]any)[0].(map[string]any)["quantity"])

	for name, c := range map[string]struct {
		as     who
		target string
		status int
	}{
		"others' order":  {alice, "/orders/" + bobs, 404},
		"missing":        {alice, "/orders/nope", 404},
		"bad id":         {alice, "/orders/a%20b", 400},
		"anonymous get":  {anon, "/orders/" + ids[0], 401},
		"anonymous list": {anon, "/orders", 401},
		"bad limit":      {alice, "/orders?limit=1000", 400},
		"bad cursor":     {alice, "/orders?cursor=abc", 400},
	} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, c.status, f.do("GET", c.target, c.as, "").StatusCode)
		})
	}
	only := f.do("GET", "/orders", bob, "")
	require.Len(t, only.json["orders"].([]any), 1)
	assert.Equal(t, bobs, only.json["orders"].([]any)[0].(map[string]any)["orderId"])
}

func TestOrderCancel(t *testing.T) {
	f := newFixture(t)
	mug := f.product("Mug", "kitchen", 1200, 10)
	lamp := f.product("Lamp", "lighting", 4500, 10)
	f.cart(alice, "c1", mug, 3)
	f.cart(alice, "c1", lamp, 2)
	id := f.checkout(alice, "c1", "k1").str("orderId")
	require.Equal(t, 7, f.stock(mug))

	assert.Equal(t, 401, f.do("POST", "/orders/"+id+"/cancel", anon, "").StatusCode)
	assert.Equal(t, 404, f.do("POST", "/orders/"+id+"/cancel", bob, "").StatusCode, "others' orders are invisible")
	assert.Equal(t, 404, f.do("POST", "/orders/nope/cancel", alice, "").StatusCode)
	assert.Equal(t, 400, f.do("POST", "/orders/a.b/cancel", alice, "").StatusCode)

	r := f.do("POST", "/orders/"+id+"/cancel", alice, "")
	require.Equal(t, 200, r.StatusCode, r.Body)
	assert.Equal(t, "cancelled", r.str("status"))
	assert.Equal(t, 10, f.stock(mug))
	assert.Equal(t, 10, f.stock(lamp))
	assert.Equal(t, "cancelled", f.do("GET", "/orders/"+id, alice, "").str("status"))

	again := f.do("POST", "/orders/"+id+"/cancel", alice, "")
	assert.Equal(t, 409, again.StatusCode)
	assert.Equal(t, "conflict", again.errCode())
	assert.Equal(t, 10, f.stock(mug), "a second cancel does not restock")

	// A shipped order is past cancelling.
	f.cart(alice, "c2", mug, 1)
	shipped := f.checkout(alice, "c2", "k2").str("orderId")
	_, err := dynamolocal.Client(t).UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName:                 aws.String(f.tables[schema.Orders]),
		Key:                       map[string]types.AttributeValue{"orderId": &types.AttributeValueMemberS{Value: shipped}},
		UpdateExpression:          aws.String("SET #s = :s"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: "shipped"}},
	})
	require.NoError(t, err)
	r = f.do("POST", "/orders/"+shipped+"/cancel", alice, "")
	assert.Equal(t, 409, r.StatusCode)
	assert.Contains(t, r.errMessage(), "shipped")
	assert.Equal(t, 9, f.stock(mug))
}

// A key whose record expired (past expiresAt, not yet deleted by TTL, which can take up to
// two days) is unused: it places a new order, whatever cart it named before.
func TestCheckoutKeyReusedAfterExpiry(t *testing.T) {
	f := newFixture(t)
	mug := f.product("Mug", "kitchen", 1200, 5)
	expired := time.Now().Add(-time.Hour)
	_, err := dynamolocal.Client(t).PutItem(context.Background(), &dynamodb.PutItemInput{
		TableName: aws.String(f.tables[schema.Idempotency]),
		Item: map[string]types.AttributeValue{
			"idempotencyId": &types.AttributeValueMemberS{Value: shop.IdempotencyID(alice.sub, "old-key")},
			"ownerId":       &types.AttributeValueMemberS{Value: alice.sub},
			"cartId":        &types.AttributeValueMemberS{Value: "long-gone"},
			"orderId":       &types.AttributeValueMemberS{Value: "long-gone-order"},
			"createdAt":     &types.AttributeValueMemberS{Value: expired.Add(-shop.IdempotencyTTL).UTC().Format(time.RFC3339)},
			"expiresAt":     &types.AttributeValueMemberN{Value: strconv.FormatInt(expired.Unix(), 10)},
		},
	})
	require.NoError(t, err)
	f.cart(alice, "c1", mug, 2)

	r := f.checkout(alice, "c1", "old-key")
	require.Equal(t, 201, r.StatusCode, r.Body)
	assert.Empty(t, r.Headers["Idempotent-Replayed"])
	assert.Equal(t, 3, f.stock(mug))
	again := f.checkout(alice, "c1", "old-key")
	require.Equal(t, 201, again.StatusCode, again.Body)
	assert.Equal(t, r.str("orderId"), again.str("orderId"))
	assert.Equal(t, "true", again.Headers["Idempotent-Replayed"])
}

// The happy path of a checkout reads nothing the transaction's own conditions can stand in
// for: only the cart, then one TransactWriteItems. The key's record and the products are read
// only when a condition fails (a replay, a changed price).
func TestCheckoutReadsOnlyTheCart(t *testing.T) {
	f := newFixture(t)
	mug := f.product("Mug", "kitchen", 1200, 5)
	f.cart(alice, "c1", mug, 2)
	r := f.checkout(alice, "c1", "key-1")
	require.Equal(t, 201, r.StatusCode, r.Body)
	var got []string
	for _, a := range f.recorders["checkout"].Actions() {
		got = append(got, a.Action+" "+strings.TrimPrefix(a.Table, strings.TrimSuffix(f.tables[schema.Carts], schema.Carts)))
	}
	assert.ElementsMatch(t, []string{
		"dynamodb:GetItem " + schema.Carts,
		"dynamodb:UpdateItem " + schema.Products, "dynamodb:PutItem " + schema.Orders,
		"dynamodb:PutItem " + schema.Idempotency, "dynamodb:DeleteItem " + schema.Carts,
	}, got)
}

// A cart line remembers the product's name and price when it was set; an order is placed at
// the product's current ones: a changed price or name fails the transaction's condition, and
// the checkout re-reads the products and retries.
func TestCheckoutAfterProductChange(t *testing.T) {
	f := newFixture(t)
	mug := f.product("Mug", "kitchen", 1200, 5)
	lamp := f.product("Lamp", "lighting", 4500, 2)
	f.cart(alice, "c1", mug, 2)
	f.cart(alice, "c1", lamp, 1)
	r := f.do("PUT", "/products/"+mug, admin, `{"name":"Big mug","category":"kitchen","price":{"amount":1500,"currency":"EUR"},"lowStockThreshold":2}`)
	require.Equal(t, 200, r.StatusCode, r.Body)

	o := f.checkout(alice, "c1", "key-1")
	require.Equal(t, 201, o.StatusCode, o.Body)
	assert.Equal(t, map[string]any{"amount": 2*1500.0 + 4500.0, "currency": "EUR"}, o.json["total"])
	line := o.json["lines"].([]any)[0].(map[string]any)
	assert.Equal(t, "Big mug", line["name"])
	assert.Equal(t, map[string]any{"amount": 1500.0, "currency": "EUR"}, line["unitPrice"])
	assert.Equal(t, 3, f.stock(mug))
	assert.Equal(t, 1, f.stock(lamp))
}

// A cart stored before lines carried name and price is checked out at the products' prices.
func TestCheckoutOfCartWithoutLinePrices(t *testing.T) {
	f := newFixture(t)
	mug := f.product("Mug", "kitchen", 1200, 5)
	now := time.Now().UTC()
	_, err := f.db.Carts().SaveCart(context.Background(), shop.Cart{ID: "old", OwnerID: alice.sub, Currency: "EUR",
		Items: []shop.CartItem{{ProductID: mug, Quantity: 2}}, UpdatedAt: now, ExpiresAt: now.Add(time.Hour)})
	require.NoError(t, err)
	o := f.checkout(alice, "old", "key-old")
	require.Equal(t, 201, o.StatusCode, o.Body)
	assert.Equal(t, map[string]any{"amount": 2400.0, "currency": "EUR"}, o.json["total"])
	assert.Equal(t, "Mug", o.json["lines"].([]any)[0].(map[string]any)["name"])
	assert.Equal(t, 3, f.stock(mug))
}

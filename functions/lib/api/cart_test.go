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
)

func TestCartSetAndGet(t *testing.T) {
	f := newFixture(t)
	mug := f.product("Mug", "kitchen", 1200, 5)
	lamp := f.product("Lamp", "lighting", 4500, 1)

	r := f.cart(alice, "c1", mug, 2)
	assert.Equal(t, "c1", r.str("cartId"))
	r = f.cart(alice, "c1", lamp, 3)
	assert.Equal(t, map[string]any{"amount": 2*1200.0 + 3*4500.0, "currency": "EUR"}, r.json["total"])
	items := r.json["items"].([]any)
	require.Len(t, items, 2)
	line := items[1].(map[string]any)
	assert.Equal(t, lamp, line["productId"])
	assert.Equal(t, 3.0, line["quantity"])
	assert.Equal(t, map[string]any{"amount": 13500.0, "currency": "EUR"}, line["lineTotal"])
	assert.Equal(t, false, line["inStock"], "3 lamps wanted, 1 in stock")

	// GET prices with the current product record, not the one at the time of adding.
	f.do("PUT", "/products/"+mug, admin, `{"name":"Mug","category":"kitchen","price":{"amount":1000,"currency":"EUR"},"lowStockThreshold":0}`)
	g := f.do("GET", "/carts/c1", alice, "")
	require.Equal(t, 200, g.StatusCode, g.Body)
	assert.Equal(t, 2*1000.0+3*4500.0, g.json["total"].(map[string]any)["amount"])
	assert.NotEmpty(t, g.str("expiresAt"))

	// Quantity 0 removes the line; setting again replaces the quantity.
	r = f.cart(alice, "c1", lamp, 0)
	assert.Len(t, r.json["items"].([]any), 1)
	r = f.cart(alice, "c1", mug, 5)
	assert.Equal(t, 5000.0, r.json["total"].(map[string]any)["amount"])

	// A product in another currency cannot join a EUR cart.
	usd := f.do("POST", "/products", admin, `{"name":"Hat","category":"wear","price":{"amount":900,"currency":"USD"},"stock":1}`)
	require.Equal(t, 201, usd.StatusCode)

	for name, c := range map[string]struct {
		as     who
		target string
		body   string
		status int
		code   string
	}{
		"anonymous":       {anon, "/carts/c1/items/" + mug, `{"quantity":1}`, 401, "unauthorized"},
		"unknown product": {alice, "/carts/c1/items/nope", `{"quantity":1}`, 404, "not_found"},
		"too many":        {alice, "/carts/c1/items/" + mug, `{"quantity":100}`, 400, "invalid"},
		"negative":        {alice, "/carts/c1/items/" + mug, `{"quantity":-1}`, 400, "invalid"},
		"missing":         {alice, "/carts/c1/items/" + mug, `{}`, 400, "invalid"},
		"null":            {alice, "/carts/c1/items/" + mug, `{"quantity":null}`, 400, "invalid"},
		"string":          {alice, "/carts/c1/items/" + mug, `{"quantity":"2"}`, 400, "invalid"},
		"unknown field":   {alice, "/carts/c1/items/" + mug, `{"quantity":1,"price":1}`, 400, "invalid"},
		"bad cart id":     {alice, "/carts/c%211/items/" + mug, `{"quantity":1}`, 400, "invalid"},
		"other currency":  {alice, "/carts/c1/items/" + usd.str("productId"), `{"quantity":1}`, 422, "unprocessable"},
	} {
		t.Run("put "+name, func(t *testing.T) {
			r := f.do("PUT", c.target, c.as, c.body)
			assert.Equal(t, c.status, r.StatusCode, r.Body)
			assert.Equal(t, c.code, r.errCode())
		})
	}

	for name, c := range map[string]struct {
		as     who
		target string
		status int
	}{
		"anonymous":    {anon, "/carts/c1", 401},
		"someone else": {bob, "/carts/c1", 404},
		"missing":      {alice, "/carts/c2", 404},
		"bad id":       {alice, "/carts/" + strings.Repeat("x", 65), 400},
	} {
		t.Run("get "+name, func(t *testing.T) {
			assert.Equal(t, c.status, f.do("GET", c.target, c.as, "").StatusCode)
		})
	}
	assert.Len(t, f.do("GET", "/carts/c1", alice, "").json["items"].([]any), 1, "failed requests changed the cart")
}

func TestCartDelete(t *testing.T) {
	f := newFixture(t)
	mug := f.product("Mug", "kitchen", 1200, 5)
	lamp := f.product("Lamp", "lighting", 4500, 5)
	f.cart(alice, "c1", mug, 1)
	f.cart(alice, "c1", lamp, 1)

	r := f.do("DELETE", "/carts/c1/items/"+mug, alice, "")
	require.Equal(t, 200, r.StatusCode, r.Body)
	items := r.json["items"].([]any)
	require.Len(t, items, 1)
	assert.Equal(t, lamp, items[0].(map[string]any)["productId"])

	assert.Equal(t, 200, f.do("DELETE", "/carts/c1/items/"+mug, alice, "").StatusCode, "deleting an absent line is fine")
	r = f.do("DELETE", "/carts/c1/items/"+lamp, alice, "")
	assert.Empty(t, r.json["items"])
	assert.Equal(t, map[string]any{"amount": 0.0, "currency": ""}, r.json["total"])

	assert.Equal(t, 401, f.do("DELETE", "/carts/c1/items/"+mug, anon, "").StatusCode)
	assert.Equal(t, 404, f.do("DELETE", "/carts/c1/items/"+mug, bob, "").StatusCode, "bob has no cart c1")
	assert.Equal(t, 404, f.do("DELETE", "/carts/none/items/"+mug, alice, "").StatusCode)
	assert.Equal(t, 400, f.do("DELETE", "/carts/c1/items/x%20y", alice, "").StatusCode)
}

func TestCartLineLimit(t *testing.T) {
	f := newFixture(t)
	for i := 0; i < 50; i++ {
		f.cart(alice, "big", f.product("P", "bulk", 100, 1), 1)
	}
	r := f.do("PUT", "/carts/big/items/"+f.product("P", "bulk", 100, 1), alice, `{"quantity":1}`)
	assert.Equal(t, 422, r.StatusCode)
	assert.Contains(t, r.errMessage(), "at most 50")
}

// Cart ids are chosen by clients, so a cart is its owner's id: another customer's id is
// just a cart of the caller's own (404 until they fill it), never a 403 that tells the id
// exists, and no customer can take an id away from another.
func TestCartsBelongToTheirOwner(t *testing.T) {
	f := newFixture(t)
	mug := f.product("Mug", "kitchen", 1200, 5)
	lamp := f.product("Lamp", "lighting", 4500, 5)
	f.cart(alice, "c1", mug, 2)

	g := f.do("GET", "/carts/c1", bob, "")
	assert.Equal(t, 404, g.StatusCode, "bob has no cart c1: %s", g.Body)
	assert.NotContains(t, g.errMessage(), "another customer")
	d := f.do("DELETE", "/carts/c1/items/"+mug, bob, "")
	assert.Equal(t, 404, d.StatusCode, d.Body)
	o := f.do("POST", "/orders", bob, `{"cartId":"c1"}`, "Idempotency-Key", "bob-1")
	assert.Equal(t, 404, o.StatusCode, o.Body)

	// Bob's c1 is his own cart; alice's is untouched.
	r := f.do("PUT", "/carts/c1/items/"+lamp, bob, `{"quantity":1}`)
	require.Equal(t, 200, r.StatusCode, r.Body)
	require.Len(t, r.json["items"].([]any), 1)
	assert.Equal(t, lamp, r.json["items"].([]any)[0].(map[string]any)["productId"])
	mine := f.do("GET", "/carts/c1", alice, "")
	require.Equal(t, 200, mine.StatusCode, mine.Body)
	require.Len(t, mine.json["items"].([]any), 1)
	assert.Equal(t, mug, mine.json["items"].([]any)[0].(map[string]any)["productId"])

	// Writing first to an id someone else will use blocks nothing.
	f.do("PUT", "/carts/next/items/"+mug, bob, `{"quantity":0}`)
	f.do("PUT", "/carts/next2/items/"+mug, bob, `{"quantity":1}`)
	assert.Equal(t, 200, f.do("PUT", "/carts/next/items/"+mug, alice, `{"quantity":1}`).StatusCode)
	assert.Equal(t, 200, f.do("PUT", "/carts/next2/items/"+mug, alice, `{"quantity":1}`).StatusCode)

	// Each checks out their own c1.
	a := f.checkout(alice, "c1", "a-1")
	require.Equal(t, 201, a.StatusCode, a.Body)
	assert.Equal(t, 2400.0, a.json["total"].(map[string]any)["amount"])
	b := f.checkout(bob, "c1", "b-1")
	require.Equal(t, 201, b.StatusCode, b.Body)
	assert.Equal(t, 4500.0, b.json["total"].(map[string]any)["amount"])
}

// TestNoEmptyCartsAreKept: a signed-in user cannot fill the carts table with empty carts —
// quantity 0 on a cart that does not exist writes nothing, and a cart emptied by its owner
// expires at once (it reads as not found, and TTL deletes it).
func TestNoEmptyCartsAreKept(t *testing.T) {
	f := newFixture(t)
	mug := f.product("Mug", "kitchen", 1200, 5)
	for i := 0; i < 10; i++ {
		r := f.cart(bob, fmt.Sprintf("empty-%d", i), mug, 0)
		assert.Empty(t, r.json["items"])
		assert.Equal(t, 404, f.do("GET", fmt.Sprintf("/carts/empty-%d", i), bob, "").StatusCode)
	}
	f.cart(alice, "c1", mug, 1)
	assert.Equal(t, 1, f.liveCarts(), "alice's one cart")
	r := f.do("DELETE", "/carts/c1/items/"+mug, alice, "")
	require.Equal(t, 200, r.StatusCode, r.Body)
	assert.Empty(t, r.json["items"])
	assert.Equal(t, 404, f.do("GET", "/carts/c1", alice, "").StatusCode, "an emptied cart is gone")
	f.cart(alice, "c2", mug, 2)
	f.cart(alice, "c2", mug, 0)
	assert.Equal(t, 404, f.do("GET", "/carts/c2", alice, "").StatusCode, "an emptied cart is gone")
	assert.Equal(t, 0, f.liveCarts())

	// An emptied cart's id can be filled again.
	r = f.cart(alice, "c1", mug, 3)
	assert.Len(t, r.json["items"], 1)
	assert.Equal(t, 1, f.liveCarts())
}

// liveCarts counts the stored carts that have not expired.
func (f *fixture) liveCarts() int {
	f.t.Helper()
	out, err := dynamolocal.Client(f.t).Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(f.tables[schema.Carts])})
	require.NoError(f.t, err)
	n := 0
	for _, it := range out.Items {
		exp, err := strconv.ParseInt(it["expiresAt"].(*types.AttributeValueMemberN).Value, 10, 64)
		require.NoError(f.t, err)
		if exp > time.Now().Unix() {
			n++
		}
	}
	return n
}

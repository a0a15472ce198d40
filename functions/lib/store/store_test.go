package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/dev/dynamolocal"
	"shopstack/functions/lib/shop"
	"shopstack/functions/lib/store"
)

func TestMain(m *testing.M) { dynamolocal.Main(m) }

// With a writer region, every write and every read a write depends on goes to the
// writer's client; display reads stay local.
func TestWritesGoToTheWriterRegion(t *testing.T) {
	raw := dynamolocal.Client(t)
	tables := dynamolocal.Tables(t, raw)
	reader, writer := dynamolocal.NewRecorder(raw), dynamolocal.NewRecorder(raw)
	db := store.New(reader, writer, tables)
	ctx := context.Background()
	alice := shop.Caller{ID: "alice"}

	p, err := shop.NewCatalog(db.Products()).Create(ctx, shop.NewProduct{Name: "Mug", Category: "kitchen", Price: shop.Money{Amount: 100, Currency: "EUR"}, Stock: 5})
	require.NoError(t, err)
	_, err = shop.NewCatalog(db.Products()).AdjustStock(ctx, p.ID, shop.StockDelta{Delta: 1})
	require.NoError(t, err)
	q := 2
	_, err = shop.NewCarts(db.Carts(), db.Products()).SetItem(ctx, alice, "c1", p.ID, shop.CartQuantity{Quantity: &q})
	require.NoError(t, err)
	// A price changed since the cart's line was set: checkout re-reads the products (fresh).
	_, err = shop.NewCatalog(db.Products()).Update(ctx, p.ID, shop.ProductUpdate{Name: "Mug", Category: "kitchen", Price: shop.Money{Amount: 120, Currency: "EUR"}})
	require.NoError(t, err)
	o, _, err := shop.NewCheckout(db.Carts(), db.Products(), db.Orders()).Place(ctx, alice, "k", shop.PlaceOrder{CartID: "c1"})
	require.NoError(t, err)
	_, err = shop.NewOrders(db.Orders()).Cancel(ctx, alice, o.ID)
	require.NoError(t, err)
	_, err = shop.NewOrders(db.Orders()).List(ctx, alice, 10, "")
	require.NoError(t, err)
	_, err = shop.NewCatalog(db.Products()).Product(ctx, p.ID)
	require.NoError(t, err)

	for _, a := range reader.Actions() {
		assert.Contains(t, []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query"}, a.Action, "reader did %s on %s", a.Action, a.Table)
	}
	writes := map[string]bool{}
	for _, a := range writer.Actions() {
		writes[a.Action] = true
	}
	assert.Equal(t, map[string]bool{"dynamodb:PutItem": true, "dynamodb:UpdateItem": true, "dynamodb:DeleteItem": true, "dynamodb:GetItem": true, "dynamodb:BatchGetItem": true}, writes)
	assert.NotEmpty(t, reader.Actions())
}

func TestThrottlingIsUnavailable(t *testing.T) {
	// A store over a client that always throttles answers EUNAVAILABLE, others EINTERNAL.
	for code, want := range map[string]string{"ThrottlingException": shop.EUNAVAILABLE, "ProvisionedThroughputExceededException": shop.EUNAVAILABLE, "ValidationException": shop.EINTERNAL} {
		db := store.New(failing{&smithy.GenericAPIError{Code: code}}, nil, map[string]string{})
		_, err := db.Products().Product(context.Background(), "p", shop.Eventual)
		assert.Equal(t, want, shop.ErrorCode(err), code)
		assert.ErrorContains(t, err, code)
	}
}

func FuzzListCursor(f *testing.F) {
	for _, s := range []string{"", "e30", "eyJwcm9kdWN0SWQiOiJwMSJ9", "eyJjYXRlZ29yeSI6ImtpdGNoZW4iLCJwcm9kdWN0SWQiOiJwMSJ9", "%%", strings.Repeat("A", 2000), "eyJwcm9kdWN0SWQiOjF9"} {
		f.Add(s, "")
		f.Add(s, "kitchen")
	}
	f.Fuzz(func(t *testing.T, cursor, category string) {
		db := store.New(failing{errors.New("reached DynamoDB")}, nil, map[string]string{})
		_, err := db.Products().ListProducts(context.Background(), shop.ProductQuery{Category: category, Limit: 10, Cursor: cursor})
		// Either the cursor is refused as EINVALID, or it is well-formed and the call reaches the client.
		if shop.ErrorCode(err) != shop.EINVALID {
			require.ErrorContains(t, err, "reached DynamoDB", "cursor %q", cursor)
		}
	})
}

func FuzzOrderCursor(f *testing.F) {
	for _, s := range []string{"", "e30", "eyJvd25lcklkIjoiYSIsImNyZWF0ZWRBdCI6IjIwMjYtMDEtMDFUMDA6MDA6MDAuMDAwWiIsIm9yZGVySWQiOiJvMSJ9"} {
		f.Add(s, "a")
	}
	f.Fuzz(func(t *testing.T, cursor, owner string) {
		db := store.New(failing{errors.New("reached DynamoDB")}, nil, map[string]string{})
		_, err := db.Orders().OrdersByOwner(context.Background(), shop.OrderQuery{OwnerID: owner, Limit: 10, Cursor: cursor})
		if shop.ErrorCode(err) != shop.EINVALID {
			require.ErrorContains(t, err, "reached DynamoDB", fmt.Sprintf("cursor %q", cursor))
		}
	})
}

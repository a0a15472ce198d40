package api_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/functions/lib/api"
	"shopstack/functions/lib/shop"
)

// decodeAs decodes a body that is not base64-encoded.
func decodeAs[T any](body string) (T, error) { return api.Decode[T](body, false) }

// TestDecodeKeysAreExact: a key that is not exactly a field's json name is an unknown
// field at every level, as the OpenAPI document and API Gateway's validator have it,
// although encoding/json alone matches keys to fields in any case.
func TestDecodeKeysAreExact(t *testing.T) {
	const product = `{"name":"Mug","description":"","category":"kitchen","price":{"amount":1299,"currency":"EUR"},"stock":5,"lowStockThreshold":2}`
	const update = `{"name":"Mug","description":"","category":"kitchen","price":{"amount":1299,"currency":"EUR"},"lowStockThreshold":2}`
	placeOrder := func(body string) (any, error) { return decodeAs[shop.PlaceOrder](body) }
	newProduct := func(body string) (any, error) { return decodeAs[shop.NewProduct](body) }
	productUpdate := func(body string) (any, error) { return decodeAs[shop.ProductUpdate](body) }
	stockDelta := func(body string) (any, error) { return decodeAs[shop.StockDelta](body) }
	cartQuantity := func(body string) (any, error) { return decodeAs[shop.CartQuantity](body) }
	two := 2
	cases := []struct {
		name   string
		decode func(string) (any, error)
		body   string
		want   any    // the value, when the body is accepted
		errMsg string // part of the message, when it is refused
	}{
		{"exact", placeOrder, `{"cartId":"c1"}`, shop.PlaceOrder{CartID: "c1"}, ""},
		{"exact escaped", placeOrder, `{"cart\u0049d":"c1"}`, shop.PlaceOrder{CartID: "c1"}, ""},
		{"exact spaced", placeOrder, " {\n\t\"cartId\" :\r \"c1\" } ", shop.PlaceOrder{CartID: "c1"}, ""},
		{"exact with braces in values", newProduct, strings.Replace(product, `"Mug"`, `"a\"}{\"Name\":["`, 1),
			shop.NewProduct{Name: `a"}{"Name":[`, Category: "kitchen", Price: shop.Money{Amount: 1299, Currency: "EUR"}, Stock: 5, LowStockThreshold: 2}, ""},
		{"exact nested", productUpdate, update,
			shop.ProductUpdate{Name: "Mug", Category: "kitchen", Price: shop.Money{Amount: 1299, Currency: "EUR"}, LowStockThreshold: 2}, ""},
		{"exact pointer", cartQuantity, `{"quantity":2}`, shop.CartQuantity{Quantity: &two}, ""},

		{"top level mixed case", placeOrder, `{"CArtId":"c1"}`, nil, `unknown field "CArtId"`},
		{"top level upper case", placeOrder, `{"CARTID":"c1"}`, nil, `unknown field "CARTID"`},
		{"top level lower case", placeOrder, `{"cartid":"c1"}`, nil, `unknown field "cartid"`},
		{"top level escaped wrong case", placeOrder, `{"cart\u0069d":"c1"}`, nil, `unknown field "cartid"`},
		{"wrong case and wrong type", placeOrder, `{"CArtId":1}`, nil, `unknown field "CArtId"`},
		{"wrong case after a right key", placeOrder, `{"cartId":"c1","CartId":"c2"}`, nil, `unknown field "CartId"`},
		{"stock delta", stockDelta, `{"Delta":2}`, nil, `unknown field "Delta"`},
		{"cart quantity", cartQuantity, `{"Quantity":1}`, nil, `unknown field "Quantity"`},
		{"product top level", newProduct, strings.Replace(product, `"lowStockThreshold"`, `"lowstockthreshold"`, 1), nil, `unknown field "lowstockthreshold"`},
		{"product object key", newProduct, strings.Replace(product, `"price"`, `"Price"`, 1), nil, `unknown field "Price"`},
		{"product nested", newProduct, strings.Replace(product, `"amount"`, `"Amount"`, 1), nil, `unknown field "price.Amount"`},
		{"product nested upper", newProduct, strings.Replace(product, `"currency"`, `"CURRENCY"`, 1), nil, `unknown field "price.CURRENCY"`},
		{"update nested", productUpdate, strings.Replace(update, `"currency"`, `"Currency"`, 1), nil, `unknown field "price.Currency"`},
		{"update nested unknown", productUpdate, strings.Replace(update, `"EUR"}`, `"EUR","tax":0}`, 1), nil, `unknown field "price.tax"`},
		{"update sets stock", productUpdate, strings.Replace(update, `"lowStockThreshold"`, `"stock":1,"lowStockThreshold"`, 1), nil, `unknown field "stock"`},

		{"syntax goes first", placeOrder, `{"CArtId":"c1"`, nil, "ends early"},
		{"trailing data", placeOrder, `{"cartId":"c1"} {"CArtId":"c1"}`, nil, "single JSON object"},
		{"type", placeOrder, `{"cartId":1}`, nil, `"cartId" must be a string`},
		{"nested type", newProduct, strings.Replace(product, `1299`, `"1299"`, 1), nil, `"price.amount" must be an integer`},
		{"nested not an object", newProduct, strings.Replace(product, `{"amount":1299,"currency":"EUR"}`, `[{"Amount":1}]`, 1), nil, `"price" must be an object`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := c.decode(c.body)
			if c.errMsg == "" {
				require.NoError(t, err, c.body)
				assert.Equal(t, c.want, v)
				return
			}
			require.Error(t, err, "%s decoded to %+v", c.body, v)
			var de *shop.Error
			require.True(t, errors.As(err, &de), "%v is not a domain error", err)
			assert.Equal(t, shop.EINVALID, de.Code)
			assert.Contains(t, de.Message, c.errMsg)
		})
	}
}

// TestDecodeKeysAreExactInEveryShape covers the shapes the request types do not use yet:
// the check follows embedded structs, pointers, slices and map values, and leaves alone
// what decodes itself or into an interface.
func TestDecodeKeysAreExactInEveryShape(t *testing.T) {
	type item struct {
		A int `json:"a"`
	}
	type Base struct {
		ID string `json:"id"`
	}
	type shape struct {
		Base
		Items    []item          `json:"items"`
		ByName   map[string]item `json:"byName"`
		Ptr      *item           `json:"ptr"`
		When     time.Time       `json:"when"`
		Any      any             `json:"any"`
		Untagged int
		Skipped  int `json:"-"`
	}
	accepted := `{"id":"x","items":[{"a":1},{"a":2}],"byName":{"K":{"a":1}},"ptr":{"a":1},"when":"2026-01-02T03:04:05Z","any":{"X":[1]},"Untagged":1}`
	v, err := decodeAs[shape](accepted)
	require.NoError(t, err)
	assert.Equal(t, 2, v.Items[1].A)
	assert.Equal(t, 1, v.ByName["K"].A)
	for body, path := range map[string]string{
		`{"ID":"x"}`:                        "ID",
		`{"Base":{"id":"x"}}`:               "Base",
		`{"items":[{"a":1},{"A":1}]}`:       "items.A",
		`{"byName":{"k":{"a":1,"A":1}}}`:    "byName.k.A",
		`{"ptr":{"A":1}}`:                   "ptr.A",
		`{"untagged":1}`:                    "untagged",
		`{"Skipped":1}`:                     "Skipped",
		`{"any":{"X":1},"when":"","Ptr":1}`: "Ptr",
	} {
		_, err := decodeAs[shape](body)
		require.Error(t, err, body)
		assert.Contains(t, err.Error(), `unknown field "`+path+`"`, body)
	}
}

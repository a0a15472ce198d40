package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"unicode"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/contract/routes"
	"shopstack/functions/lib/api"
	"shopstack/functions/lib/shop"
)

// bodySeeds are the seed corpus shared by the decoder fuzz targets.
var bodySeeds = []string{
	``, ` `, `null`, `{}`, `[]`, `"x"`, `1`, `{"a":1}`, `{"delta":1}`, `{"delta":-3}`, `{"delta":1.5}`,
	`{"delta":"1"}`, `{"delta":99999999999999999999}`, `{"quantity":0}`, `{"quantity":null}`, `{"cartId":"c1"}`,
	`{"cartId":"c1"}{"cartId":"c2"}`, `{"cartId":1}`, `{"name":"x","category":"k","price":{"amount":1,"currency":"EUR"}}`,
	`{"name":"x","price":{"amount":"1"}}`, `{"price":[]}`, `{"name":"\u0000"}`, `{"name":"\xff"}`, `{`, `{"a":`, "{\"name\":\"x\"}\x00",
	`{"Delta":2}`, `{"delta":2,"delta":3}`, strings.Repeat(`{"a":`, 1000), `{"name":"` + strings.Repeat("é", 300) + `"}`,
	`{"CArtId":"c1"}`, `{"CARTID":"c1"}`, `{"cart\u0049d":"c1"}`, `{"QUANTITY":1}`,
	`{"name":"x","category":"k","price":{"Amount":1,"currency":"EUR"}}`, `{"name":"x","category":"k","Price":{"amount":1,"currency":"EUR"}}`,
}

// fuzzDecoder checks the properties every request decoder must have: no panic; an
// error is always an EINVALID domain error; every key of a body that decodes is exactly
// a key the type encodes; a body that decodes and validates re-encodes and decodes to
// the same value.
func fuzzDecoder[T interface{ Validate() error }](f *testing.F) {
	for _, s := range bodySeeds {
		f.Add(s, false)
	}
	f.Add("eyJkZWx0YSI6MX0=", true)
	f.Add("not base64", true)
	f.Fuzz(func(t *testing.T, body string, b64 bool) {
		v, err := api.Decode[T](body, b64)
		if err != nil {
			var de *shop.Error
			require.True(t, errors.As(err, &de), "error %v is not a domain error", err)
			require.Equal(t, shop.EINVALID, de.Code, "%v", err)
			require.NotEmpty(t, de.Message)
			return
		}
		if !b64 {
			var sent, encoded any
			require.NoError(t, json.Unmarshal([]byte(body), &sent))
			b, err := json.Marshal(v)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(b, &encoded))
			requireKnownKeys(t, "", sent, encoded)
		}
		if v.Validate() != nil {
			return
		}
		b, err := json.Marshal(v)
		require.NoError(t, err)
		again, err := api.Decode[T](string(b), false)
		require.NoError(t, err, "re-decode %s", b)
		require.Equal(t, v, again)
	})
}

// requireKnownKeys fails when an object in sent has a key its counterpart in encoded
// (every field of the type, none omitted) lacks: map keys compare exactly.
func requireKnownKeys(t *testing.T, path string, sent, encoded any) {
	s, ok := sent.(map[string]any)
	e, eok := encoded.(map[string]any)
	if !ok || !eok {
		return
	}
	for k, v := range s {
		require.Contains(t, e, k, "accepted key %q in %q", k, path)
		requireKnownKeys(t, strings.TrimPrefix(path+"."+k, "."), v, e[k])
	}
}

func FuzzDecodeNewProduct(f *testing.F)    { fuzzDecoder[shop.NewProduct](f) }
func FuzzDecodeProductUpdate(f *testing.F) { fuzzDecoder[shop.ProductUpdate](f) }
func FuzzDecodeStockDelta(f *testing.F)    { fuzzDecoder[shop.StockDelta](f) }
func FuzzDecodeCartQuantity(f *testing.F)  { fuzzDecoder[shop.CartQuantity](f) }
func FuzzDecodePlaceOrder(f *testing.F)    { fuzzDecoder[shop.PlaceOrder](f) }

// FuzzHandlers sends arbitrary path parameters, query strings, headers, claims and
// bodies to every route of every handler against DynamoDB Local: no input may panic
// or produce a 5xx, and every answer is the JSON the route promises.
func FuzzHandlers(f *testing.F) {
	fx := newFixture(f)
	product := fx.product("Mug", "kitchen", 1200, 50)
	fx.cart(alice, "c1", product, 1)
	order := func() string {
		fx.cart(alice, "c0", product, 1)
		return fx.checkout(alice, "c0", "seed").str("orderId")
	}()
	all := routes.All()
	for i := range all {
		for _, s := range []struct{ id, query, body, sub, groups, key string }{
			{"c1", "", `{"CArtId":"c1"}`, "alice-sub", "", "k4"},
			{product, "", `{"name":"n","category":"c","price":{"amount":1,"Currency":"EUR"}}`, "admin-sub", "admin", "k5"},
			{product, "", `{"quantity":2}`, "alice-sub", "", "k1"},
			{"c1", "limit=2", `{"cartId":"c1"}`, "alice-sub", "[admin]", "k2"},
			{order, "cursor=eyJ9", `{"delta":-1000}`, "admin-sub", "admin", ""},
			{"../x", "limit=-1&category=A", `{"name":"n","category":"c","price":{"amount":1,"currency":"EUR"}}`, "", "", "k3"},
			{strings.Repeat("a", 100), "cursor=" + strings.Repeat("x", 3000), `{"delta":1}{}`, "bob-sub", "[a b]", "\x00"},
		} {
			f.Add(uint8(i), s.id, s.query, s.body, s.sub, s.groups, s.key)
		}
	}
	f.Fuzz(func(t *testing.T, routeIndex uint8, id, query, body, sub, groups, key string) {
		r := all[int(routeIndex)%len(all)]
		params := map[string]string{}
		for _, p := range r.Params() {
			params[p] = id
		}
		req := events.APIGatewayProxyRequest{
			Resource: r.Path, HTTPMethod: r.Method, PathParameters: params, Body: body,
			QueryStringParameters: map[string]string{},
			Headers:               map[string]string{routes.IdempotencyHeader: key},
			RequestContext: events.APIGatewayProxyRequestContext{RequestID: "fuzz", Authorizer: map[string]any{
				"claims": map[string]any{"sub": sub, "cognito:groups": groups},
			}},
		}
		for _, kv := range strings.Split(query, "&") {
			k, v, _ := strings.Cut(kv, "=")
			req.QueryStringParameters[k] = v
		}
		resp, err := fx.handlers[r.Function].Handle(context.Background(), req)
		require.NoError(t, err)
		require.Less(t, resp.StatusCode, 500, "%s %s: %s", r.Method, r.Path, resp.Body)
		checkContract(t, req, resp)
		require.True(t, json.Valid([]byte(resp.Body)), resp.Body)
		if resp.StatusCode >= 400 {
			var e api.ErrorBody
			require.NoError(t, json.Unmarshal([]byte(resp.Body), &e))
			require.NotEmpty(t, e.Error.Code)
		}
	})
}

// FuzzClaims feeds arbitrary claims to an admin route: identity parsing never panics,
// and only a caller whose groups include exactly "admin" gets past authorization.
func FuzzClaims(f *testing.F) {
	for _, s := range [][2]string{{"u", "admin"}, {"u", "[admin other]"}, {"u", "ops,admin"}, {"u", "[administrator]"}, {"", "admin"}, {" ", "[]"}, {"u", "[ admin ]"}} {
		f.Add(s[0], s[1])
	}
	h, err := api.NewCatalog(shop.NewCatalog(nil), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, sub, groups string) {
		req := events.APIGatewayProxyRequest{Resource: "/products", HTTPMethod: "POST", Body: `{}`,
			RequestContext: events.APIGatewayProxyRequestContext{RequestID: "r", Authorizer: map[string]any{
				"claims": map[string]any{"sub": sub, "cognito:groups": groups},
			}}}
		resp, err := h.Handle(context.Background(), req)
		require.NoError(t, err)
		isAdmin := false
		for _, g := range strings.FieldsFunc(groups, func(r rune) bool { return r == ',' || r == '[' || r == ']' || unicode.IsSpace(r) }) {
			isAdmin = isAdmin || g == "admin"
		}
		switch {
		case strings.TrimSpace(sub) == "" || len(strings.TrimSpace(sub)) > 256:
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		case !isAdmin:
			assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		default:
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "an admin's empty product is invalid: %s", resp.Body)
		}
	})
}

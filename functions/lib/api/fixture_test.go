package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/require"

	"shopstack/contract/routes"
	"shopstack/dev/dynamolocal"
	"shopstack/functions/lib/api"
	"shopstack/functions/lib/shop"
	"shopstack/functions/lib/store"
)

func TestMain(m *testing.M) { dynamolocal.Main(m) }

// who is the identity a test request carries.
type who struct {
	sub    string
	groups any // as API Gateway passes cognito:groups
}

var (
	anon  = who{}
	alice = who{sub: "alice-sub"}
	bob   = who{sub: "bob-sub"}
	admin = who{sub: "admin-sub", groups: "[admin]"}
)

// fixture is the four handlers over fresh tables in DynamoDB Local; each handler's
// DynamoDB calls go through its own recorder.
type fixture struct {
	t         testing.TB
	tables    map[string]string
	db        *store.DB
	handlers  map[string]*api.Handler
	recorders map[string]*dynamolocal.Recorder
	logs      *bytes.Buffer
	// timeout, when set, is each invocation's time, as Lambda's context has a deadline.
	timeout time.Duration
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	raw := dynamolocal.Client(t)
	return newFixtureOn(t, raw, raw)
}

// newFixtureOn creates the tables with raw and builds handlers whose calls go through
// client; f.db reads and writes with raw.
func newFixtureOn(t testing.TB, raw, client *dynamodb.Client) *fixture {
	t.Helper()
	f := &fixture{t: t, tables: dynamolocal.Tables(t, raw), handlers: map[string]*api.Handler{}, recorders: map[string]*dynamolocal.Recorder{}, logs: &bytes.Buffer{}}
	f.db = store.New(raw, raw, f.tables)
	log := slog.New(slog.NewJSONHandler(&lockedWriter{w: f.logs}, nil))
	dbFor := func(fn string) *store.DB {
		r := dynamolocal.NewRecorder(client)
		f.recorders[fn] = r
		return store.New(r, r, f.tables)
	}
	var err error
	db := dbFor(routes.Catalog)
	f.handlers[routes.Catalog], err = api.NewCatalog(shop.NewCatalog(db.Products()), log)
	require.NoError(t, err)
	db = dbFor(routes.Cart)
	f.handlers[routes.Cart], err = api.NewCart(shop.NewCarts(db.Carts(), db.Products()), log)
	require.NoError(t, err)
	db = dbFor(routes.Checkout)
	f.handlers[routes.Checkout], err = api.NewCheckout(shop.NewCheckout(db.Carts(), db.Products(), db.Orders()), log)
	require.NoError(t, err)
	db = dbFor(routes.Orders)
	f.handlers[routes.Orders], err = api.NewOrders(shop.NewOrders(db.Orders()), log)
	require.NoError(t, err)
	db = dbFor(routes.Health)
	f.handlers[routes.Health], err = api.NewHealth(shop.NewHealth(db.Products()), "local", log)
	require.NoError(t, err)
	return f
}

var requestSeq atomic.Int64

// request builds the API Gateway event for "METHOD /concrete/path?query" as API
// Gateway would, resolving the resource through the route table.
func request(t testing.TB, method, target string, as who, body string, headers ...string) (events.APIGatewayProxyRequest, string) {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	route, params, ok := routes.Match(method, u.Path)
	require.True(t, ok, "no route for %s %s", method, u.Path)
	req := events.APIGatewayProxyRequest{
		Resource: route.Path, Path: u.Path, HTTPMethod: method, PathParameters: params, Body: body,
		Headers:        map[string]string{},
		RequestContext: events.APIGatewayProxyRequestContext{RequestID: fmt.Sprintf("req-%d", requestSeq.Add(1))},
	}
	if q := u.Query(); len(q) > 0 {
		req.QueryStringParameters = map[string]string{}
		for k := range q {
			req.QueryStringParameters[k] = q.Get(k)
		}
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Headers[headers[i]] = headers[i+1]
	}
	if as.sub != "" {
		claims := map[string]any{"sub": as.sub}
		if as.groups != nil {
			claims["cognito:groups"] = as.groups
		}
		req.RequestContext.Authorizer = map[string]any{"claims": claims}
	}
	return req, route.Function
}

// response is a handler's answer with its JSON body decoded generically.
type response struct {
	events.APIGatewayProxyResponse
	json map[string]any
}

func (r response) errCode() string {
	e, _ := r.json["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func (r response) errMessage() string {
	e, _ := r.json["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

func (r response) str(key string) string { s, _ := r.json[key].(string); return s }

func (r response) num(key string) int { n, _ := r.json[key].(float64); return int(n) }

// do sends a request to the handler the route table names, like API Gateway, and holds
// the exchange to the OpenAPI document (checkContract): every handler test is a contract test.
func (f *fixture) do(method, target string, as who, body string, headers ...string) response {
	f.t.Helper()
	req, fn := request(f.t, method, target, as, body, headers...)
	ctx := context.Background()
	if f.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
	}
	resp, err := f.handlers[fn].Handle(ctx, req)
	require.NoError(f.t, err)
	checkContract(f.t, req, resp)
	out := response{APIGatewayProxyResponse: resp}
	require.NoError(f.t, json.Unmarshal([]byte(resp.Body), &out.json), "body %q", resp.Body)
	require.Equal(f.t, "application/json", resp.Headers["Content-Type"])
	require.Equal(f.t, req.RequestContext.RequestID, resp.Headers["X-Request-Id"])
	if resp.StatusCode >= 400 {
		require.NotEmpty(f.t, out.errCode(), "error body %s", resp.Body)
		require.NotEmpty(f.t, out.errMessage(), "error body %s", resp.Body)
	}
	return out
}

// product creates a product as admin and returns its id.
func (f *fixture) product(name, category string, price, stock int) string {
	f.t.Helper()
	r := f.do("POST", "/products", admin, fmt.Sprintf(`{"name":%q,"category":%q,"price":{"amount":%d,"currency":"EUR"},"stock":%d,"lowStockThreshold":2}`, name, category, price, stock))
	require.Equal(f.t, 201, r.StatusCode, r.Body)
	return r.str("productId")
}

// cart puts quantity q of product p in cart c of as.
func (f *fixture) cart(as who, c, p string, q int) response {
	f.t.Helper()
	r := f.do("PUT", "/carts/"+c+"/items/"+p, as, fmt.Sprintf(`{"quantity":%d}`, q))
	require.Equal(f.t, 200, r.StatusCode, r.Body)
	return r
}

// checkout places an order for cart c under key.
func (f *fixture) checkout(as who, c, key string) response {
	f.t.Helper()
	return f.do("POST", "/orders", as, fmt.Sprintf(`{"cartId":%q}`, c), "Idempotency-Key", key)
}

func (f *fixture) stock(p string) int {
	f.t.Helper()
	r := f.do("GET", "/products/"+p, anon, "")
	require.Equal(f.t, 200, r.StatusCode, r.Body)
	return r.num("stock")
}

// lockedWriter serialises concurrent log writes into one buffer.
type lockedWriter struct {
	mu chan struct{}
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	if l.mu == nil {
		l.mu = make(chan struct{}, 1)
	}
	l.mu <- struct{}{}
	defer func() { <-l.mu }()
	return l.w.Write(p)
}

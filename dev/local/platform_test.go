package local_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/contract/openapi"
	"shopstack/contract/routes"
	"shopstack/dev/dynamolocal"
	"shopstack/dev/load"
	"shopstack/dev/local"
	"shopstack/functions/lib/shop"
	"shopstack/stacks"
)

// TestPlatform starts the local platform with its own DynamoDB Local on free ports, uses it
// over real HTTP as a frontend would, and stops it.
func TestPlatform(t *testing.T) {
	root, err := dynamolocal.ModuleRoot()
	require.NoError(t, err)
	origins, err := local.AllowedOrigins(root, "dev")
	require.NoError(t, err)
	require.Contains(t, origins, "http://localhost:5173", "Pulumi.dev.yaml allows the Vite dev server")

	logs := &lockedBuffer{}
	ctx := context.Background()
	p, err := local.Start(ctx, local.Options{Addr: "127.0.0.1:0", AllowedOrigins: origins, Log: slog.New(slog.NewJSONHandler(logs, nil))})
	require.NoError(t, err)
	var stopOnce sync.Once
	stop := func() (err error) {
		stopOnce.Do(func() {
			c, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			err = p.Stop(c)
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	pid := p.DynamoDBPID()
	require.NotZero(t, pid)
	assert.Equal(t, len(local.SampleCatalog()), p.Seeded)
	c := &client{t: t, base: p.URL}

	t.Run("outputs have the stack's keys", func(t *testing.T) {
		out := p.Outputs()
		assert.ElementsMatch(t, stacks.OutputKeys, slices.Collect(maps.Keys(out)))
		assert.Equal(t, p.URL, out[stacks.OutputAPIURL])
		assert.Equal(t, map[string]string{"local": p.URL}, out[stacks.OutputAPIURLs])
		assert.Equal(t, "local", out[stacks.OutputUserPoolID])
		assert.Equal(t, "local", out[stacks.OutputUserPoolClientID])
		assert.Equal(t, "counter", out[stacks.OutputCounterFunctionName])
		path := filepath.Join(t.TempDir(), "local", "outputs.json")
		_, err := local.WriteOutputs(path, out)
		require.NoError(t, err)
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		var read map[string]any
		require.NoError(t, json.Unmarshal(b, &read))
		assert.ElementsMatch(t, stacks.OutputKeys, slices.Collect(maps.Keys(read)))
		assert.Equal(t, p.URL, read[stacks.OutputAPIURL])
	})

	t.Run("the OpenAPI document is served", func(t *testing.T) {
		want, err := openapi.JSON()
		require.NoError(t, err)
		assert.Equal(t, string(want), c.raw("GET", strings.TrimPrefix(openapi.Path, "/"), nil, nil, 200))
	})

	t.Run("shopping flow", func(t *testing.T) {
		alice := map[string]string{local.DevUserHeader: "alice"}
		var page shop.ProductPage
		c.json("GET", "products?category=kitchen", nil, nil, 200, &page)
		require.Len(t, page.Products, 3, "the sample catalog has three kitchen products")
		kettle := find(t, page.Products, "seed-kettle")
		assert.Equal(t, 40, kettle.Stock)
		assert.Equal(t, shop.Money{Amount: 3499, Currency: "EUR"}, kettle.Price)

		var cart shop.CartView
		c.json("PUT", "carts/alice-cart/items/seed-kettle", alice, `{"quantity":2}`, 200, &cart)
		require.Len(t, cart.Items, 1)
		assert.Equal(t, shop.Money{Amount: 6998, Currency: "EUR"}, cart.Total)
		c.json("GET", "carts/alice-cart", alice, nil, 200, &cart)
		assert.Equal(t, 2, cart.Items[0].Quantity)
		bob := map[string]string{local.DevUserHeader: "bob"}
		c.json("GET", "carts/alice-cart", bob, nil, 404, nil) // another customer's cart id is bob's own, empty

		var order shop.Order
		h := c.json("POST", "orders", map[string]string{local.DevUserHeader: "alice", "Idempotency-Key": "flow-1"}, `{"cartId":"alice-cart"}`, 201, &order)
		assert.Equal(t, "/orders/"+order.ID, h.Get("Location"))
		assert.Equal(t, shop.StatusPlaced, order.Status)
		assert.Equal(t, shop.Money{Amount: 6998, Currency: "EUR"}, order.Total)
		require.Len(t, order.Lines, 1)
		assert.Equal(t, 2, order.Lines[0].Quantity)
		c.json("GET", "products/seed-kettle", nil, nil, 200, &kettle)
		assert.Equal(t, 38, kettle.Stock, "checkout takes the stock")
		c.json("GET", "carts/alice-cart", alice, nil, 404, nil)

		var got shop.Order
		c.json("GET", "orders/"+order.ID, alice, nil, 200, &got)
		assert.Equal(t, order.ID, got.ID)
		var orders shop.OrderPage
		c.json("GET", "orders", alice, nil, 200, &orders)
		require.Len(t, orders.Orders, 1)
		assert.Equal(t, order.ID, orders.Orders[0].ID)
		c.json("GET", "orders/"+order.ID, map[string]string{local.DevUserHeader: "bob"}, nil, 404, nil)

		c.json("POST", "orders/"+order.ID+"/cancel", alice, nil, 200, &got)
		assert.Equal(t, shop.StatusCancelled, got.Status)
		c.json("GET", "products/seed-kettle", nil, nil, 200, &kettle)
		assert.Equal(t, 40, kettle.Stock, "cancelling restocks")
		c.json("POST", "orders/"+order.ID+"/cancel", alice, nil, 409, nil)
	})

	t.Run("only loopback Host headers are served (DNS rebinding)", func(t *testing.T) {
		// A web page on a domain re-pointed at 127.0.0.1 reaches the local API with its own
		// name as Host; the development headers would make it an admin.
		for host, want := range map[string]int{
			"evil.example": 403, "evil.example:3001": 403, "127.0.0.1.nip.io": 403, "10.0.0.1": 403, "localhost.evil.example": 403,
			"localhost": 200, "LOCALHOST:3001": 200, "127.0.0.1": 200, "127.0.0.1:3001": 200, "[::1]:3001": 200,
		} {
			for _, path := range []string{"products", strings.TrimPrefix(openapi.Path, "/")} {
				req, err := http.NewRequest("GET", p.URL+path, nil)
				require.NoError(t, err)
				req.Host = host
				req.Header.Set(local.DevUserHeader, "root")
				req.Header.Set(local.DevGroupsHeader, "admin")
				resp, err := http.DefaultClient.Do(req)
				require.NoError(t, err)
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				assert.Equal(t, want, resp.StatusCode, "Host %q %s: %s", host, path, body)
				if want == 403 {
					assert.Contains(t, string(body), `"code":"forbidden"`, "Host %q", host)
				}
			}
		}
	})

	t.Run("identity comes from the development headers", func(t *testing.T) {
		c.json("GET", "carts/alice-cart", nil, nil, 401, nil)
		assert.Equal(t, `{"error":{"code":"UNAUTHORIZED","message":"Unauthorized"}}`, c.raw("GET", "orders", nil, nil, 401))
		c.json("POST", "orders", map[string]string{"Authorization": "Bearer not-checked-locally"}, `{"cartId":"x"}`, 401, nil)
		newProduct := `{"name":"Trowel","category":"garden","price":{"amount":899,"currency":"EUR"},"stock":5}`
		c.json("POST", "products", nil, newProduct, 401, nil)
		c.json("POST", "products", map[string]string{local.DevUserHeader: "alice"}, newProduct, 403, nil)
		var p shop.Product
		c.json("POST", "products", map[string]string{local.DevUserHeader: "root", local.DevGroupsHeader: "admin"}, newProduct, 201, &p)
		assert.Equal(t, "Trowel", p.Name)
	})

	t.Run("CORS", func(t *testing.T) {
		preflight := func(origin string) *http.Response {
			return c.do("OPTIONS", "carts/c1/items/p1", map[string]string{
				"Origin": origin, "Access-Control-Request-Method": "PUT",
				"Access-Control-Request-Headers": "content-type,x-shopstack-dev-user",
			}, nil)
		}
		resp := preflight("http://localhost:5173")
		assert.Equal(t, 204, resp.StatusCode)
		assert.Equal(t, "http://localhost:5173", resp.Header.Get("Access-Control-Allow-Origin"))
		assert.Equal(t, "PUT,DELETE,OPTIONS", resp.Header.Get("Access-Control-Allow-Methods"))
		assert.Equal(t, "Authorization,Content-Type,Idempotency-Key,X-Shopstack-Dev-User,X-Shopstack-Dev-Groups", resp.Header.Get("Access-Control-Allow-Headers"))
		assert.Equal(t, "Origin", resp.Header.Get("Vary"))

		resp = preflight("https://evil.example")
		assert.Equal(t, 204, resp.StatusCode)
		assert.Empty(t, resp.Header.Values("Access-Control-Allow-Origin"))
		assert.Empty(t, resp.Header.Values("Access-Control-Allow-Methods"))

		resp = c.do("GET", "products/seed-kettle", map[string]string{"Origin": "http://localhost:3000"}, nil)
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "http://localhost:3000", resp.Header.Get("Access-Control-Allow-Origin"))
		assert.Contains(t, resp.Header.Get("Access-Control-Expose-Headers"), "X-Request-Id")
		resp = c.do("GET", "carts/c1", map[string]string{"Origin": "http://localhost:3000"}, nil)
		assert.Equal(t, 401, resp.StatusCode)
		assert.Equal(t, "http://localhost:3000", resp.Header.Get("Access-Control-Allow-Origin"), "a browser can read the 401")
		resp = c.do("GET", "products", map[string]string{"Origin": "http://localhost:8080"}, nil)
		assert.Empty(t, resp.Header.Values("Access-Control-Allow-Origin"))
		assert.Equal(t, "Origin", resp.Header.Get("Vary"))
	})

	t.Run("unknown routes and methods answer JSON", func(t *testing.T) {
		tests := []struct {
			method, path string
			status       int
			code, allow  string
		}{
			{"GET", "nope", 404, "not_found", ""},
			{"GET", "products/p1/stock/more", 404, "not_found", ""},
			{"OPTIONS", "nope", 404, "not_found", ""},
			{"DELETE", "products", 405, "method_not_allowed", "GET, POST, OPTIONS"},
			{"PATCH", "orders/o1", 405, "method_not_allowed", "GET, OPTIONS"},
			{"GET", "orders/o1/cancel", 405, "method_not_allowed", "POST, OPTIONS"},
		}
		for _, tt := range tests {
			t.Run(tt.method+" "+tt.path, func(t *testing.T) {
				resp := c.do(tt.method, tt.path, map[string]string{"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"}, nil)
				assert.Equal(t, tt.status, resp.StatusCode)
				assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
				assert.Equal(t, tt.allow, resp.Header.Get("Allow"))
				var eb struct {
					Error struct{ Code, Message string }
				}
				require.NoError(t, json.NewDecoder(resp.Body).Decode(&eb))
				assert.Equal(t, tt.code, eb.Error.Code)
				assert.NotEmpty(t, eb.Error.Message)
			})
		}
	})

	t.Run("every route of the table reaches its function", func(t *testing.T) {
		admin := map[string]string{local.DevUserHeader: "root", local.DevGroupsHeader: "admin", "Idempotency-Key": "k"}
		for _, r := range routes.All() {
			path := strings.TrimPrefix(r.Path, "/")
			for _, param := range r.Params() {
				path = strings.ReplaceAll(path, "{"+param+"}", "missing-"+param)
			}
			resp := c.do(r.Method, path, admin, "{}")
			b, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.NotEqual(t, 405, resp.StatusCode, "%s %s", r.Method, r.Path)
			assert.NotContains(t, string(b), "no route", "%s %s", r.Method, r.Path)
			assert.Less(t, resp.StatusCode, 500, "%s %s: %s", r.Method, r.Path, b)
		}
		var health struct{ Status, Region string }
		c.json("GET", "health", nil, nil, 200, &health)
		assert.Equal(t, "ok", health.Status)
		assert.Equal(t, "local", health.Region)
	})

	t.Run("a second start on the same DynamoDB Local changes nothing", func(t *testing.T) {
		u, err := url.Parse(p.DynamoDBEndpoint)
		require.NoError(t, err)
		port, err := net.LookupPort("tcp", u.Port())
		require.NoError(t, err)
		again, err := local.Start(ctx, local.Options{Addr: "127.0.0.1:0", DynamoDBPort: port})
		require.NoError(t, err)
		assert.Zero(t, again.Seeded, "the sample catalog is there already")
		assert.Zero(t, again.DynamoDBPID(), "it connected; it started nothing")
		assert.Equal(t, p.Tables, again.Tables)
		var page shop.ProductPage
		(&client{t: t, base: again.URL}).json("GET", "products?category=kitchen", nil, nil, 200, &page)
		assert.Len(t, page.Products, 3)
		require.NoError(t, again.Stop(ctx))
		c.json("GET", "products/seed-kettle", nil, nil, 200, nil) // the first platform's DynamoDB Local is still up
	})

	t.Run("a busy port fails before anything starts", func(t *testing.T) {
		busy := strings.TrimSuffix(strings.TrimPrefix(p.URL, "http://"), "/")
		start := time.Now()
		_, err := local.Start(ctx, local.Options{Addr: busy})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "address already in use")
		assert.Less(t, time.Since(start), time.Second, "it did not start DynamoDB Local first")
		_, err = local.Start(ctx, local.Options{Addr: "0.0.0.0:0"})
		assert.ErrorContains(t, err, "not a loopback address")
	})

	t.Run("load keeps the stock consistent", func(t *testing.T) {
		r, err := load.Run(ctx, load.Options{URL: p.URL, Clients: 4, Duration: 2 * time.Second, MaxRequests: 300, Products: 2, Stock: 6})
		require.NoError(t, err)
		var out bytes.Buffer
		r.Write(&out)
		t.Log("\n" + out.String())
		assert.Empty(t, r.Violations)
		assert.LessOrEqual(t, r.Requests, 300)
		assert.Positive(t, r.Statuses[201], "some checkouts succeed")
		assert.Zero(t, r.Statuses[0], "no transport errors")
		for s := range r.Statuses {
			assert.Less(t, s, 500, "no server errors")
		}
		require.Len(t, r.Stock, 2)
		for _, s := range r.Stock {
			assert.Equal(t, s.Initial-s.Final, s.Ordered)
		}
		assert.Contains(t, out.String(), "invariants:  ok")
	})

	t.Run("requests are logged as JSON", func(t *testing.T) {
		var seen bool
		for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			var rec map[string]any
			require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
			if rec["msg"] == "http" && rec["path"] == "/products/seed-kettle" && rec["status"] == float64(200) {
				seen = true
				assert.Equal(t, "/products/{productId}", rec["resource"])
				assert.NotEmpty(t, rec["requestId"])
			}
		}
		assert.True(t, seen, "an http log line for GET /products/seed-kettle")
	})

	require.NoError(t, stop())
	err = syscall.Kill(pid, 0)
	assert.True(t, errors.Is(err, syscall.ESRCH), "DynamoDB Local (pid %d) is gone after Stop: %v", pid, err)
	_, err = net.DialTimeout("tcp", strings.TrimPrefix(p.DynamoDBEndpoint, "http://"), time.Second)
	assert.Error(t, err, "nothing listens on DynamoDB Local's port")
	_, err = net.DialTimeout("tcp", strings.TrimSuffix(strings.TrimPrefix(p.URL, "http://"), "/"), time.Second)
	assert.Error(t, err, "nothing listens on the API's port")
}

func find(t *testing.T, ps []shop.Product, id string) shop.Product {
	t.Helper()
	for _, p := range ps {
		if p.ID == id {
			return p
		}
	}
	t.Fatalf("product %s not in %v", id, ps)
	return shop.Product{}
}

// client calls the local API over HTTP.
type client struct {
	t    *testing.T
	base string
}

func (c *client) do(method, path string, headers map[string]string, body any) *http.Response {
	c.t.Helper()
	var rd io.Reader
	if s, ok := body.(string); ok {
		rd = strings.NewReader(s)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	require.NoError(c.t, err)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	c.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// raw sends a request, asserts the status and returns the body.
func (c *client) raw(method, path string, headers map[string]string, body any, status int) string {
	c.t.Helper()
	resp := c.do(method, path, headers, body)
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	require.Equal(c.t, status, resp.StatusCode, "%s %s: %s", method, path, b)
	return string(b)
}

// json sends a request, asserts the status and the JSON content type, decodes the body into
// out when it is not nil, and returns the response headers.
func (c *client) json(method, path string, headers map[string]string, body any, status int, out any) http.Header {
	c.t.Helper()
	resp := c.do(method, path, headers, body)
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	require.Equal(c.t, status, resp.StatusCode, "%s %s: %s", method, path, b)
	assert.Equal(c.t, "application/json", resp.Header.Get("Content-Type"))
	assert.NotEmpty(c.t, resp.Header.Get("X-Request-Id"))
	if out != nil {
		require.NoError(c.t, json.Unmarshal(b, out), string(b))
	}
	return resp.Header
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

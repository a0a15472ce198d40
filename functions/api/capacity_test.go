package api_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/functions/routes"
	"shopstack/functions/services"
)

var update = flag.Bool("update", false, "rewrite ../capacity.json with the capacity DynamoDB Local reports")

const capacityFile = "../capacity.json"

// Capacity is the consumed capacity of one request of a route in a stated scenario.
type Capacity struct {
	Method             string  `json:"method"`
	Path               string  `json:"path"`
	Function           string  `json:"function"`
	Scenario           string  `json:"scenario"`
	ReadCapacityUnits  float64 `json:"readCapacityUnits"`
	WriteCapacityUnits float64 `json:"writeCapacityUnits"`
}

// CapacityReport is the file a cost model reads.
type CapacityReport struct {
	Source string     `json:"source"`
	Routes []Capacity `json:"routes"`
}

// TestCapacityAndAccess runs every route once in a fixed scenario. It checks that the
// DynamoDB actions each function's code calls are exactly those package services
// declares (the stack's IAM policies), and that the capacity each request consumes,
// as DynamoDB Local reports it with ReturnConsumedCapacity TOTAL, matches
// functions/capacity.json (rewrite it with -update).
func TestCapacityAndAccess(t *testing.T) {
	f := newFixture(t)
	var got []Capacity
	measure := func(method, path, scenario string, as who, body string, want int, headers ...string) response {
		t.Helper()
		route, _, ok := routes.Match(method, strings.SplitN(path, "?", 2)[0])
		require.True(t, ok)
		for _, r := range f.recorders {
			r.TakeCapacity()
		}
		resp := f.do(method, path, as, body, headers...)
		require.Equal(t, want, resp.StatusCode, "%s %s: %s", method, path, resp.Body)
		c := f.recorders[route.Function].TakeCapacity()
		got = append(got, Capacity{Method: method, Path: route.Path, Function: route.Function, Scenario: scenario,
			ReadCapacityUnits: c.Read, WriteCapacityUnits: c.Write})
		return resp
	}

	newProduct := func(i int) string {
		return fmt.Sprintf(`{"name":"Product %02d","description":"A product of a typical size for the catalog.","category":"kitchen","price":{"amount":1999,"currency":"EUR"},"stock":100,"lowStockThreshold":5}`, i)
	}
	p := measure("POST", "/products", "create a 200-byte product", admin, newProduct(0), 201).str("productId")
	var others []string
	for i := 1; i < 20; i++ {
		others = append(others, f.product(fmt.Sprintf("Product %02d", i), "kitchen", 1999, 100))
	}
	measure("GET", "/products?limit=20", "scan a page of 20 products", anon, "", 200)
	measure("GET", "/products?category=kitchen&limit=20", "query a page of 20 products of one category", anon, "", 200)
	measure("GET", "/products/"+p, "get one product", anon, "", 200)
	measure("PUT", "/products/"+p, "update one product", admin, `{"name":"Product 00","description":"A product of a typical size for the catalog.","category":"kitchen","price":{"amount":2499,"currency":"EUR"},"lowStockThreshold":5}`, 200)
	measure("POST", "/products/"+p+"/stock", "add stock", admin, `{"delta":10}`, 200)

	measure("PUT", "/carts/c1/items/"+p, "add a 1st line to a new cart", alice, `{"quantity":2}`, 200)
	measure("PUT", "/carts/c1/items/"+others[0], "add a 2nd line", alice, `{"quantity":1}`, 200)
	measure("GET", "/carts/c1", "price a 2-line cart", alice, "", 200)
	f.cart(alice, "c1", others[1], 1)
	measure("DELETE", "/carts/c1/items/"+others[1], "remove the 3rd line of a cart", alice, "", 200)

	order := measure("POST", "/orders", "check out a 2-line cart", alice, `{"cartId":"c1"}`, 201, "Idempotency-Key", "k1").str("orderId")
	measure("POST", "/orders", "replay of a checkout (same Idempotency-Key)", alice, `{"cartId":"c1"}`, 201, "Idempotency-Key", "k1")
	for i := 0; i < 9; i++ {
		f.cart(alice, fmt.Sprintf("x%d", i), others[2+i], 1)
		f.checkout(alice, fmt.Sprintf("x%d", i), fmt.Sprintf("kx%d", i))
	}
	measure("GET", "/orders?limit=10", "a page of 10 orders (1-2 lines each)", alice, "", 200)
	measure("GET", "/orders/"+order, "get a 2-line order", alice, "", 200)
	measure("POST", "/orders/"+order+"/cancel", "cancel a 2-line order", alice, "", 200)

	measure("GET", "/health", "probe the region's table", anon, "", 200)

	t.Run("every route measured", func(t *testing.T) {
		for _, r := range routes.All() {
			assert.True(t, slices.ContainsFunc(got, func(c Capacity) bool { return c.Method == r.Method && c.Path == r.Path }), "%s %s", r.Method, r.Path)
		}
	})

	t.Run("services match the calls", func(t *testing.T) {
		logical := map[string]string{}
		for l, p := range f.tables {
			logical[p] = l
		}
		for _, svc := range services.All() {
			recorded := map[string]*services.TableAccess{}
			for _, a := range f.recorders[svc.Name].Actions() {
				ta := recorded[logical[a.Table]]
				if ta == nil {
					ta = &services.TableAccess{Table: logical[a.Table]}
					recorded[ta.Table] = ta
				}
				if !slices.Contains(ta.Actions, a.Action) {
					ta.Actions = append(ta.Actions, a.Action)
				}
				ta.Indexes = ta.Indexes || a.Index
			}
			var gotAccess []services.TableAccess
			for _, ta := range recorded {
				slices.Sort(ta.Actions)
				gotAccess = append(gotAccess, *ta)
			}
			slices.SortFunc(gotAccess, func(a, b services.TableAccess) int { return strings.Compare(a.Table, b.Table) })
			want := slices.Clone(svc.Tables)
			slices.SortFunc(want, func(a, b services.TableAccess) int { return strings.Compare(a.Table, b.Table) })
			assert.Equal(t, want, gotAccess, "service %s", svc.Name)
		}
	})

	t.Run("capacity matches capacity.json", func(t *testing.T) {
		for _, c := range got {
			assert.Greater(t, c.ReadCapacityUnits+c.WriteCapacityUnits, 0.0, "%s %s %s reported no capacity", c.Method, c.Path, c.Scenario)
		}
		report := CapacityReport{Source: "go test ./functions/api -run TestCapacityAndAccess -update (DynamoDB Local, ReturnConsumedCapacity TOTAL, on-demand tables)", Routes: got}
		if *update {
			b, err := json.MarshalIndent(report, "", "  ")
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(capacityFile, append(b, '\n'), 0o644))
			return
		}
		b, err := os.ReadFile(capacityFile)
		require.NoError(t, err, "run with -update to create it")
		var want CapacityReport
		require.NoError(t, json.Unmarshal(b, &want))
		assert.Equal(t, want, report, "capacity changed: check why, then run go test ./functions/api -run TestCapacityAndAccess -update")
	})
}

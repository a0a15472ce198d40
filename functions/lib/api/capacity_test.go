package api_test

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/contract/capacity"
	"shopstack/contract/iam"
	"shopstack/contract/routes"
	"shopstack/dev/dynamolocal"
)

var update = flag.Bool("update", false, "rewrite "+capacity.Path+" with the capacity DynamoDB Local reports")

const (
	// capacitySource is the capacity file's source text: how its figures were produced.
	capacitySource = "go test ./functions/lib/api -run TestCapacityAndAccess -update (DynamoDB Local, ReturnConsumedCapacity TOTAL, on-demand tables; " +
		"durationMs: median handler duration of 20 requests after one warm-up, rounded up to a whole ms, against DynamoDB Local, " +
		"which is SQLite-backed and does not have DynamoDB's latency: an upper-bound proxy)"
	// timedRuns is how many times each scenario's request is timed, after one warm-up.
	timedRuns = 20
)

// TestCapacityAndAccess runs every route once in a fixed scenario. It checks that the
// DynamoDB actions each function's code calls are exactly those package services
// declares (the stack's IAM policies), and that the capacity each request consumes,
// as DynamoDB Local reports it with ReturnConsumedCapacity TOTAL, matches
// functions/capacity.json (contract/capacity; rewrite it with -update). It also times each scenario's
// request through the handler, timedRuns times after one warm-up, and records the median
// as durationMs, which the cost model prices as Lambda GB-seconds.
func TestCapacityAndAccess(t *testing.T) {
	root, err := dynamolocal.ModuleRoot()
	require.NoError(t, err)
	capacityFile := filepath.Join(root, capacity.Path)
	f := newFixture(t)
	var got []capacity.Measurement
	var timings []func() float64 // per entry of got, run after every capacity is measured
	// measureEach records the capacity of run 0 of a scenario. Once every capacity is
	// measured (so timing cannot change them), run 1 warms up and runs 2..timedRuns+1 are
	// timed. next(i) returns run i's request; it may prepare state first (untimed), so that
	// a request that changes state (a new cart, a checkout, a cancel) is timed in its scenario.
	measureEach := func(scenario string, as who, want int, next func(i int) call) response {
		t.Helper()
		c0 := next(0)
		route, _, ok := routes.Match(c0.method, strings.SplitN(c0.path, "?", 2)[0])
		require.True(t, ok)
		for _, r := range f.recorders {
			r.TakeCapacity()
		}
		resp := f.do(c0.method, c0.path, as, c0.body, c0.headers...)
		require.Equal(t, want, resp.StatusCode, "%s %s: %s", c0.method, c0.path, resp.Body)
		c := f.recorders[route.Function].TakeCapacity()
		got = append(got, capacity.Measurement{Method: c0.method, Path: route.Path, Function: route.Function, Scenario: scenario,
			ReadUnits: c.Read, WriteUnits: c.Write})
		timings = append(timings, func() float64 {
			durations := make([]time.Duration, 0, timedRuns)
			for i := 1; i <= timedRuns+1; i++ {
				ci := next(i)
				req, fn := request(t, ci.method, ci.path, as, ci.body, ci.headers...)
				start := time.Now()
				r, err := f.handlers[fn].Handle(context.Background(), req)
				elapsed := time.Since(start)
				require.NoError(t, err)
				require.Equal(t, want, r.StatusCode, "%s %s run %d: %s", ci.method, ci.path, i, r.Body)
				if i > 1 {
					durations = append(durations, elapsed)
				}
			}
			return medianMs(durations)
		})
		return resp
	}
	// measure is measureEach for a request that can be repeated as it is.
	measure := func(method, path, scenario string, as who, body string, want int, headers ...string) response {
		t.Helper()
		return measureEach(scenario, as, want, func(int) call { return call{method, path, body, headers} })
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

	// cartFor is the cart of run i: c1 for the measured run, a fresh one with these lines
	// (2 of the first, 1 of each other) for each later run.
	fresh := 0
	cartFor := func(i int, lines ...string) string {
		if i == 0 {
			return "c1"
		}
		fresh++
		c := fmt.Sprintf("t%d", fresh)
		for n, line := range lines {
			f.cart(alice, c, line, 2-min(n, 1))
		}
		return c
	}
	measureEach("add a 1st line to a new cart", alice, 200, func(i int) call {
		return call{"PUT", "/carts/" + cartFor(i) + "/items/" + p, `{"quantity":2}`, nil}
	})
	measureEach("add a 2nd line", alice, 200, func(i int) call {
		return call{"PUT", "/carts/" + cartFor(i, p) + "/items/" + others[0], `{"quantity":1}`, nil}
	})
	measureEach("price a 2-line cart", alice, 200, func(i int) call {
		return call{"GET", "/carts/" + cartFor(i, p, others[0]), "", nil}
	})
	f.cart(alice, "c1", others[1], 1)
	measureEach("remove the 3rd line of a cart", alice, 200, func(i int) call {
		return call{"DELETE", "/carts/" + cartFor(i, p, others[0], others[1]) + "/items/" + others[1], "", nil}
	})

	order := measureEach("check out a 2-line cart", alice, 201, func(i int) call {
		c, key := "c1", "k1"
		if i > 0 {
			c = cartFor(i, p, others[0])
			key = "k" + c
		}
		return call{"POST", "/orders", fmt.Sprintf(`{"cartId":%q}`, c), []string{"Idempotency-Key", key}}
	}).str("orderId")
	measure("POST", "/orders", "replay of a checkout (same Idempotency-Key)", alice, `{"cartId":"c1"}`, 201, "Idempotency-Key", "k1")
	// A checkout after a price change re-reads the products (BatchGetItem) and retries: not a
	// measured scenario (the cost model charges a route its dearest one, and this is the rare
	// path), but part of what the checkout function calls.
	f.cart(alice, "repriced", others[1], 1)
	f.do("PUT", "/products/"+others[1], admin, `{"name":"Product 01","category":"kitchen","price":{"amount":2099,"currency":"EUR"},"lowStockThreshold":5}`)
	require.Equal(t, 201, f.checkout(alice, "repriced", "k-repriced").StatusCode)
	for i := 0; i < 9; i++ {
		f.cart(alice, fmt.Sprintf("x%d", i), others[2+i], 1)
		f.checkout(alice, fmt.Sprintf("x%d", i), fmt.Sprintf("kx%d", i))
	}
	measure("GET", "/orders?limit=10", "a page of 10 orders (1-2 lines each)", alice, "", 200)
	measure("GET", "/orders/"+order, "get a 2-line order", alice, "", 200)
	measureEach("cancel a 2-line order", alice, 200, func(i int) call {
		id := order
		if i > 0 {
			c := cartFor(i, p, others[0])
			r := f.checkout(alice, c, "k"+c)
			require.Equal(t, 201, r.StatusCode, r.Body)
			id = r.str("orderId")
		}
		return call{"POST", "/orders/" + id + "/cancel", "", nil}
	})

	measure("GET", "/health", "probe the region's table", anon, "", 200)
	for i, timing := range timings {
		d := timing()
		got[i].DurationMs = &d
	}

	t.Run("every route measured", func(t *testing.T) {
		for _, r := range routes.All() {
			assert.True(t, slices.ContainsFunc(got, func(c capacity.Measurement) bool { return c.Method == r.Method && c.Path == r.Path }), "%s %s", r.Method, r.Path)
		}
	})

	t.Run("services match the calls", func(t *testing.T) {
		logical := map[string]string{}
		for l, p := range f.tables {
			logical[p] = l
		}
		for _, svc := range iam.All() {
			recorded := map[string]*iam.TableAccess{}
			for _, a := range f.recorders[svc.Name].Actions() {
				ta := recorded[logical[a.Table]]
				if ta == nil {
					ta = &iam.TableAccess{Table: logical[a.Table]}
					recorded[ta.Table] = ta
				}
				if !slices.Contains(ta.Actions, a.Action) {
					ta.Actions = append(ta.Actions, a.Action)
				}
				ta.Indexes = ta.Indexes || a.Index
			}
			var gotAccess []iam.TableAccess
			for _, ta := range recorded {
				slices.Sort(ta.Actions)
				gotAccess = append(gotAccess, *ta)
			}
			slices.SortFunc(gotAccess, func(a, b iam.TableAccess) int { return strings.Compare(a.Table, b.Table) })
			want := slices.Clone(svc.Tables)
			slices.SortFunc(want, func(a, b iam.TableAccess) int { return strings.Compare(a.Table, b.Table) })
			assert.Equal(t, want, gotAccess, "service %s", svc.Name)
		}
	})

	t.Run("capacity matches capacity.json", func(t *testing.T) {
		for _, c := range got {
			assert.Greater(t, c.ReadUnits+c.WriteUnits, 0.0, "%s %s %s reported no capacity", c.Method, c.Path, c.Scenario)
			assert.GreaterOrEqual(t, *c.DurationMs, 1.0, "%s %s %s: no duration", c.Method, c.Path, c.Scenario)
		}
		report := capacity.Report{Source: capacitySource, Routes: got}
		if *update {
			b, err := report.Marshal()
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(capacityFile, b, 0o644))
			return
		}
		b, err := os.ReadFile(capacityFile)
		require.NoError(t, err, "run with -update to create it")
		want, err := capacity.Parse(b)
		require.NoError(t, err)
		for _, c := range want.Routes {
			assert.NotNil(t, c.DurationMs, "%s: %s %s %s has no durationMs", capacityFile, c.Method, c.Path, c.Scenario)
		}
		assert.Equal(t, withoutDurations(*want), withoutDurations(report), "capacity changed: check why, then run go test ./functions/lib/api -run TestCapacityAndAccess -update")
	})
}

// call is one request of a scenario.
type call struct {
	method, path, body string
	headers            []string
}

// medianMs is the median of ds in milliseconds, rounded up to a whole millisecond and at
// least 1: Lambda bills whole milliseconds.
func medianMs(ds []time.Duration) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return max(1, math.Ceil(float64(m)/float64(time.Millisecond)))
}

// withoutDurations is r with every durationMs left out: durations vary from run to run,
// capacity units must not.
func withoutDurations(r capacity.Report) capacity.Report {
	r.Routes = slices.Clone(r.Routes)
	for i := range r.Routes {
		r.Routes[i].DurationMs = nil
	}
	return r
}

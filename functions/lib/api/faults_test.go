package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"shopstack/dev/dynamolocal"
	"shopstack/dev/faults"
	"shopstack/dev/local"
	"shopstack/functions/lib/shop"
)

// faultFixture is the handlers with their DynamoDB calls going through a faults.Transport and
// an in-process Toxiproxy to DynamoDB Local, each invocation under the functions' timeout as
// Lambda's deadline. Tables are created, and data checked, straight at DynamoDB Local.
type faultFixture struct {
	*fixture
	proxy   *faults.Proxy
	faults  *faults.Transport
	timeout time.Duration // the deployed functions' timeout
}

func newFaultFixture(t *testing.T) *faultFixture {
	t.Helper()
	raw := dynamolocal.Client(t)
	u, err := url.Parse(*raw.Options().BaseEndpoint)
	require.NoError(t, err)
	proxy, err := faults.Start(u.Host)
	require.NoError(t, err)
	t.Cleanup(proxy.Close)
	root, err := dynamolocal.ModuleRoot()
	require.NoError(t, err)
	timeout, err := local.FunctionTimeout(root, "dev")
	require.NoError(t, err)
	rt := &faults.Transport{}
	f := &faultFixture{fixture: newFixtureOn(t, raw, faults.Client(proxy.Endpoint(), rt)), proxy: proxy, faults: rt, timeout: timeout}
	f.fixture.timeout = timeout
	return f
}

// outcome is what one call answered and how long it took.
type outcome struct {
	status     int
	code       string
	retryAfter string
	took       time.Duration
	order      string
	replayed   bool
}

// call sends one request and checks what every answer under faults must be: the JSON error
// shape (fixture.do), within the function's timeout, never a 500, and a 503/504 always with a
// reason code and Retry-After.
func (f *faultFixture) call(method, target string, as who, body string, headers ...string) outcome {
	start := time.Now()
	r := f.do(method, target, as, body, headers...)
	o := outcome{status: r.StatusCode, code: r.errCode(), retryAfter: r.Headers["Retry-After"], took: time.Since(start),
		order: r.str("orderId"), replayed: r.Headers["Idempotent-Replayed"] == "true"}
	assert.Less(f.t, o.took, f.fixture.timeout, "%s %s answered after the function's timeout", method, target)
	assert.NotEqual(f.t, http.StatusInternalServerError, o.status, "%s %s: a 500 has no reason: %s", method, target, r.Body)
	if o.status >= 500 {
		assert.Contains(f.t, []string{"unavailable", "timeout"}, o.code, r.Body)
		assert.Equal(f.t, "1", o.retryAfter, "%s %s: %d without Retry-After", method, target, o.status)
	}
	return o
}

// checkoutUntilPlaced retries a checkout with one key, waiting Retry-After between tries, as a
// well-behaved client does, until it gets an answer that is not 503/504 or patience runs out.
func (f *faultFixture) checkoutUntilPlaced(as who, cart, key string, patience time.Duration) []outcome {
	var tries []outcome
	for end := time.Now().Add(patience); ; {
		o := f.call("POST", "/orders", as, fmt.Sprintf(`{"cartId":%q}`, cart), "Idempotency-Key", key)
		tries = append(tries, o)
		if o.status != 503 && o.status != 504 || time.Now().After(end) {
			return tries
		}
		time.Sleep(time.Second) // Retry-After
	}
}

// ordersOf lists the ids of the orders stored for a customer, read straight from DynamoDB Local.
func (f *faultFixture) ordersOf(as who) []string {
	f.t.Helper()
	page, err := f.db.Orders().OrdersByOwner(f.t.Context(), shop.OrderQuery{OwnerID: as.sub, Limit: 100})
	require.NoError(f.t, err)
	var ids []string
	for _, o := range page.Orders {
		ids = append(ids, o.ID)
	}
	return ids
}

// DynamoDB unreachable for three seconds while shoppers check out: the proxy goes down with
// some checkouts in flight (their connections are cut) and refuses the rest. Callers get 503
// or 504 with the JSON error and Retry-After, never a 500 or an answer past the function's
// timeout; retrying with their key after recovery, each gets exactly one order, and the stock
// fell by exactly what those orders hold.
func TestFaultDynamoDBUnreachable(t *testing.T) {
	const shoppers, initial, quantity = 16, 100, 2
	f := newFaultFixture(t)
	p := f.product("Kettle", "kitchen", 3499, initial)
	buyers := make([]who, shoppers)
	for i := range buyers {
		buyers[i] = who{sub: fmt.Sprintf("unreachable-%d", i)}
		f.cart(buyers[i], "c", p, quantity)
	}

	go func() {
		time.Sleep(200 * time.Millisecond)
		f.proxy.Down()
		time.Sleep(3 * time.Second)
		assert.NoError(t, f.proxy.Up())
	}()
	tries := make([][]outcome, shoppers)
	parallel(shoppers, func(i int) {
		time.Sleep(time.Duration(i) * 50 * time.Millisecond) // arrivals spread over the outage's start
		tries[i] = f.checkoutUntilPlaced(buyers[i], "c", "key-"+buyers[i].sub, 15*time.Second)
	})

	failed := 0
	for i, ts := range tries {
		last := ts[len(ts)-1]
		require.Equal(t, 201, last.status, "shopper %d: %+v", i, ts)
		failed += len(ts) - 1
		assert.Equal(t, []string{last.order}, f.ordersOf(buyers[i]), "shopper %d: one order, the one answered", i)
	}
	assert.Positive(t, failed, "the outage failed no checkout: the test did not test it")
	assert.Equal(t, initial-shoppers*quantity, f.stock(p), "stock = initial - sold")
	t.Logf("%d checkouts answered 503/504 during the outage, then placed on retry", failed)
}

// The answer of a committed checkout transaction is lost: the proxy resets the connection as
// DynamoDB starts answering TransactWriteItems. The product has one unit, so a second order
// would have to be "out of stock".
func TestFaultLostResponse(t *testing.T) {
	cases := []struct {
		name     string
		lost     int // attempts of TransactWriteItems whose answer is lost
		status   int // what the first checkout answers
		replayed bool
	}{
		// The SDK retries the transaction with the same ClientRequestToken and gets its answer.
		{name: "the SDK's retry", lost: 1, status: 201},
		// Every attempt's answer is lost: the caller gets 503 and retries with its key.
		{name: "the client's retry", lost: 3, status: 503, replayed: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFaultFixture(t)
			p := f.product("Last one", "rare", 999, 1)
			f.cart(alice, "c", p, 1)
			f.faults.Add(faults.Rule{Operation: "TransactWriteItems", Times: tc.lost, Around: func(send func() (*http.Response, error)) (*http.Response, error) {
				require.NoError(t, f.proxy.Add(faults.ResetPeer(0)))
				defer func() { assert.NoError(t, f.proxy.Remove("reset_peer")) }()
				return send()
			}})

			first := f.call("POST", "/orders", alice, `{"cartId":"c"}`, "Idempotency-Key", "k")
			require.Equal(t, tc.status, first.status, "%+v", first)
			assert.Equal(t, tc.lost, f.faults.Injected("TransactWriteItems"), "answers lost")
			placed := f.ordersOf(alice)
			require.Len(t, placed, 1, "the first transaction committed")
			if first.status == 201 {
				assert.Equal(t, placed[0], first.order)
			}

			again := f.call("POST", "/orders", alice, `{"cartId":"c"}`, "Idempotency-Key", "k")
			assert.Equal(t, 201, again.status, "never out of stock: %+v", again)
			assert.Equal(t, placed[0], again.order, "the order that was placed")
			assert.True(t, again.replayed, "Idempotent-Replayed")
			assert.Equal(t, placed, f.ordersOf(alice), "never a second order")
			assert.Equal(t, 0, f.stock(p))
		})
	}
}

// DynamoDB stops answering (Toxiproxy's timeout toxic: requests vanish): the call does not
// hang past the function's deadline; the handler answers 504 with Retry-After before it. A
// 3 s function timeout keeps the test short; TestFaultLatency runs into the real one.
func TestFaultDynamoDBStopsAnswering(t *testing.T) {
	f := newFaultFixture(t)
	f.timeout, f.fixture.timeout = 3*time.Second, 3*time.Second
	p := f.product("Kettle", "kitchen", 3499, 5)
	f.cart(alice, "c", p, 1)
	require.NoError(t, f.proxy.Add(faults.Timeout(0)))
	o := f.call("POST", "/orders", alice, `{"cartId":"c"}`, "Idempotency-Key", "k")
	assert.Equal(t, 504, o.status)
	assert.Equal(t, "timeout", o.code)
	assert.Greater(t, o.took, f.timeout-time.Second, "it used its time")
	f.proxy.Clear()
	after := f.checkoutUntilPlaced(alice, "c", "k", 5*time.Second)
	assert.Equal(t, 201, after[len(after)-1].status)
	assert.Len(t, f.ordersOf(alice), 1)
	assert.Equal(t, 4, f.stock(p))
}

// Throttling, DynamoDB's 500 and transaction conflicts, injected as DynamoDB sends them: the
// retry policy (store.MaxAttempts attempts with backoff capped at store.MaxBackoff; the
// store's store.TransactAttempts for conflicts) gets through short bursts, and a persistent
// fault ends in a 503 with Retry-After after exactly the policy's attempts, in bounded time.
func TestFaultThrottlingAndConflicts(t *testing.T) {
	cases := []struct {
		name     string
		rule     faults.Rule
		checkout bool // POST /orders, else GET /products/{id}
		status   int
		requests int           // attempts of the rule's operation
		within   time.Duration // the policy's bound on the waiting
	}{
		{name: "throttled twice, then served", rule: faults.Rule{Operation: "GetItem", Error: faults.ProvisionedThroughputExceeded, Times: 2},
			status: 200, requests: 3, within: 2 * time.Second},
		{name: "throttled on every attempt", rule: faults.Rule{Operation: "GetItem", Error: faults.Throttling},
			status: 503, requests: 3, within: 2 * time.Second},
		{name: "DynamoDB's 500 once", rule: faults.Rule{Operation: "TransactWriteItems", Error: faults.InternalServerError, Times: 1},
			checkout: true, status: 201, requests: 2, within: 100 * time.Millisecond},
		{name: "transaction conflict twice", rule: faults.Rule{Operation: "TransactWriteItems", Error: faults.TransactionConflict, Times: 2},
			checkout: true, status: 201, requests: 3, within: 100 * time.Millisecond},
		{name: "transaction conflicts until retries run out", rule: faults.Rule{Operation: "TransactWriteItems", Error: faults.TransactionConflict},
			checkout: true, status: 503, requests: 12, within: 2300 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFaultFixture(t)
			p := f.product("Mug", "kitchen", 1200, 10)
			f.cart(alice, "c", p, 1)
			before := f.faults.Requests(tc.rule.Operation)
			f.faults.Add(tc.rule)
			var o outcome
			if tc.checkout {
				o = f.call("POST", "/orders", alice, `{"cartId":"c"}`, "Idempotency-Key", "k")
			} else {
				o = f.call("GET", "/products/"+p, anon, "")
			}
			assert.Equal(t, tc.status, o.status, "%+v", o)
			assert.Equal(t, tc.requests, f.faults.Requests(tc.rule.Operation)-before, "attempts")
			assert.Less(t, o.took, tc.within+time.Second, "bounded by the policy")
			if tc.checkout {
				want := 10
				if tc.status == 201 {
					want = 9
				}
				assert.Equal(t, want, f.stock(p), "one order or none")
			}
		})
	}

	// Throttled for everyone: the retry quota stops a container multiplying the load. 60
	// concurrent reads would make 180 attempts; the quota (500 tokens, 5 per throttled retry)
	// allows 100 retries, so DynamoDB sees at most 160 requests.
	t.Run("no retry storm", func(t *testing.T) {
		const calls = 60
		f := newFaultFixture(t)
		p := f.product("Mug", "kitchen", 1200, 10)
		before := f.faults.Requests("GetItem")
		f.faults.Add(faults.Rule{Operation: "GetItem", Error: faults.Throttling})
		var mu sync.Mutex
		statuses := map[int]int{}
		parallel(calls, func(int) {
			o := f.call("GET", "/products/"+p, anon, "")
			mu.Lock()
			statuses[o.status]++
			mu.Unlock()
		})
		assert.Equal(t, map[int]int{503: calls}, statuses)
		requests := f.faults.Requests("GetItem") - before
		assert.LessOrEqual(t, requests, calls+500/5)
		t.Logf("%d calls, %d GetItem requests", calls, requests)
	})
}

// Latency on every DynamoDB answer. At 1–3 s a checkout's two calls (the cart read, the
// transaction) take 2–6 s, more with a retry, so each shopper's checkout answers before the
// function's timeout: 201, or a 503/504 with Retry-After while the handler still can. At 5 s a
// checkout cannot finish: its transaction is sent at 5 s and commits, but its answer comes after
// the 9.5 s the handler has, so the handler answers 504 just before Lambda would end the function. Once the latency is gone, retrying with the same
// key gives each shopper exactly one order (the committed one) and the stock adds up.
func TestFaultLatency(t *testing.T) {
	cases := []struct {
		name            string
		latency, jitter int // ms
		shoppers        int
		want            []int // the statuses the first checkouts may answer
		committed       bool  // the 504's transaction committed: its retry replays it
	}{
		{name: "1-3 s", latency: 2000, jitter: 1000, shoppers: 8, want: []int{201, 503, 504}},
		{name: "5 s, too slow to finish", latency: 5000, shoppers: 1, want: []int{504}, committed: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const initial = 50
			f := newFaultFixture(t)
			p := f.product("Kettle", "kitchen", 3499, initial)
			buyers := make([]who, tc.shoppers)
			for i := range buyers {
				buyers[i] = who{sub: fmt.Sprintf("slow-%d", i)}
				f.cart(buyers[i], "c", p, 1)
			}
			require.NoError(t, f.proxy.Add(faults.Latency(tc.latency, tc.jitter)))
			first := make([]outcome, tc.shoppers)
			parallel(tc.shoppers, func(i int) {
				first[i] = f.call("POST", "/orders", buyers[i], `{"cartId":"c"}`, "Idempotency-Key", "key-"+buyers[i].sub)
			})
			f.proxy.Clear()

			var took []time.Duration
			statuses := map[int]int{}
			for i, o := range first {
				took = append(took, o.took)
				statuses[o.status]++
				assert.Contains(t, tc.want, o.status, "shopper %d: %+v", i, o)
			}
			slices.Sort(took)
			slowest := took[len(took)-1]
			assert.Less(t, slowest, f.timeout, "p99 (the slowest of %d) under the function's timeout", tc.shoppers)
			t.Logf("first checkouts: %v; slowest %s", statuses, slowest)
			if tc.committed {
				require.Len(t, f.ordersOf(buyers[0]), 1, "the transaction sent before the deadline committed")
			}

			for i := range buyers {
				tries := f.checkoutUntilPlaced(buyers[i], "c", "key-"+buyers[i].sub, 5*time.Second)
				last := tries[len(tries)-1]
				require.Equal(t, 201, last.status, "shopper %d: %+v", i, tries)
				if first[i].status == 201 {
					assert.Equal(t, first[i].order, last.order)
				}
				if tc.committed {
					assert.True(t, last.replayed, "the committed order, replayed")
				}
				assert.Equal(t, []string{last.order}, f.ordersOf(buyers[i]), "shopper %d", i)
			}
			assert.Equal(t, initial-tc.shoppers, f.stock(p))
		})
	}
}

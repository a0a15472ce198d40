package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"shopstack/contract/routes"
	"shopstack/dev/local"
	"shopstack/functions/lib/shop"
)

// Options configure Load.
type Options struct {
	URL         string        // base URL of a running local API; loopback only
	Clients     int           // concurrent shoppers
	Duration    time.Duration // how long they shop
	MaxRequests int           // request budget across all shoppers
	Products    int           // products created for this run, in a category of their own
	Stock       int           // initial stock of each
	// AfterShopping, when set, runs once the shoppers have stopped and before the stock and
	// orders are read back: make chaos ends its fault there.
	AfterShopping func()
}

// Default is what make load runs.
var Default = Options{Clients: 16, Duration: 10 * time.Second, MaxRequests: 100_000, Products: 5, Stock: 200}

// Report is what a load run measured and what it found when it checked the stock.
type Report struct {
	Clients    int
	Requests   int
	Elapsed    time.Duration
	P50, P99   time.Duration
	Statuses   map[int]int    // HTTP status -> responses; 0 counts transport errors
	Errors     map[string]int // "409 out_of_stock" -> responses
	Placed     int            // orders placed (201)
	Cancelled  int            // orders cancelled (200)
	Retried    int            // checkouts retried with their Idempotency-Key after a 503/504 or no answer
	Stock      []StockCheck   // per product of the run
	Orders     []OrderCheck   // every order of the run's shoppers, as read back
	Violations []string       // broken invariants; empty when the stock adds up
}

// OrderCheck is one order read back at the end of a run.
type OrderCheck struct {
	ID        string
	Cancelled bool
}

// StockCheck is one product's stock before and after, and the quantities its live orders
// (placed, not cancelled) hold according to the server.
type StockCheck struct {
	ProductID      string
	Initial, Final int
	Ordered        int
}

// RequestsPerSecond is the throughput over the whole run.
func (r Report) RequestsPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Write prints the report for a person.
func (r Report) Write(w io.Writer) {
	fmt.Fprintf(w, "clients:     %d\n", r.Clients)
	fmt.Fprintf(w, "requests:    %d in %s = %.0f requests/s\n", r.Requests, r.Elapsed.Round(time.Millisecond), r.RequestsPerSecond())
	fmt.Fprintf(w, "latency:     p50 %s, p99 %s\n", r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond))
	fmt.Fprintf(w, "orders:      %d placed, %d cancelled; %d checkouts retried with their key\n", r.Placed, r.Cancelled, r.Retried)
	fmt.Fprintf(w, "statuses:   ")
	for _, s := range slices.Sorted(maps.Keys(r.Statuses)) {
		name := strconv.Itoa(s)
		if s == 0 {
			name = "transport-error"
		}
		fmt.Fprintf(w, " %s=%d", name, r.Statuses[s])
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "errors:     ")
	if len(r.Errors) == 0 {
		fmt.Fprint(w, " none")
	}
	for _, e := range slices.Sorted(maps.Keys(r.Errors)) {
		fmt.Fprintf(w, " %s=%d", e, r.Errors[e])
	}
	fmt.Fprintln(w)
	for _, s := range r.Stock {
		fmt.Fprintf(w, "stock:       %s initial %d, final %d, in live orders %d\n", s.ProductID, s.Initial, s.Final, s.Ordered)
	}
	if len(r.Violations) == 0 {
		fmt.Fprintln(w, "invariants:  ok (stock never negative; ordered = initial - final for every product; one order per key)")
		return
	}
	for _, v := range r.Violations {
		fmt.Fprintln(w, "VIOLATION:  ", v)
	}
}

// Load runs opts.Clients shoppers against the API at opts.URL until opts.Duration passes
// or opts.MaxRequests are spent. Each one browses the run's products, fills a cart, checks
// it out and cancels a third of its orders. Then Load reads every product and every order
// back and checks that no stock went negative and that for every product the quantities in
// live orders equal initial minus final stock. It needs the development headers, so it only
// talks to a loopback address. The error is for a run that could not start or be checked;
// broken invariants are in Report.Violations.
func Run(ctx context.Context, opts Options) (Report, error) {
	base, err := loopbackURL(opts.URL)
	if err != nil {
		return Report{}, err
	}
	if opts.Clients < 1 || opts.Duration <= 0 || opts.MaxRequests < 1 || opts.Products < 1 || opts.Stock < 1 {
		return Report{}, fmt.Errorf("load: clients, duration, requests, products and stock must be positive")
	}
	run := shop.NewID()[:8]
	c := &loadClient{
		base: base,
		http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: opts.Clients + 1}},
	}
	defer c.http.CloseIdleConnections()
	category := "load-" + run
	admin := identity{sub: "load-admin-" + run, groups: shop.AdminGroup}
	initial := map[string]int{}
	var ids []string
	for i := range opts.Products {
		np := shop.NewProduct{Name: fmt.Sprintf("Load product %d", i+1), Category: category,
			Price: shop.Money{Amount: int64(100 * (i + 1)), Currency: "EUR"}, Stock: opts.Stock}
		var p shop.Product
		if _, err := c.do(ctx, admin, "POST", "products", np, &p, nil); err != nil {
			return Report{}, fmt.Errorf("load: create product: %w", err)
		}
		initial[p.ID] = p.Stock
		ids = append(ids, p.ID)
	}

	var budget atomic.Int64
	budget.Store(int64(opts.MaxRequests))
	shopCtx, cancel := context.WithTimeout(ctx, opts.Duration)
	defer cancel()
	shoppers := make([]*shopper, opts.Clients)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range shoppers {
		s := &shopper{c: c, ctx: ctx, who: identity{sub: fmt.Sprintf("load-%s-%d", run, i)}, run: run, n: i,
			category: category, budget: &budget, statuses: map[int]int{}, errors: map[string]int{},
			rng: rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))}
		shoppers[i] = s
		wg.Go(func() { s.shop(shopCtx) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	if opts.AfterShopping != nil {
		opts.AfterShopping()
	}

	r := Report{Clients: opts.Clients, Elapsed: elapsed, Statuses: map[int]int{}, Errors: map[string]int{}}
	var latencies []time.Duration
	for _, s := range shoppers {
		latencies = append(latencies, s.latencies...)
		for k, v := range s.statuses {
			r.Statuses[k] += v
		}
		for k, v := range s.errors {
			r.Errors[k] += v
		}
		r.Placed += s.placed
		r.Cancelled += s.cancelled
		r.Retried += s.retried
		r.Violations = append(r.Violations, s.violations...)
	}
	r.Requests = len(latencies)
	slices.Sort(latencies)
	r.P50, r.P99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
	if err := verify(ctx, c, shoppers, ids, initial, &r); err != nil {
		return r, err
	}
	return r, nil
}

// verify reads the products and every shopper's orders back and checks the stock.
func verify(ctx context.Context, c *loadClient, shoppers []*shopper, ids []string, initial map[string]int, r *Report) error {
	ordered := map[string]int{}
	for _, s := range shoppers {
		byCart := map[string][]string{}
		cursor := ""
		for {
			var page shop.OrderPage
			path := "orders?limit=" + strconv.Itoa(shop.MaxPageSize)
			if cursor != "" {
				path += "&cursor=" + url.QueryEscape(cursor)
			}
			if _, err := c.do(ctx, s.who, "GET", path, nil, &page, nil); err != nil {
				return fmt.Errorf("load: verify: list orders of %s: %w", s.who.sub, err)
			}
			for _, o := range page.Orders {
				byCart[o.CartID] = append(byCart[o.CartID], o.ID)
				r.Orders = append(r.Orders, OrderCheck{ID: o.ID, Cancelled: o.Status == shop.StatusCancelled})
				if o.Status == shop.StatusCancelled {
					continue
				}
				for _, l := range o.Lines {
					ordered[l.ProductID] += l.Quantity
				}
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		// Each cart is checked out under one Idempotency-Key, so one order per cart is one per key.
		for cart, ids := range byCart {
			if len(ids) > 1 {
				r.Violations = append(r.Violations, fmt.Sprintf("cart %s (one Idempotency-Key) has %d orders: %v", cart, len(ids), ids))
			}
		}
		for cart, id := range s.answered {
			if got := byCart[cart]; len(got) != 1 || got[0] != id {
				r.Violations = append(r.Violations, fmt.Sprintf("cart %s: checkout answered order %s, but the stored orders are %v", cart, id, got))
			}
		}
	}
	for _, id := range ids {
		var p shop.Product
		if _, err := c.do(ctx, identity{}, "GET", "products/"+url.PathEscape(id), nil, &p, nil); err != nil {
			return fmt.Errorf("load: verify: read product %s: %w", id, err)
		}
		sc := StockCheck{ProductID: id, Initial: initial[id], Final: p.Stock, Ordered: ordered[id]}
		r.Stock = append(r.Stock, sc)
		if sc.Final < 0 {
			r.Violations = append(r.Violations, fmt.Sprintf("product %s: final stock %d is negative", id, sc.Final))
		}
		if sc.Ordered != sc.Initial-sc.Final {
			r.Violations = append(r.Violations, fmt.Sprintf("product %s: live orders hold %d but stock fell by %d (initial %d, final %d)",
				id, sc.Ordered, sc.Initial-sc.Final, sc.Initial, sc.Final))
		}
	}
	return nil
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

// shopper is one concurrent client with its own identity and tallies.
type shopper struct {
	c          *loadClient
	ctx        context.Context // of the requests: a request started before the end completes
	who        identity
	run        string
	n          int
	category   string
	budget     *atomic.Int64
	rng        *rand.Rand
	carts      int
	latencies  []time.Duration
	statuses   map[int]int
	errors     map[string]int
	placed     int
	cancelled  int
	retried    int
	answered   map[string]string // cart -> the order its checkout answered
	violations []string
}

// shop repeats browse → cart → checkout (→ sometimes cancel) until stop ends or the
// request budget is spent. Requests in flight when stop ends complete, so the server
// has finished every write by the time the stock is checked.
func (s *shopper) shop(stop context.Context) {
	for stop.Err() == nil && s.budget.Load() > 0 {
		var page shop.ProductPage
		if !s.call(stop, "GET", "products?category="+s.category, nil, &page) || len(page.Products) == 0 {
			continue
		}
		for _, p := range page.Products {
			if p.Stock < 0 {
				s.violations = append(s.violations, fmt.Sprintf("product %s listed with negative stock %d", p.ID, p.Stock))
			}
		}
		s.carts++
		cartID := fmt.Sprintf("load-%s-%d-%d", s.run, s.n, s.carts)
		filled := false
		for range 1 + s.rng.IntN(2) {
			p := page.Products[s.rng.IntN(len(page.Products))]
			var got shop.Product
			if !s.call(stop, "GET", "products/"+p.ID, nil, &got) {
				break
			}
			q := 1 + s.rng.IntN(3)
			if !s.call(stop, "PUT", "carts/"+cartID+"/items/"+p.ID, shop.CartQuantity{Quantity: &q}, nil) {
				break
			}
			filled = true
		}
		if !filled {
			continue
		}
		o, ok := s.checkout(stop, cartID)
		if !ok {
			continue
		}
		s.placed++
		if s.rng.IntN(3) == 0 && s.call(stop, "POST", "orders/"+o.ID+"/cancel", nil, nil) {
			s.cancelled++
		}
	}
}

// checkoutTries bounds how often a shopper sends one checkout: the first try and its
// retries after a 503/504 or no answer.
const checkoutTries = 4

// checkout places the cart's order under one Idempotency-Key, retrying with the same key after
// a 503 or 504 (waiting Retry-After) or no answer, as a client should: the first try may have
// committed, and its key then answers that order.
func (s *shopper) checkout(stop context.Context, cartID string) (shop.Order, bool) {
	headers := map[string]string{routes.IdempotencyHeader: shop.NewID()}
	for try := 1; ; try++ {
		var o shop.Order
		status, wait, ok := s.send(stop, "POST", "orders", shop.PlaceOrder{CartID: cartID}, &o, headers)
		if ok {
			if s.answered == nil {
				s.answered = map[string]string{}
			}
			s.answered[cartID] = o.ID
			return o, true
		}
		if status != 0 && status != http.StatusServiceUnavailable && status != http.StatusGatewayTimeout || try == checkoutTries || stop.Err() != nil || s.ctx.Err() != nil {
			return shop.Order{}, false
		}
		s.retried++
		time.Sleep(wait)
	}
}

// call spends one request of the budget, unless stop has ended, and records its latency
// and outcome; it reports whether the request succeeded.
// A 503 or 504 is waited out for its Retry-After, as a client should.
func (s *shopper) call(stop context.Context, method, path string, body, out any) bool {
	status, wait, ok := s.send(stop, method, path, body, out, nil)
	if status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout {
		time.Sleep(wait)
	}
	return ok
}

// send is call with headers; it also returns the status (0 for no answer) and how long the
// answer's Retry-After asks to wait (at least 100 ms).
func (s *shopper) send(stop context.Context, method, path string, body, out any, headers map[string]string) (int, time.Duration, bool) {
	if stop.Err() != nil || s.budget.Add(-1) < 0 {
		return 0, 0, false
	}
	start := time.Now()
	status, err := s.c.do(s.ctx, s.who, method, path, body, out, headers)
	if s.ctx.Err() != nil {
		return 0, 0, false // interrupted: not a result
	}
	s.latencies = append(s.latencies, time.Since(start))
	s.statuses[status]++
	wait := 100 * time.Millisecond
	var he *httpError
	switch {
	case errors.As(err, &he):
		s.errors[fmt.Sprintf("%d %s", he.status, he.code)]++
		if secs, perr := strconv.Atoi(he.retryAfter); perr == nil && secs > 0 {
			wait = time.Duration(secs) * time.Second
		}
	case err != nil:
		s.errors["transport"]++
	}
	return status, wait, err == nil
}

// identity is who a request acts for, sent as the development headers.
type identity struct{ sub, groups string }

type loadClient struct {
	base *url.URL
	http *http.Client
}

// httpError is a response with a status of 400 or more.
type httpError struct {
	status     int
	code       string
	body       string
	retryAfter string
}

func (e *httpError) Error() string { return fmt.Sprintf("status %d: %s", e.status, e.body) }

// do sends one JSON request and decodes a 2xx answer into out; it returns the status (0
// when there was no response).
func (c *loadClient) do(ctx context.Context, who identity, method, path string, body, out any, headers map[string]string) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if who.sub != "" {
		req.Header.Set(local.DevUserHeader, who.sub)
	}
	if who.groups != "" {
		req.Header.Set(local.DevGroupsHeader, who.groups)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode >= 400 {
		var eb struct {
			Error struct{ Code string } `json:"error"`
		}
		_ = json.Unmarshal(b, &eb)
		return resp.StatusCode, &httpError{status: resp.StatusCode, code: eb.Error.Code, body: strings.TrimSpace(string(b)), retryAfter: resp.Header.Get("Retry-After")}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

// loopbackURL parses a base URL and refuses any host but this machine's loopback.
func loopbackURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("load: %q is not an http URL of the local API", raw)
	}
	host := u.Hostname()
	if !local.IsLoopbackHost(host) {
		return nil, fmt.Errorf("load: %s is not a loopback address; the load script only runs against the local API", host)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

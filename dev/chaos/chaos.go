package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"shopstack/dev/dynamolocal"
	"shopstack/dev/faults"
	"shopstack/dev/load"
	"shopstack/dev/local"
	"shopstack/functions/lib/pipeline"
)

// Options configure Chaos.
type Options struct {
	Clients  int           // concurrent shoppers per phase
	Phase    time.Duration // how long each fault lasts
	Requests int           // request budget per phase
	Drain    time.Duration // how long to wait for the event pipeline to deliver at the end
}

// Default is what make chaos runs.
var Default = Options{Clients: 8, Phase: 6 * time.Second, Requests: 5_000, Drain: 30 * time.Second}

// Fault is one phase of make chaos: a fault put between the functions and DynamoDB Local while
// shoppers shop, then lifted before their orders are checked.
type Fault struct {
	Name  string
	Apply func(proxy *faults.Proxy, rt *faults.Transport) error
}

// Faults are the phases of make chaos, in order.
var Faults = []Fault{
	{Name: "none", Apply: func(*faults.Proxy, *faults.Transport) error { return nil }},
	{Name: "latency 1-3 s (30% of connections)", Apply: func(p *faults.Proxy, _ *faults.Transport) error {
		t := faults.Latency(2000, 1000)
		t.Toxicity = 0.3
		return p.Add(t)
	}},
	{Name: "cut mid-answer (limit_data 300 B, 30% of connections)", Apply: func(p *faults.Proxy, _ *faults.Transport) error {
		t := faults.LimitData(300)
		t.Toxicity = 0.3
		return p.Add(t)
	}},
	{Name: "throttled 20%, transaction conflicts 30%", Apply: func(_ *faults.Proxy, rt *faults.Transport) error {
		rt.Add(faults.Rule{Operation: "TransactWriteItems", Error: faults.TransactionConflict, Rate: 0.3})
		rt.Add(faults.Rule{Error: faults.ProvisionedThroughputExceeded, Rate: 0.2})
		return nil
	}},
	{Name: "unreachable 3 s", Apply: func(p *faults.Proxy, _ *faults.Transport) error {
		go func() {
			time.Sleep(time.Second)
			p.Down()
			time.Sleep(3 * time.Second)
			_ = p.Up()
		}()
		return nil
	}},
}

// Phase is what one fault's load measured.
type Phase struct {
	Fault string
	load.Report
}

// Report is every phase and the checks of the event pipeline at the end.
type Report struct {
	Phases     []Phase
	Events     EventCheck
	Elapsed    time.Duration
	Failures   []string // causes of 500 answers, from the functions' logs
	Violations []string
}

// EventCheck counts the notifications of the orders the run placed.
type EventCheck struct {
	Orders, Placed, Cancelled int // orders; OrderPlaced and OrderCancelled notified for them
	Dropped                   int // messages the local bus dropped after its receives
}

// Chaos starts DynamoDB Local, a faults.Server (AWS errors) and a Toxiproxy in front of it, and
// the local platform (Start: the handlers and the event pipeline) on the proxy, then runs a
// short load under each of Faults, lifting each before its orders and stock are checked. At
// the end it waits for the pipeline and checks every order was notified once. Loopback only.
func Run(ctx context.Context, opts Options, progress io.Writer) (Report, error) {
	start := time.Now()
	dynamo, err := dynamolocal.Start(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("chaos: %w", err)
	}
	defer dynamo.Stop()
	rt := &faults.Transport{}
	injector, err := faults.Serve(rt, dynamo.Endpoint)
	if err != nil {
		return Report{}, fmt.Errorf("chaos: %w", err)
	}
	defer injector.Close()
	proxy, err := faults.Start(injector.Addr)
	if err != nil {
		return Report{}, fmt.Errorf("chaos: %w", err)
	}
	defer proxy.Close()
	_, port, _ := net.SplitHostPort(proxy.Addr)
	dynamoPort, _ := strconv.Atoi(port)
	notes := &notifications{seen: map[string]int{}}
	p, err := local.Start(ctx, local.Options{Addr: "127.0.0.1:0", DynamoDBPort: dynamoPort, Log: slog.New(slog.NewJSONHandler(notes, nil))})
	if err != nil {
		return Report{}, fmt.Errorf("chaos: %w", err)
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = p.Stop(stopCtx)
	}()

	var r Report
	for _, f := range Faults {
		phase := opts.Phase
		fmt.Fprintf(progress, "chaos: %s for %s ...\n", f.Name, phase)
		if err := f.Apply(proxy, rt); err != nil {
			return r, fmt.Errorf("chaos: %s: %w", f.Name, err)
		}
		lr, err := load.Run(ctx, load.Options{URL: p.URL, Clients: opts.Clients, Duration: phase, MaxRequests: opts.Requests,
			Products: 3, Stock: 100, AfterShopping: func() {
				rt.Clear()
				proxy.Clear()
				_ = proxy.Up()
			}})
		if err != nil {
			return r, fmt.Errorf("chaos: %s: %w", f.Name, err)
		}
		r.Phases = append(r.Phases, Phase{Fault: f.Name, Report: lr})
		for _, v := range lr.Violations {
			r.Violations = append(r.Violations, f.Name+": "+v)
		}
	}

	// Every order is notified once: OrderPlaced for each live order, OrderCancelled for each
	// cancelled one (whose OrderPlaced it may supersede), none twice.
	var live, cancelled []string
	for _, ph := range r.Phases {
		for _, o := range ph.Orders {
			if o.Cancelled {
				cancelled = append(cancelled, o.ID)
			} else {
				live = append(live, o.ID)
			}
		}
	}
	fmt.Fprintf(progress, "chaos: waiting up to %s for the notifications of %d orders ...\n", opts.Drain, len(live)+len(cancelled))
	for end := time.Now().Add(opts.Drain); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if notes.all(pipeline.TypeOrderPlaced, live) && notes.all(pipeline.TypeOrderCancelled, cancelled) {
			break
		}
	}
	r.Events = notes.check(live, cancelled)
	r.Failures = notes.failures
	r.Violations = append(r.Violations, notes.violations(live, cancelled)...)
	r.Elapsed = time.Since(start)
	return r, nil
}

// notifications reads the platform's JSON log and counts the notifications per event type
// and order, and the messages the bus dropped.
type notifications struct {
	mu       sync.Mutex
	seen     map[string]int // "OrderPlaced/<orderId>" -> notifications
	dropped  int
	failures []string // the causes logged with 500 answers
}

func (n *notifications) Write(p []byte) (int, error) {
	switch {
	case bytes.Contains(p, []byte(`"msg":"notification"`)):
		var line struct {
			EventType string `json:"eventType"`
			OrderID   string `json:"orderId"`
		}
		if json.Unmarshal(p, &line) == nil && line.OrderID != "" {
			n.mu.Lock()
			n.seen[line.EventType+"/"+line.OrderID]++
			n.mu.Unlock()
		}
	case bytes.Contains(p, []byte(`"msg":"request failed"`)) && bytes.Contains(p, []byte(`"status":500`)):
		var line struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(p, &line)
		n.mu.Lock()
		n.failures = append(n.failures, line.Error)
		n.mu.Unlock()
	case bytes.Contains(p, []byte(`"msg":"message dropped after receives"`)):
		n.mu.Lock()
		n.dropped++
		n.mu.Unlock()
	}
	return len(p), nil
}

func (n *notifications) count(typ, order string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.seen[typ+"/"+order]
}

func (n *notifications) all(typ string, orders []string) bool {
	for _, o := range orders {
		if n.count(typ, o) == 0 {
			return false
		}
	}
	return true
}

func (n *notifications) check(live, cancelled []string) EventCheck {
	c := EventCheck{Orders: len(live) + len(cancelled)}
	for _, o := range append(slices.Clone(live), cancelled...) {
		c.Placed += n.count(pipeline.TypeOrderPlaced, o)
		c.Cancelled += n.count(pipeline.TypeOrderCancelled, o)
	}
	n.mu.Lock()
	c.Dropped = n.dropped
	n.mu.Unlock()
	return c
}

func (n *notifications) violations(live, cancelled []string) []string {
	var v []string
	for _, o := range live {
		if c := n.count(pipeline.TypeOrderPlaced, o); c != 1 {
			v = append(v, fmt.Sprintf("order %s: OrderPlaced notified %d times, not once", o, c))
		}
	}
	for _, o := range cancelled {
		if c := n.count(pipeline.TypeOrderCancelled, o); c != 1 {
			v = append(v, fmt.Sprintf("cancelled order %s: OrderCancelled notified %d times, not once", o, c))
		}
		if c := n.count(pipeline.TypeOrderPlaced, o); c > 1 {
			v = append(v, fmt.Sprintf("cancelled order %s: OrderPlaced notified %d times", o, c))
		}
	}
	return v
}

// Write prints the report as a Markdown table and the checks under it.
func (r Report) Write(w io.Writer) {
	fmt.Fprintln(w, "| fault | requests | statuses | p50 | p99 | orders | checkout retries | invariants |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- | --- |")
	for _, ph := range r.Phases {
		var st []string
		for _, s := range slices.Sorted(maps.Keys(ph.Statuses)) {
			name := strconv.Itoa(s)
			if s == 0 {
				name = "none"
			}
			st = append(st, fmt.Sprintf("%s=%d", name, ph.Statuses[s]))
		}
		inv := "ok"
		if len(ph.Violations) > 0 {
			inv = fmt.Sprintf("%d VIOLATED", len(ph.Violations))
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %d placed, %d cancelled | %d | %s |\n", ph.Fault, ph.Requests, strings.Join(st, " "),
			ph.P50.Round(100*time.Microsecond), ph.P99.Round(100*time.Microsecond), ph.Placed, ph.Cancelled, ph.Retried, inv)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "invariants per fault: stock never negative; orders hold exactly the stock sold; one order per Idempotency-Key; the order a checkout answered is the one stored")
	e := r.Events
	fmt.Fprintf(w, "events: %d orders: %d OrderPlaced, %d OrderCancelled notified; %d messages dropped by the bus\n", e.Orders, e.Placed, e.Cancelled, e.Dropped)
	if len(r.Violations) == 0 {
		fmt.Fprintln(w, "all invariants hold; events delivered once")
	}
	for _, v := range r.Violations {
		fmt.Fprintln(w, "VIOLATION:", v)
	}
	for _, f := range r.Failures {
		fmt.Fprintln(w, "500:", f)
	}
	fmt.Fprintf(w, "elapsed: %s\n", r.Elapsed.Round(100*time.Millisecond))
}

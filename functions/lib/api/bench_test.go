package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"shopstack/contract/schema"
	"shopstack/dev/dynamolocal"
	"shopstack/functions/lib/api"
	"shopstack/functions/lib/shop"
	"shopstack/functions/lib/store"
)

// BenchmarkCheckout measures POST /orders through the checkout handler against DynamoDB
// Local, side by side with the floor a checkout cannot go below: the same cart read and the
// byte-identical TransactWriteItems the handler sends (stock updates, order, idempotency
// record, cart delete), issued directly ("raw"). Each operation checks out its own 2-line
// cart drawn from 64 products, so concurrent checkouts sometimes contend for a product.
//
// Both sides run in the same benchmark in interleaved rounds (alternating which goes first),
// so a JVM still warming up or a neighbour's load falls on both: -count runs sub-benchmarks
// back to back and would compare a cold DynamoDB Local with a warm one. Neither side passes
// through the capacity recorder the other tests use (it asks every call for consumed
// capacity and takes a lock). Reports p50/p99 of both, their ratios (p50-x, p99-x) and the
// handler's orders/s.
func BenchmarkCheckout(b *testing.B) {
	for _, conc := range []int{1, 16} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			b.StopTimer() // only the rounds are timed, not the tables, products and carts
			raw := dynamolocal.Client(b)
			f := newFixtureOn(b, raw, raw)
			ctx := context.Background()
			products := make([]string, 64)
			for i := range products {
				products[i] = f.product(fmt.Sprintf("P%02d", i), "bench", 1000+i, shop.MaxStock)
			}
			log := slog.New(slog.NewJSONHandler(io.Discard, nil))
			handler, err := api.NewCheckout(shop.NewCheckout(f.db.Carts(), f.db.Products(), f.db.Orders()), log)
			require.NoError(b, err)
			carts, err := api.NewCart(shop.NewCarts(f.db.Carts(), f.db.Products()), log)
			require.NoError(b, err)
			ours := make([]events.APIGatewayProxyRequest, b.N)
			raws := make([]rawCheckout, b.N)
			for i := 0; i < b.N; i++ {
				ours[i] = benchCart(b, carts, products, fmt.Sprintf("b%d-%d", b.N, i), i)
				raws[i] = captureCheckout(b, raw, f.tables, benchCart(b, carts, products, fmt.Sprintf("r%d-%d", b.N, i), i))
			}
			oursLat, rawLat := make([]time.Duration, b.N), make([]time.Duration, b.N)
			var oursTime time.Duration
			conflicts := atomic.Int64{}
			// Many short rounds, each long enough to keep conc workers busy, so drift in the
			// machine's load falls on both sides.
			rounds := max(1, min(40, b.N/(2*conc)))
			b.StartTimer()
			for r := 0; r < rounds; r++ {
				lo, hi := r*b.N/rounds, (r+1)*b.N/rounds
				runOurs := func() {
					t := time.Now()
					workers(conc, lo, hi, func(i int) {
						t0 := time.Now()
						resp, err := handler.Handle(ctx, ours[i])
						oursLat[i] = time.Since(t0)
						if err != nil || resp.StatusCode != 201 {
							b.Errorf("checkout %d: %v %d %s", i, err, resp.StatusCode, resp.Body)
						}
					})
					oursTime += time.Since(t)
				}
				runRaw := func() {
					workers(conc, lo, hi, func(i int) {
						t0 := time.Now()
						n, err := raws[i].run(ctx, raw)
						rawLat[i] = time.Since(t0)
						conflicts.Add(int64(n))
						if err != nil {
							b.Errorf("raw checkout %d: %v", i, err)
						}
					})
				}
				if r%2 == 0 {
					runOurs()
					runRaw()
				} else {
					runRaw()
					runOurs()
				}
			}
			b.StopTimer()
			p50, p99 := percentiles(oursLat)
			rawP50, rawP99 := percentiles(rawLat)
			b.ReportMetric(ms(p50), "p50-ms")
			b.ReportMetric(ms(p99), "p99-ms")
			b.ReportMetric(ms(rawP50), "raw-p50-ms")
			b.ReportMetric(ms(rawP99), "raw-p99-ms")
			b.ReportMetric(float64(p50)/float64(rawP50), "p50-x")
			b.ReportMetric(float64(p99)/float64(rawP99), "p99-x")
			b.ReportMetric(float64(b.N)/oursTime.Seconds(), "orders/s")
			b.ReportMetric(float64(conflicts.Load()), "raw-conflicts")
		})
	}
}

// benchCart fills alice's cart id with up to 2 lines through the cart handler, as a shopper
// would, and returns the checkout request for it.
func benchCart(b *testing.B, carts *api.Handler, products []string, id string, i int) events.APIGatewayProxyRequest {
	for _, l := range []struct{ p, q int }{{i % 64, 1}, {(i*7 + 1) % 64, 2}} {
		req, _ := request(b, "PUT", "/carts/"+id+"/items/"+products[l.p], alice, fmt.Sprintf(`{"quantity":%d}`, l.q))
		resp, err := carts.Handle(context.Background(), req)
		require.NoError(b, err)
		require.Equal(b, 200, resp.StatusCode, resp.Body)
	}
	req, _ := request(b, "POST", "/orders", alice, fmt.Sprintf(`{"cartId":%q}`, id), "Idempotency-Key", "key-"+id)
	return req
}

// rawCheckout is the DynamoDB calls one checkout makes at the least: the cart read and the
// transaction, exactly as the handler built them.
type rawCheckout struct {
	cartRead *dynamodb.GetItemInput
	tx       *dynamodb.TransactWriteItemsInput
}

// run sends the cart read and the transaction, resending the transaction while DynamoDB
// cancels it for a conflict with a concurrent one (the handler retries those too); it
// returns how many times it resent.
func (r rawCheckout) run(ctx context.Context, client *dynamodb.Client) (int, error) {
	if _, err := client.GetItem(ctx, r.cartRead); err != nil {
		return 0, err
	}
	for resent := 0; ; resent++ {
		in := *r.tx // a fresh input per attempt, as the store sends, so the SDK picks a new token
		_, err := client.TransactWriteItems(ctx, &in)
		var tce *types.TransactionCanceledException
		if errors.As(err, &tce) && resent < 50 && slices.ContainsFunc(tce.CancellationReasons, func(c types.CancellationReason) bool {
			return aws.ToString(c.Code) == "TransactionConflict"
		}) {
			continue
		}
		return resent, err
	}
}

// captureCheckout runs the checkout of req on a client that passes reads through and keeps
// the transaction instead of sending it, and returns the cart read and that transaction.
func captureCheckout(b *testing.B, raw *dynamodb.Client, tables map[string]string, req events.APIGatewayProxyRequest) rawCheckout {
	c := &captureClient{Client: raw, carts: tables[schema.Carts]}
	db := store.New(c, c, tables)
	h, err := api.NewCheckout(shop.NewCheckout(db.Carts(), db.Products(), db.Orders()), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	require.NoError(b, err)
	resp, err := h.Handle(context.Background(), req)
	require.NoError(b, err)
	require.Equal(b, 201, resp.StatusCode, resp.Body)
	require.NotNil(b, c.got.cartRead, "checkout read no cart")
	require.NotNil(b, c.got.tx, "checkout sent no transaction")
	return c.got
}

// captureClient records the carts GetItem and the TransactWriteItems a checkout sends,
// answering the transaction as committed without sending it.
type captureClient struct {
	*dynamodb.Client
	carts string
	got   rawCheckout
}

func (c *captureClient) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if aws.ToString(in.TableName) == c.carts {
		cp := *in
		c.got.cartRead = &cp
	}
	return c.Client.GetItem(ctx, in, opts...)
}

func (c *captureClient) TransactWriteItems(_ context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	cp := *in
	c.got.tx = &cp
	return &dynamodb.TransactWriteItemsOutput{}, nil
}

// workers runs fn for every index in [lo, hi) on conc goroutines.
func workers(conc, lo, hi int, fn func(i int)) {
	work := make(chan int, hi-lo)
	for i := lo; i < hi; i++ {
		work <- i
	}
	close(work)
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Go(func() {
			for i := range work {
				fn(i)
			}
		})
	}
	wg.Wait()
}

func percentiles(lat []time.Duration) (p50, p99 time.Duration) {
	s := slices.Clone(lat)
	slices.Sort(s)
	return s[len(s)/2], s[(len(s)*99)/100]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BenchmarkDecode measures decoding each request body; run with -benchmem for
// allocations per request.
func BenchmarkDecode(b *testing.B) {
	bodies := map[string]func() error{
		"NewProduct": func() error {
			_, err := api.Decode[shop.NewProduct](`{"name":"Blue mug","description":"Holds tea","category":"kitchen","price":{"amount":1299,"currency":"EUR"},"stock":5,"lowStockThreshold":2}`, false)
			return err
		},
		"ProductUpdate": func() error {
			_, err := api.Decode[shop.ProductUpdate](`{"name":"Blue mug","description":"Holds tea","category":"kitchen","price":{"amount":1299,"currency":"EUR"},"lowStockThreshold":2}`, false)
			return err
		},
		"StockDelta":   func() error { _, err := api.Decode[shop.StockDelta](`{"delta":-3}`, false); return err },
		"CartQuantity": func() error { _, err := api.Decode[shop.CartQuantity](`{"quantity":2}`, false); return err },
		"PlaceOrder":   func() error { _, err := api.Decode[shop.PlaceOrder](`{"cartId":"c-123"}`, false); return err },
	}
	for _, name := range []string{"NewProduct", "ProductUpdate", "StockDelta", "CartQuantity", "PlaceOrder"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := bodies[name](); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

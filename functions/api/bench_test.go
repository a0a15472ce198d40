package api_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"shopstack/functions/api"
	"shopstack/functions/shop"
)

// BenchmarkCheckout measures POST /orders through the handler against DynamoDB Local:
// each operation checks out its own 2-line cart drawn from 64 products, so concurrent
// checkouts sometimes contend for a product. Reports p50/p99 latency and orders/s.
func BenchmarkCheckout(b *testing.B) {
	for _, conc := range []int{1, 16} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			f := newFixture(b)
			products := make([]string, 64)
			for i := range products {
				products[i] = f.product(fmt.Sprintf("P%02d", i), "bench", 1000+i, shop.MaxStock)
			}
			carts := f.db.Carts()
			now := time.Now().UTC()
			b.StopTimer()
			for i := 0; i < b.N; i++ {
				c := shop.Cart{
					ID: fmt.Sprintf("b%d-%d", b.N, i), OwnerID: alice.sub, Currency: "EUR",
					Items:     []shop.CartItem{{ProductID: products[i%64], Quantity: 1}, {ProductID: products[(i*7+1)%64], Quantity: 2}},
					UpdatedAt: now, ExpiresAt: now.Add(time.Hour),
				}
				if c.Items[0].ProductID == c.Items[1].ProductID {
					c.Items = c.Items[:1]
				}
				if _, err := carts.SaveCart(context.Background(), c); err != nil {
					b.Fatal(err)
				}
			}
			work := make(chan int, b.N)
			for i := 0; i < b.N; i++ {
				work <- i
			}
			close(work)
			latencies := make([]time.Duration, b.N)
			var wg sync.WaitGroup
			b.StartTimer()
			start := time.Now()
			for w := 0; w < conc; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range work {
						req, _ := request(b, "POST", "/orders", alice, fmt.Sprintf(`{"cartId":"b%d-%d"}`, b.N, i), "Idempotency-Key", fmt.Sprintf("bench-%d-%d", b.N, i))
						t0 := time.Now()
						resp, err := f.handlers["checkout"].Handle(context.Background(), req)
						latencies[i] = time.Since(t0)
						if err != nil || resp.StatusCode != 201 {
							b.Errorf("checkout %d: %v %d %s", i, err, resp.StatusCode, resp.Body)
						}
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			slices.Sort(latencies)
			b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(latencies[(len(latencies)*99)/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "orders/s")
		})
	}
}

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

package api_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parallel runs fn(i) for i in [0, n) on n goroutines released at once.
func parallel(n int, fn func(i int)) {
	var start, done sync.WaitGroup
	start.Add(1)
	done.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			defer done.Done()
			start.Wait()
			fn(i)
		}()
	}
	start.Done()
	done.Wait()
}

// Stock K and M ≫ K concurrent single-unit checkouts from different carts: exactly K
// orders, stock 0, and M−K clean out-of-stock answers.
func TestInvariantNoOversell(t *testing.T) {
	const K, M = 7, 64
	f := newFixture(t)
	p := f.product("Last few", "rare", 999, K)
	buyers := make([]who, M)
	for i := range buyers {
		buyers[i] = who{sub: fmt.Sprintf("buyer-%d", i)}
		f.cart(buyers[i], fmt.Sprintf("cart-%d", i), p, 1)
	}

	statuses := make([]int, M)
	codes := make([]string, M)
	orders := make([]string, M)
	parallel(M, func(i int) {
		r := f.checkout(buyers[i], fmt.Sprintf("cart-%d", i), fmt.Sprintf("key-%d", i))
		statuses[i], codes[i], orders[i] = r.StatusCode, r.errCode(), r.str("orderId")
	})

	placed := map[string]bool{}
	for i := range statuses {
		switch statuses[i] {
		case 201:
			placed[orders[i]] = true
		case 409:
			assert.Equal(t, "out_of_stock", codes[i], "buyer %d", i)
		default:
			t.Errorf("buyer %d: status %d (%s)", i, statuses[i], codes[i])
		}
	}
	assert.Len(t, placed, K, "orders placed")
	assert.Equal(t, 0, f.stock(p))
	total := 0
	for i := range buyers {
		total += len(f.do("GET", "/orders", buyers[i], "").json["orders"].([]any))
	}
	assert.Equal(t, K, total, "orders stored")
}

// N concurrent retries of one checkout with one Idempotency-Key: one order.
func TestInvariantOneOrderPerKey(t *testing.T) {
	const N = 32
	f := newFixture(t)
	p := f.product("Mug", "kitchen", 1200, 100)
	f.cart(alice, "c1", p, 2)

	statuses := make([]int, N)
	orders := make([]string, N)
	parallel(N, func(i int) {
		r := f.checkout(alice, "c1", "retry-me")
		statuses[i], orders[i] = r.StatusCode, r.str("orderId")
	})
	for i := range statuses {
		assert.Equal(t, 201, statuses[i], "retry %d", i)
		assert.Equal(t, orders[0], orders[i], "retry %d", i)
	}
	assert.Len(t, f.do("GET", "/orders", alice, "").json["orders"].([]any), 1)
	assert.Equal(t, 98, f.stock(p))
}

// Concurrent cancels of one order: one succeeds, the rest are conflicts, the stock is
// restored exactly once.
func TestInvariantCancelRestocksOnce(t *testing.T) {
	const N = 32
	f := newFixture(t)
	p := f.product("Mug", "kitchen", 1200, 10)
	f.cart(alice, "c1", p, 4)
	id := f.checkout(alice, "c1", "k").str("orderId")
	require.Equal(t, 6, f.stock(p))

	statuses := make([]int, N)
	parallel(N, func(i int) {
		statuses[i] = f.do("POST", "/orders/"+id+"/cancel", alice, "").StatusCode
	})
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	assert.Equal(t, map[int]int{200: 1, 409: N - 1}, count)
	assert.Equal(t, 10, f.stock(p))
}

// Retries of one checkout whose cart takes the last of the stock: every answer is the
// order the key placed, or a 409 conflict saying that checkout is in progress — never
// out_of_stock for the stock the key's own order took. Several rounds, since the losing
// retries race the winner differently each time.
func TestInvariantRetriesOfAKeyAreNeverOutOfStock(t *testing.T) {
	const N, rounds = 16, 4
	f := newFixture(t)
	for round := 0; round < rounds; round++ {
		p := f.product("Last two", "rare", 999, 2)
		cart, key := fmt.Sprintf("c%d", round), fmt.Sprintf("k%d", round)
		f.cart(alice, cart, p, 2)

		statuses := make([]int, N)
		codes, messages, orders := make([]string, N), make([]string, N), make([]string, N)
		parallel(N, func(i int) {
			r := f.checkout(alice, cart, key)
			statuses[i], codes[i], messages[i], orders[i] = r.StatusCode, r.errCode(), r.errMessage(), r.str("orderId")
		})
		placed := map[string]bool{}
		for i := range statuses {
			switch statuses[i] {
			case 201:
				placed[orders[i]] = true
			case 409:
				assert.Equal(t, "conflict", codes[i], "round %d retry %d: %s", round, i, messages[i])
				assert.Contains(t, messages[i], "in progress", "round %d retry %d", round, i)
			default:
				t.Errorf("round %d retry %d: status %d (%s: %s)", round, i, statuses[i], codes[i], messages[i])
			}
		}
		assert.Len(t, placed, 1, "round %d: one order per key", round)
		assert.Equal(t, 0, f.stock(p), "round %d", round)

		// The same key with another cart holding the exhausted product is still the key's misuse.
		f.cart(alice, cart+"-other", p, 1)
		other := f.checkout(alice, cart+"-other", key)
		assert.Equal(t, 422, other.StatusCode, other.Body)
		assert.Equal(t, "unprocessable", other.errCode())
	}
	assert.Len(t, f.do("GET", "/orders", alice, "").json["orders"].([]any), rounds)
}

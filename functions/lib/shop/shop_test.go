package shop

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStatusMachine(t *testing.T) {
	cases := []struct {
		from, to Status
		ok       bool
	}{
		{StatusPlaced, StatusCancelled, true},
		{StatusPlaced, StatusShipped, true},
		{StatusShipped, StatusDelivered, true},
		{StatusShipped, StatusCancelled, false},
		{StatusDelivered, StatusCancelled, false},
		{StatusCancelled, StatusCancelled, false},
		{StatusCancelled, StatusPlaced, false},
		{StatusPlaced, StatusDelivered, false},
	}
	for _, c := range cases {
		t.Run(string(c.from)+"->"+string(c.to), func(t *testing.T) {
			o, err := Order{ID: "o", Status: c.from}.moveTo(c.to, time.Unix(5, 0))
			if c.ok {
				require.NoError(t, err)
				assert.Equal(t, c.to, o.Status)
				assert.Equal(t, time.Unix(5, 0), o.UpdatedAt)
			} else {
				assert.Equal(t, ECONFLICT, ErrorCode(err))
			}
		})
	}
}

func TestNewOrderPricesFromProducts(t *testing.T) {
	eur := func(a int64) Money { return Money{Amount: a, Currency: "EUR"} }
	products := map[string]Product{
		"a": {ID: "a", Name: "A", Price: eur(250), Stock: 10},
		"b": {ID: "b", Name: "B", Price: eur(1000), Stock: 1},
	}
	cart := Cart{ID: "c", OwnerID: "u", Currency: "EUR", Items: []CartItem{{ProductID: "a", Quantity: 3}, {ProductID: "b", Quantity: 1}}}
	o, err := newOrder("o1", cart, products, time.Unix(0, 0))
	require.NoError(t, err)
	assert.Equal(t, eur(1750), o.Total)
	assert.Equal(t, OrderLine{ProductID: "a", Name: "A", Quantity: 3, UnitPrice: eur(250), LineTotal: eur(750)}, o.Lines[0])
	assert.Equal(t, StatusPlaced, o.Status)

	cart.Items[1].Quantity = 2
	_, err = newOrder("o2", cart, products, time.Unix(0, 0))
	assert.Equal(t, EOUTOFSTOCK, ErrorCode(err))
	assert.Equal(t, "not enough stock for: b", ErrorMessage(err))

	_, err = newOrder("o3", Cart{ID: "e"}, products, time.Unix(0, 0))
	assert.Equal(t, EUNPROCESSABLE, ErrorCode(err))
	_, err = newOrder("o4", Cart{ID: "x", Items: []CartItem{{ProductID: "gone", Quantity: 1}}}, products, time.Unix(0, 0))
	assert.Equal(t, EUNPROCESSABLE, ErrorCode(err))

	// At the lines' own prices: no stock is known (the transaction checks it); a line without
	// a price (stored before lines had them) cannot be priced so.
	cart.Items[0].Name, cart.Items[0].UnitPrice = "A", eur(250)
	cart.Items[1].Name, cart.Items[1].UnitPrice = "B", eur(1000)
	o, ok, err := orderAtLinePrices("o5", cart, time.Unix(0, 0))
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, eur(2750), o.Total)
	assert.Equal(t, OrderLine{ProductID: "b", Name: "B", Quantity: 2, UnitPrice: eur(1000), LineTotal: eur(2000)}, o.Lines[1])
	cart.Items[1].UnitPrice = Money{}
	_, ok, err = orderAtLinePrices("o6", cart, time.Unix(0, 0))
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestCartRules(t *testing.T) {
	eur := Product{ID: "a", Price: Money{Amount: 1, Currency: "EUR"}}
	usd := Product{ID: "u", Price: Money{Amount: 1, Currency: "USD"}}
	var c Cart
	require.NoError(t, c.set(eur, 2))
	assert.Equal(t, "EUR", c.Currency)
	assert.Equal(t, EUNPROCESSABLE, ErrorCode(c.set(usd, 1)))
	require.NoError(t, c.set(eur, 5))
	assert.Equal(t, []CartItem{{ProductID: "a", Quantity: 5, UnitPrice: eur.Price}}, c.Items, "a line keeps the product's price")
	require.NoError(t, c.set(eur, 0))
	assert.Empty(t, c.Items)
	assert.Equal(t, "", c.Currency, "an empty cart takes any currency")
	require.NoError(t, c.set(usd, 1))

	for _, q := range []int{-1, MaxQuantity + 1} {
		assert.Equal(t, EINVALID, ErrorCode(CartQuantity{Quantity: &q}.Validate()))
	}
	assert.Equal(t, EINVALID, ErrorCode(CartQuantity{}.Validate()))
}

func TestValidation(t *testing.T) {
	ok := NewProduct{Name: "Mug", Category: "kitchen", Price: Money{Amount: 1, Currency: "EUR"}}
	require.NoError(t, ok.Validate())
	for name, mutate := range map[string]func(*NewProduct){
		"no name":        func(p *NewProduct) { p.Name = "" },
		"long name":      func(p *NewProduct) { p.Name = string(make([]rune, 201)) },
		"bad utf8":       func(p *NewProduct) { p.Name = "\xff" },
		"category":       func(p *NewProduct) { p.Category = "Kitchen" },
		"currency":       func(p *NewProduct) { p.Price.Currency = "EU" },
		"price too high": func(p *NewProduct) { p.Price.Amount = MaxPrice + 1 },
		"stock":          func(p *NewProduct) { p.Stock = MaxStock + 1 },
		"threshold":      func(p *NewProduct) { p.LowStockThreshold = -1 },
	} {
		p := ok
		mutate(&p)
		assert.Equal(t, EINVALID, ErrorCode(p.Validate()), name)
	}
	assert.True(t, ValidID("abc-DEF_123"))
	for _, id := range []string{"", "a b", "a/b", "é", string(make([]byte, 65))} {
		assert.False(t, ValidID(id), "%q", id)
	}
	assert.NoError(t, CheckIdempotencyKey("550e8400-e29b-41d4-a716-446655440000"))
	assert.Error(t, CheckIdempotencyKey("a b"))
	assert.NotEqual(t, IdempotencyID("a", "bc"), IdempotencyID("ab", "c"))
}

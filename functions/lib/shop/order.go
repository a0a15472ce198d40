package shop

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"
)

// Status is where an order is in its life.
type Status string

// Order statuses. Only placed orders can be cancelled; the others are set by
// fulfilment (a later issue) and are part of the state machine already.
const (
	StatusPlaced    Status = "placed"
	StatusShipped   Status = "shipped"
	StatusDelivered Status = "delivered"
	StatusCancelled Status = "cancelled"
)

// transitions is the order state machine: the statuses each status may move to.
var transitions = map[Status][]Status{
	StatusPlaced:  {StatusShipped, StatusCancelled},
	StatusShipped: {StatusDelivered},
}

// CanMove reports whether an order in status s may move to status to.
func (s Status) CanMove(to Status) bool {
	for _, x := range transitions[s] {
		if x == to {
			return true
		}
	}
	return false
}

// Order is a placed checkout: the lines and prices as they were when it was placed.
type Order struct {
	ID        string      `json:"orderId"`
	OwnerID   string      `json:"-"`
	CartID    string      `json:"cartId"`
	Status    Status      `json:"status"`
	Lines     []OrderLine `json:"lines"`
	Total     Money       `json:"total"`
	CreatedAt time.Time   `json:"createdAt"`
	UpdatedAt time.Time   `json:"updatedAt"`
}

// OrderLine is one product of an order at the price it was sold for.
type OrderLine struct {
	ProductID string `json:"productId"`
	Name      string `json:"name"`
	Quantity  int    `json:"quantity"`
	UnitPrice Money  `json:"unitPrice"`
	LineTotal Money  `json:"lineTotal"`
}

// moveTo returns the order in status to; ECONFLICT when the state machine forbids it.
func (o Order) moveTo(to Status, at time.Time) (Order, error) {
	if !o.Status.CanMove(to) {
		return Order{}, Errorf(ECONFLICT, "order %s is %s and cannot become %s", o.ID, o.Status, to)
	}
	o.Status, o.UpdatedAt = to, at
	return o, nil
}

// newOrder prices a cart into an order from the product records. EUNPROCESSABLE for an
// empty cart or a vanished product; EOUTOFSTOCK naming every product short of stock.
func newOrder(id string, cart Cart, products map[string]Product, at time.Time) (Order, error) {
	o, err := priceOrder(id, cart, at, func(it CartItem) (Product, bool) {
		p, ok := products[it.ProductID]
		return p, ok
	})
	if err != nil {
		return Order{}, err
	}
	var short []string
	for _, it := range cart.Items {
		if p := products[it.ProductID]; p.Stock < it.Quantity {
			short = append(short, p.ID)
		}
	}
	if len(short) > 0 {
		return Order{}, OutOfStock(short)
	}
	return o, nil
}

// orderAtLinePrices prices a cart into an order at the names and prices its lines recorded,
// reading nothing: the transaction that places it holds each product to that price and name
// and to enough stock. ok is false when a line recorded none.
func orderAtLinePrices(id string, cart Cart, at time.Time) (o Order, ok bool, err error) {
	for _, it := range cart.Items {
		if it.UnitPrice.Amount == 0 {
			return Order{}, false, nil
		}
	}
	o, err = priceOrder(id, cart, at, func(it CartItem) (Product, bool) {
		return Product{ID: it.ProductID, Name: it.Name, Price: it.UnitPrice}, true
	})
	return o, true, err
}

// priceOrder builds the order of a cart with each line priced by product. EUNPROCESSABLE for
// an empty cart, a line product does not know, or a price in another currency than the cart's.
func priceOrder(id string, cart Cart, at time.Time, product func(CartItem) (Product, bool)) (Order, error) {
	if len(cart.Items) == 0 {
		return Order{}, Errorf(EUNPROCESSABLE, "cart %s is empty", cart.ID)
	}
	o := Order{ID: id, OwnerID: cart.OwnerID, CartID: cart.ID, Status: StatusPlaced, Total: Money{Currency: cart.Currency}, CreatedAt: at, UpdatedAt: at}
	for _, it := range cart.Items {
		p, ok := product(it)
		if !ok {
			return Order{}, Errorf(EUNPROCESSABLE, "product %s is no longer sold; remove it from the cart", it.ProductID)
		}
		line := OrderLine{ProductID: p.ID, Name: p.Name, Quantity: it.Quantity, UnitPrice: p.Price, LineTotal: p.Price.times(it.Quantity)}
		total, err := o.Total.plus(line.LineTotal)
		if err != nil {
			return Order{}, currencyMismatch(cart, p)
		}
		o.Total = total
		o.Lines = append(o.Lines, line)
	}
	return o, nil
}

// OutOfStock returns the EOUTOFSTOCK error naming the given products.
func OutOfStock(productIDs []string) *Error {
	return Errorf(EOUTOFSTOCK, "not enough stock for: %s", strings.Join(productIDs, ", "))
}

// IdempotencyTTL is how long a checkout's Idempotency-Key is remembered.
const IdempotencyTTL = 24 * time.Hour

// Idempotency remembers which order an Idempotency-Key produced, and for which cart.
type Idempotency struct {
	ID        string // derived from owner and key: IdempotencyID
	OwnerID   string
	CartID    string
	OrderID   string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// IdempotencyID derives the storage id of a caller's key, so keys of different callers
// never collide whatever characters they contain.
func IdempotencyID(ownerID, key string) string {
	sum := sha256.Sum256([]byte(ownerID + "\x00" + key))
	return hex.EncodeToString(sum[:])
}

// CheckIdempotencyKey requires 1–128 printable ASCII characters (a UUID fits).
func CheckIdempotencyKey(key string) error {
	ok := key != "" && len(key) <= 128
	for i := 0; ok && i < len(key); i++ {
		ok = key[i] > 0x20 && key[i] < 0x7f
	}
	if !ok {
		return Errorf(EINVALID, "header Idempotency-Key is required: 1 to 128 printable ASCII characters, e.g. a UUID")
	}
	return nil
}

// PlaceOrder is the body of POST /orders.
type PlaceOrder struct {
	CartID string `json:"cartId"`
}

// Validate checks the cart id.
func (p PlaceOrder) Validate() error { return CheckID("cartId", p.CartID) }

// Placement is everything one checkout transaction writes.
type Placement struct {
	Order       Order
	CartVersion int64
	Idempotency Idempotency
}

// Checkout turns carts into orders.
type Checkout struct {
	Carts    CartStore
	Products ProductStore
	Orders   OrderStore
	Now      func() time.Time
	NewID    func() string
}

// NewCheckout returns a Checkout with the real clock and random ids.
func NewCheckout(carts CartStore, products ProductStore, orders OrderStore) *Checkout {
	return &Checkout{Carts: carts, Products: products, Orders: orders, Now: now, NewID: NewID}
}

// maxAttempts bounds how often a request re-reads and retries after losing a race.
const maxAttempts = 5

// Place checks out the caller's cart under an idempotency key. It returns the order
// and whether it was placed earlier under the same key (a replay). EINVALID,
// ENOTFOUND for the cart, EUNPROCESSABLE for an empty cart or a key
// reused with another cart, EOUTOFSTOCK naming the products short of stock (never for a
// key that placed an order: that order is the answer), ErrKeyInProgress.
//
// The first attempt reads only the cart and offers its lines' prices to the transaction,
// whose conditions stand in for the reads: a used key fails the idempotency record's
// condition (then the key's record answers: a replay, or 422 for another cart), short stock
// fails the stock condition (EOUTOFSTOCK), a changed price or name fails the price condition
// (ErrStale). After ErrStale the products are read and the checkout retried at their prices.
func (s *Checkout) Place(ctx context.Context, caller Caller, key string, in PlaceOrder) (Order, bool, error) {
	if err := CheckIdempotencyKey(key); err != nil {
		return Order{}, false, err
	}
	if err := in.Validate(); err != nil {
		return Order{}, false, err
	}
	for attempt := 0; attempt < maxAttempts; attempt++ {
		o, replay, err := s.place(ctx, caller, key, in.CartID, attempt > 0)
		if errors.Is(err, ErrStale) {
			continue
		}
		return o, replay, err
	}
	return Order{}, false, ErrStale
}

// place makes one attempt; reread prices the cart from the products, read fresh, rather than
// from its lines.
func (s *Checkout) place(ctx context.Context, caller Caller, key, cartID string, reread bool) (Order, bool, error) {
	cart, err := owned(ctx, s.Carts, caller, cartID, Fresh)
	if ErrorCode(err) == ENOTFOUND {
		// A checkout under this key may have consumed the cart: its order and key record were
		// committed with the cart's deletion, and that order is the answer.
		if o, replay, rerr := s.replay(ctx, caller, key, cartID); replay || rerr != nil {
			return o, replay, rerr
		}
	}
	if err != nil {
		return Order{}, false, err
	}
	at := s.Now()
	id := s.NewID()
	o, priced, err := orderAtLinePrices(id, cart, at)
	if reread || !priced {
		var products map[string]Product
		if products, err = s.Products.ProductsByID(ctx, cart.productIDs(), Fresh); err != nil {
			return Order{}, false, err
		}
		o, err = newOrder(id, cart, products, at)
	}
	if err == nil {
		err = s.Orders.Place(ctx, Placement{Order: o, CartVersion: cart.Version, Idempotency: Idempotency{
			ID: IdempotencyID(caller.ID, key), OwnerID: caller.ID, CartID: cartID, OrderID: o.ID,
			CreatedAt: at, ExpiresAt: at.Add(IdempotencyTTL),
		}})
	}
	if errors.Is(err, ErrKeyInProgress) || ErrorCode(err) == EOUTOFSTOCK {
		// The key's record exists (its checkout took the stock this one wanted, or the key was
		// used before): that order is the answer, not the stock.
		if o, replay, rerr := s.replay(ctx, caller, key, cartID); replay || rerr != nil {
			return o, replay, rerr
		}
	}
	if err != nil {
		return Order{}, false, err
	}
	return o, false, nil
}

// replay returns the order an earlier checkout placed under the caller's key, with
// replay true; replay is false when the key is unused.
func (s *Checkout) replay(ctx context.Context, caller Caller, key, cartID string) (Order, bool, error) {
	rec, err := s.Orders.Idempotency(ctx, caller.ID, key)
	switch {
	case ErrorCode(err) == ENOTFOUND:
		return Order{}, false, nil
	case err != nil:
		return Order{}, false, err
	case rec.CartID != cartID:
		return Order{}, false, Errorf(EUNPROCESSABLE, "Idempotency-Key was already used for cart %s; use a new key for another cart", rec.CartID)
	}
	o, err := s.Orders.Order(ctx, rec.OrderID, Fresh)
	return o, err == nil, err
}

// OrderQuery selects a page of one owner's orders.
type OrderQuery struct {
	OwnerID string
	Limit   int
	Cursor  string
}

// OrderPage is one page of orders, newest first; NextCursor is "" on the last page.
type OrderPage struct {
	Orders     []Order `json:"orders"`
	NextCursor string  `json:"nextCursor,omitempty"`
}

// Orders shows customers their orders and lets them cancel.
type Orders struct {
	Orders OrderStore
	Now    func() time.Time
}

// NewOrders returns an Orders service with the real clock.
func NewOrders(orders OrderStore) *Orders { return &Orders{Orders: orders, Now: now} }

// Get returns one of the caller's orders; ENOTFOUND also for another customer's order.
func (s *Orders) Get(ctx context.Context, caller Caller, id string) (Order, error) {
	return s.get(ctx, caller, id, Eventual)
}

func (s *Orders) get(ctx context.Context, caller Caller, id string, c Consistency) (Order, error) {
	if err := CheckID("orderId", id); err != nil {
		return Order{}, err
	}
	o, err := s.Orders.Order(ctx, id, c)
	if err != nil {
		return Order{}, err
	}
	if o.OwnerID != caller.ID {
		return Order{}, Errorf(ENOTFOUND, "order %s not found", id)
	}
	return o, nil
}

// List returns the caller's orders newest first; EINVALID for a bad limit or cursor.
func (s *Orders) List(ctx context.Context, caller Caller, limit int, cursor string) (OrderPage, error) {
	if err := checkLimit(&limit); err != nil {
		return OrderPage{}, err
	}
	return s.Orders.OrdersByOwner(ctx, OrderQuery{OwnerID: caller.ID, Limit: limit, Cursor: cursor})
}

// Cancel cancels one of the caller's orders and restocks its lines; ENOTFOUND, and
// ECONFLICT when the order is no longer cancellable.
func (s *Orders) Cancel(ctx context.Context, caller Caller, id string) (Order, error) {
	for attempt := 0; attempt < maxAttempts; attempt++ {
		o, err := s.get(ctx, caller, id, Fresh)
		if err != nil {
			return Order{}, err
		}
		next, err := o.moveTo(StatusCancelled, s.Now())
		if err != nil {
			return Order{}, err
		}
		err = s.Orders.Cancel(ctx, o, next)
		if errors.Is(err, ErrStale) {
			continue
		}
		if err != nil {
			return Order{}, err
		}
		return next, nil
	}
	return Order{}, ErrStale
}

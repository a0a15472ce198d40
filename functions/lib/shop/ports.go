package shop

import (
	"context"
	"time"
)

// Consistency says how fresh a read must be. Eventual reads may be served by the
// local replica; Fresh reads see every committed write, because a conditional write
// in the same request depends on them (the store reads them where it writes).
type Consistency int

const (
	Eventual Consistency = iota
	Fresh
)

// ProductStore keeps the catalog.
type ProductStore interface {
	// Product returns ENOTFOUND when no product has the id.
	Product(ctx context.Context, id string, c Consistency) (Product, error)
	// ProductsByID returns the products with the given ids; missing ids are absent from the map.
	ProductsByID(ctx context.Context, ids []string, c Consistency) (map[string]Product, error)
	// ListProducts returns a page in a stable order; EINVALID for a cursor it did not issue
	// for this query.
	ListProducts(ctx context.Context, q ProductQuery) (ProductPage, error)
	// CreateProduct returns ECONFLICT when the id is taken.
	CreateProduct(ctx context.Context, p Product) error
	// UpdateProduct replaces the descriptive fields and the price amount and returns the
	// whole product; ENOTFOUND when it does not exist, EUNPROCESSABLE (CurrencyChange) when
	// p's currency is not the stored one.
	UpdateProduct(ctx context.Context, p Product) (Product, error)
	// AdjustStock adds delta to the stock atomically; ENOTFOUND, and ECONFLICT when the
	// stock would fall below zero or rise above MaxStock.
	AdjustStock(ctx context.Context, id string, delta int, at time.Time) (Product, error)
}

// CartStore keeps carts, each under its owner and id: cart ids are chosen by clients, so
// two customers' carts of the same id are two carts. Expired carts read as not found.
type CartStore interface {
	// Cart returns the owner's cart id; ENOTFOUND when it does not exist or has expired.
	Cart(ctx context.Context, ownerID, id string, c Consistency) (Cart, error)
	// SaveCart writes c if the stored version is still c.Version (or no cart exists when it is 0),
	// and returns it with the new version; ErrStale when another write came first.
	SaveCart(ctx context.Context, c Cart) (Cart, error)
}

// OrderStore keeps orders and idempotency records.
type OrderStore interface {
	// Place commits a checkout atomically: decrement every line's stock, create the order,
	// record the idempotency key and delete the cart. ErrKeyInProgress when the idempotency key
	// is held by another checkout, whatever else failed; else EOUTOFSTOCK naming the products
	// that lack stock; ErrStale when the cart or a price changed since they were read.
	Place(ctx context.Context, p Placement) error
	// Order returns ENOTFOUND when no order has the id.
	Order(ctx context.Context, id string, c Consistency) (Order, error)
	// OrdersByOwner returns the owner's orders newest first; EINVALID for a foreign cursor.
	OrdersByOwner(ctx context.Context, q OrderQuery) (OrderPage, error)
	// Cancel moves an order from from.Status to to.Status and puts its quantities back in
	// stock, atomically; ErrStale when the stored status is no longer from.Status, ECONFLICT
	// when a restock would take a stock above MaxStock, EUNPROCESSABLE for a vanished product.
	Cancel(ctx context.Context, from, to Order) error
	// Idempotency returns the record of a checkout key, read fresh; ENOTFOUND when the key is unused
	// or has expired.
	Idempotency(ctx context.Context, ownerID, key string) (Idempotency, error)
}

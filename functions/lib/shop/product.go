package shop

import (
	"context"
	"time"
)

// Limits on product fields; they keep items small and totals bounded.
const (
	MaxStock      = 1_000_000
	MaxStockDelta = 1_000_000
)

// Product is a catalog entry. Stock is only changed through stock adjustments,
// checkout and cancellation, never by a product update.
type Product struct {
	ID                string    `json:"productId"`
	Name              string    `json:"name"`
	Description       string    `json:"description"`
	Category          string    `json:"category"`
	Price             Money     `json:"price"`
	Stock             int       `json:"stock"`
	LowStockThreshold int       `json:"lowStockThreshold"`
	CreatedAt         time.Time `json:"createdAt"`
	UpdatedAt         time.Time `json:"updatedAt"`
}

// NewProduct is the body of POST /products.
type NewProduct struct {
	Name              string `json:"name"`
	Description       string `json:"description"`
	Category          string `json:"category"`
	Price             Money  `json:"price"`
	Stock             int    `json:"stock"`
	LowStockThreshold int    `json:"lowStockThreshold"`
}

// ProductUpdate is the body of PUT /products/{productId}: it replaces the
// descriptive fields and keeps the stock.
type ProductUpdate struct {
	Name              string `json:"name"`
	Description       string `json:"description"`
	Category          string `json:"category"`
	Price             Money  `json:"price"`
	LowStockThreshold int    `json:"lowStockThreshold"`
}

// StockDelta is the body of POST /products/{productId}/stock.
type StockDelta struct {
	Delta int `json:"delta"`
}

// Validate returns an EINVALID error describing the first broken rule.
func (p NewProduct) Validate() error {
	if err := p.update().Validate(); err != nil {
		return err
	}
	if p.Stock < 0 || p.Stock > MaxStock {
		return Errorf(EINVALID, "stock must be between 0 and %d", MaxStock)
	}
	return nil
}

func (p NewProduct) update() ProductUpdate {
	return ProductUpdate{Name: p.Name, Description: p.Description, Category: p.Category, Price: p.Price, LowStockThreshold: p.LowStockThreshold}
}

// Validate returns an EINVALID error describing the first broken rule.
func (u ProductUpdate) Validate() error {
	if err := checkText("name", u.Name, 1, 200, oneLine); err != nil {
		return err
	}
	if err := checkText("description", u.Description, 0, 2000, multiLine); err != nil {
		return err
	}
	if err := CheckCategory(u.Category); err != nil {
		return err
	}
	if err := u.Price.validate("price"); err != nil {
		return err
	}
	if u.LowStockThreshold < 0 || u.LowStockThreshold > MaxStock {
		return Errorf(EINVALID, "lowStockThreshold must be between 0 and %d", MaxStock)
	}
	return nil
}

// Validate returns an EINVALID error unless the delta is a non-zero bounded integer.
func (d StockDelta) Validate() error {
	if d.Delta == 0 || d.Delta < -MaxStockDelta || d.Delta > MaxStockDelta {
		return Errorf(EINVALID, "delta must be a non-zero integer between %d and %d", -MaxStockDelta, MaxStockDelta)
	}
	return nil
}

// CheckCategory validates a category slug: 1–64 of a-z, 0-9 and '-'.
func CheckCategory(c string) error {
	ok := c != "" && len(c) <= 64
	for i := 0; ok && i < len(c); i++ {
		ok = c[i] >= 'a' && c[i] <= 'z' || c[i] >= '0' && c[i] <= '9' || c[i] == '-'
	}
	if !ok {
		return Errorf(EINVALID, "category must be 1 to 64 characters of a-z, 0-9 or '-', e.g. \"kitchen\"")
	}
	return nil
}

// Page sizes for listings.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// ProductQuery selects a page of products; Cursor is the NextCursor of the previous page.
type ProductQuery struct {
	Category string
	Limit    int
	Cursor   string
}

// ProductPage is one page of a product listing; NextCursor is "" on the last page.
type ProductPage struct {
	Products   []Product `json:"products"`
	NextCursor string    `json:"nextCursor,omitempty"`
}

// Catalog serves product reads to everyone and product changes to admins
// (the route table enforces who may call what).
type Catalog struct {
	Products ProductStore
	Now      func() time.Time
}

// NewCatalog returns a Catalog on the given store with the real clock.
func NewCatalog(products ProductStore) *Catalog {
	return &Catalog{Products: products, Now: now}
}

func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// Product returns one product; ENOTFOUND if it does not exist.
func (c *Catalog) Product(ctx context.Context, id string) (Product, error) {
	if err := CheckID("productId", id); err != nil {
		return Product{}, err
	}
	return c.Products.Product(ctx, id, Eventual)
}

// List returns a page of products, optionally of one category; EINVALID for a bad
// limit, category or cursor.
func (c *Catalog) List(ctx context.Context, q ProductQuery) (ProductPage, error) {
	if q.Category != "" {
		if err := CheckCategory(q.Category); err != nil {
			return ProductPage{}, err
		}
	}
	if err := checkLimit(&q.Limit); err != nil {
		return ProductPage{}, err
	}
	return c.Products.ListProducts(ctx, q)
}

func checkLimit(limit *int) error {
	if *limit == 0 {
		*limit = DefaultPageSize
	}
	if *limit < 1 || *limit > MaxPageSize {
		return Errorf(EINVALID, "limit must be between 1 and %d", MaxPageSize)
	}
	return nil
}

// Create adds a product with a new id; EINVALID when the input breaks a rule.
func (c *Catalog) Create(ctx context.Context, in NewProduct) (Product, error) {
	if err := in.Validate(); err != nil {
		return Product{}, err
	}
	t := c.Now()
	p := Product{
		ID: NewID(), Name: in.Name, Description: in.Description, Category: in.Category,
		Price: in.Price, Stock: in.Stock, LowStockThreshold: in.LowStockThreshold,
		CreatedAt: t, UpdatedAt: t,
	}
	if err := c.Products.CreateProduct(ctx, p); err != nil {
		return Product{}, err
	}
	return p, nil
}

// CurrencyChange is the EUNPROCESSABLE error for an update that changes a product's
// currency: carts and orders are priced in one currency, so it is fixed at creation.
func CurrencyChange(id, stored, asked string) *Error {
	return Errorf(EUNPROCESSABLE, "product %s is priced in %s; its currency cannot change to %s (create a new product instead)", id, stored, asked)
}

// Update replaces a product's descriptive fields and price amount; ENOTFOUND, EINVALID,
// and EUNPROCESSABLE when the currency differs from the stored one.
func (c *Catalog) Update(ctx context.Context, id string, in ProductUpdate) (Product, error) {
	if err := CheckID("productId", id); err != nil {
		return Product{}, err
	}
	if err := in.Validate(); err != nil {
		return Product{}, err
	}
	p := Product{
		ID: id, Name: in.Name, Description: in.Description, Category: in.Category,
		Price: in.Price, LowStockThreshold: in.LowStockThreshold, UpdatedAt: c.Now(),
	}
	return c.Products.UpdateProduct(ctx, p)
}

// AdjustStock adds delta to a product's stock; ENOTFOUND, EINVALID, and ECONFLICT
// when the stock would fall below zero.
func (c *Catalog) AdjustStock(ctx context.Context, id string, d StockDelta) (Product, error) {
	if err := CheckID("productId", id); err != nil {
		return Product{}, err
	}
	if err := d.Validate(); err != nil {
		return Product{}, err
	}
	return c.Products.AdjustStock(ctx, id, d.Delta, c.Now())
}

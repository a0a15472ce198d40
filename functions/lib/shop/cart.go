package shop

import (
	"context"
	"errors"
	"time"
)

// Cart rules.
const (
	MaxQuantity  = 99                  // units of one product in a cart
	MaxCartLines = 50                  // distinct products in a cart; keeps checkout inside one transaction
	CartTTL      = 30 * 24 * time.Hour // a cart untouched this long expires
)

// Cart is what a signed-in customer intends to buy: quantities, and each product's name and
// price when its line was set. Views price a cart with the products' current records; checkout
// offers the lines' prices to a transaction whose conditions refuse them once they changed.
type Cart struct {
	ID        string
	OwnerID   string
	Currency  string // currency of its products; "" while empty
	Items     []CartItem
	Version   int64 // 0 for a cart never saved
	UpdatedAt time.Time
	ExpiresAt time.Time
}

// CartItem is one product line of a cart. Name and UnitPrice are the product's when the line
// was last set; a zero UnitPrice (a line stored before lines carried them) means unknown.
type CartItem struct {
	ProductID string
	Quantity  int
	Name      string
	UnitPrice Money
}

// CartQuantity is the body of PUT /carts/{cartId}/items/{productId}; 0 removes the line.
type CartQuantity struct {
	Quantity *int `json:"quantity"`
}

// Validate requires a quantity between 0 and MaxQuantity.
func (q CartQuantity) Validate() error {
	if q.Quantity == nil {
		return Errorf(EINVALID, "quantity is required")
	}
	if *q.Quantity < 0 || *q.Quantity > MaxQuantity {
		return Errorf(EINVALID, "quantity must be between 0 and %d", MaxQuantity)
	}
	return nil
}

// set puts quantity q of product p in the cart (0 removes it). EUNPROCESSABLE when the
// product's currency differs from the cart's or the cart would have too many lines.
func (c *Cart) set(p Product, q int) error {
	if q == 0 {
		c.remove(p.ID)
		return nil
	}
	if c.Currency != "" && c.Currency != p.Price.Currency {
		return Errorf(EUNPROCESSABLE, "product %s is priced in %s but the cart is in %s", p.ID, p.Price.Currency, c.Currency)
	}
	line := CartItem{ProductID: p.ID, Quantity: q, Name: p.Name, UnitPrice: p.Price}
	for i := range c.Items {
		if c.Items[i].ProductID == p.ID {
			c.Items[i] = line
			return nil
		}
	}
	if len(c.Items) >= MaxCartLines {
		return Errorf(EUNPROCESSABLE, "a cart holds at most %d different products", MaxCartLines)
	}
	c.Items = append(c.Items, line)
	c.Currency = p.Price.Currency
	return nil
}

func (c *Cart) remove(productID string) {
	for i := range c.Items {
		if c.Items[i].ProductID == productID {
			c.Items = append(c.Items[:i], c.Items[i+1:]...)
			break
		}
	}
	if len(c.Items) == 0 {
		c.Currency = ""
	}
}

// currencyMismatch is the EUNPROCESSABLE error for a cart line priced in another currency
// than the cart, which only data written before currencies became immutable can hold.
func currencyMismatch(c Cart, p Product) error {
	return Errorf(EUNPROCESSABLE, "product %s is priced in %s but cart %s is in %s; remove it from the cart", p.ID, p.Price.Currency, c.ID, c.Currency)
}

func (c Cart) productIDs() []string {
	ids := make([]string, len(c.Items))
	for i, it := range c.Items {
		ids[i] = it.ProductID
	}
	return ids
}

// CartView is a cart priced with the current product records.
type CartView struct {
	ID        string     `json:"cartId"`
	Items     []CartLine `json:"items"`
	Total     Money      `json:"total"` // currency "" while the cart is empty
	UpdatedAt time.Time  `json:"updatedAt"`
	ExpiresAt time.Time  `json:"expiresAt"`
}

// CartLine is one priced line; InStock says whether the quantity is available now.
type CartLine struct {
	ProductID string `json:"productId"`
	Name      string `json:"name"`
	Quantity  int    `json:"quantity"`
	UnitPrice Money  `json:"unitPrice"`
	LineTotal Money  `json:"lineTotal"`
	InStock   bool   `json:"inStock"`
}

// price builds the view of c from the products; lines whose product vanished are left out.
func (c Cart) price(products map[string]Product) (CartView, error) {
	v := CartView{ID: c.ID, Items: []CartLine{}, Total: Money{Currency: c.Currency}, UpdatedAt: c.UpdatedAt, ExpiresAt: c.ExpiresAt}
	for _, it := range c.Items {
		p, ok := products[it.ProductID]
		if !ok {
			continue
		}
		line := CartLine{
			ProductID: p.ID, Name: p.Name, Quantity: it.Quantity,
			UnitPrice: p.Price, LineTotal: p.Price.times(it.Quantity), InStock: p.Stock >= it.Quantity,
		}
		total, err := v.Total.plus(line.LineTotal)
		if err != nil {
			return CartView{}, currencyMismatch(c, p)
		}
		v.Total = total
		v.Items = append(v.Items, line)
	}
	return v, nil
}

// Carts lets signed-in customers fill their own carts.
type Carts struct {
	Carts    CartStore
	Products ProductStore
	Now      func() time.Time
}

// NewCarts returns a Carts service with the real clock.
func NewCarts(carts CartStore, products ProductStore) *Carts {
	return &Carts{Carts: carts, Products: products, Now: now}
}

// owned loads the caller's cart id: ENOTFOUND if the caller has none of that id. Another
// customer's cart of the same id is another cart, and invisible.
func owned(ctx context.Context, s CartStore, caller Caller, id string, c Consistency) (Cart, error) {
	if err := CheckID("cartId", id); err != nil {
		return Cart{}, err
	}
	return s.Cart(ctx, caller.ID, id, c)
}

// Get returns the caller's cart with current prices; ENOTFOUND.
func (s *Carts) Get(ctx context.Context, caller Caller, cartID string) (CartView, error) {
	cart, err := owned(ctx, s.Carts, caller, cartID, Eventual)
	if err != nil {
		return CartView{}, err
	}
	return s.view(ctx, cart)
}

func (s *Carts) view(ctx context.Context, cart Cart) (CartView, error) {
	products, err := s.Products.ProductsByID(ctx, cart.productIDs(), Eventual)
	if err != nil {
		return CartView{}, err
	}
	return cart.price(products)
}

// SetItem sets the quantity of a product in the caller's cart, creating the cart on
// first use; 0 removes the line. ENOTFOUND for an unknown product, EINVALID,
// EUNPROCESSABLE.
func (s *Carts) SetItem(ctx context.Context, caller Caller, cartID, productID string, q CartQuantity) (CartView, error) {
	if err := CheckID("cartId", cartID); err != nil {
		return CartView{}, err
	}
	if err := CheckID("productId", productID); err != nil {
		return CartView{}, err
	}
	if err := q.Validate(); err != nil {
		return CartView{}, err
	}
	p, err := s.Products.Product(ctx, productID, Eventual)
	if err != nil {
		return CartView{}, err
	}
	return s.change(ctx, caller, cartID, true, func(c *Cart) error { return c.set(p, *q.Quantity) })
}

// RemoveItem takes a product out of the caller's cart; removing an absent line is not
// an error. ENOTFOUND when the caller has no cart of that id.
func (s *Carts) RemoveItem(ctx context.Context, caller Caller, cartID, productID string) (CartView, error) {
	if err := CheckID("productId", productID); err != nil {
		return CartView{}, err
	}
	return s.change(ctx, caller, cartID, false, func(c *Cart) error { c.remove(productID); return nil })
}

// change applies edit to a fresh copy of the cart and saves it with optimistic locking,
// retrying a few times when another request saved first. No empty cart is kept, so no one
// can fill the table with them: an edit that leaves a new cart empty writes nothing, and
// one that empties a stored cart saves it expiring now (it reads as not found at once and
// TTL deletes it; a later first line replaces it).
func (s *Carts) change(ctx context.Context, caller Caller, cartID string, create bool, edit func(*Cart) error) (CartView, error) {
	for attempt := 0; attempt < 3; attempt++ {
		cart, err := owned(ctx, s.Carts, caller, cartID, Fresh)
		if ErrorCode(err) == ENOTFOUND && create {
			cart, err = Cart{ID: cartID, OwnerID: caller.ID}, nil
		}
		if err != nil {
			return CartView{}, err
		}
		if err := edit(&cart); err != nil {
			return CartView{}, err
		}
		t := s.Now()
		cart.UpdatedAt, cart.ExpiresAt = t, t.Add(CartTTL)
		if len(cart.Items) == 0 {
			if cart.Version == 0 {
				return s.view(ctx, cart)
			}
			cart.ExpiresAt = t
		}
		saved, err := s.Carts.SaveCart(ctx, cart)
		if errors.Is(err, ErrStale) {
			continue
		}
		if err != nil {
			return CartView{}, err
		}
		return s.view(ctx, saved)
	}
	return CartView{}, ErrStale
}

// Package routes is the single route table of the HTTP API: method, path, the function
// that serves it and who may call it. The stack's API Gateway, the local server, the
// handlers and the tests all read it.
package routes

import (
	"strings"

	"shopstack/functions/lib/shop"
)

// Access says who may call a route.
type Access string

const (
	Public   Access = "public"    // anyone, signed in or not
	SignedIn Access = "signed-in" // any Cognito user; 401 without one
	Admin    Access = "admin"     // members of the Cognito group "admin"; 401 anonymous, 403 others
)

// Route is one method on one API Gateway resource.
type Route struct {
	Method   string // "GET", "POST", "PUT", "DELETE"
	Path     string // API Gateway resource path template, e.g. "/products/{productId}"
	Function string // service that handles it: "catalog", "cart", "checkout" or "orders"
	Access   Access
	Body     any // zero value of the request body type, nil when the route takes no body
	Summary  string
	Query    []string // query-string parameters the route reads, all optional
	Headers  []string // request headers the route requires
}

// Functions that serve routes; each is a folder functions/<name>.
const (
	Catalog  = "catalog"
	Cart     = "cart"
	Checkout = "checkout"
	Orders   = "orders"
	Health   = "health"
)

// IdempotencyHeader names the header that makes POST /orders safe to retry.
const IdempotencyHeader = "Idempotency-Key"

// All returns every route, in a fixed order.
func All() []Route {
	return []Route{
		{Method: "GET", Path: "/products", Function: Catalog, Access: Public, Query: []string{"category", "limit", "cursor"},
			Summary: "List products, optionally of one category, a page at a time"},
		{Method: "POST", Path: "/products", Function: Catalog, Access: Admin, Body: shop.NewProduct{},
			Summary: "Create a product"},
		{Method: "GET", Path: "/products/{productId}", Function: Catalog, Access: Public,
			Summary: "Get a product"},
		{Method: "PUT", Path: "/products/{productId}", Function: Catalog, Access: Admin, Body: shop.ProductUpdate{},
			Summary: "Replace a product's name, description, category, price and low-stock threshold"},
		{Method: "POST", Path: "/products/{productId}/stock", Function: Catalog, Access: Admin, Body: shop.StockDelta{},
			Summary: "Add to or take from a product's stock; never below zero"},
		{Method: "GET", Path: "/carts/{cartId}", Function: Cart, Access: SignedIn,
			Summary: "Get the caller's cart with current prices and total"},
		{Method: "PUT", Path: "/carts/{cartId}/items/{productId}", Function: Cart, Access: SignedIn, Body: shop.CartQuantity{},
			Summary: "Set the quantity of a product in the caller's cart; 0 removes it"},
		{Method: "DELETE", Path: "/carts/{cartId}/items/{productId}", Function: Cart, Access: SignedIn,
			Summary: "Remove a product from the caller's cart"},
		{Method: "POST", Path: "/orders", Function: Checkout, Access: SignedIn, Body: shop.PlaceOrder{}, Headers: []string{IdempotencyHeader},
			Summary: "Check out a cart: reserve stock and create the order, once per Idempotency-Key"},
		{Method: "GET", Path: "/orders", Function: Orders, Access: SignedIn, Query: []string{"limit", "cursor"},
			Summary: "List the caller's orders, newest first"},
		{Method: "GET", Path: "/orders/{orderId}", Function: Orders, Access: SignedIn,
			Summary: "Get one of the caller's orders"},
		{Method: "POST", Path: "/orders/{orderId}/cancel", Function: Orders, Access: SignedIn,
			Summary: "Cancel one of the caller's orders and restock it"},
		{Method: "GET", Path: "/health", Function: Health, Access: Public,
			Summary: "Region health for Route 53: 200 while this region's table answers a read, 503 when not"},
	}
}

// Of returns the routes served by one function, in table order.
func Of(function string) []Route {
	var rs []Route
	for _, r := range All() {
		if r.Function == function {
			rs = append(rs, r)
		}
	}
	return rs
}

// Params returns the names of the path parameters of a path template, in order.
func (r Route) Params() []string {
	var ps []string
	for _, seg := range strings.Split(r.Path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			ps = append(ps, seg[1:len(seg)-1])
		}
	}
	return ps
}

// Match finds the route for a concrete request path, as API Gateway would, and returns
// its path parameters. A local server uses it to fill Resource and PathParameters.
func Match(method, path string) (Route, map[string]string, bool) {
	got := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for _, r := range All() {
		if r.Method != method {
			continue
		}
		want := strings.Split(strings.TrimPrefix(r.Path, "/"), "/")
		if len(want) != len(got) {
			continue
		}
		params := map[string]string{}
		ok := true
		for i, w := range want {
			switch {
			case strings.HasPrefix(w, "{") && strings.HasSuffix(w, "}"):
				if got[i] == "" {
					ok = false
				}
				params[w[1:len(w)-1]] = got[i]
			case w != got[i]:
				ok = false
			}
		}
		if ok {
			return r, params, true
		}
	}
	return Route{}, nil, false
}

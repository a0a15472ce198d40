package openapi

import (
	"shopstack/contract/routes"
	"shopstack/functions/lib/shop"
)

// operation is what the route table does not say about a route: its name in generated
// clients, its success answer and the errors particular to it. The errors every route of a
// kind can give (400, 401, 403, 429, 500, 503) are derived from the route in answers.
type operation struct {
	id      string
	status  int
	body    any      // zero value of the success body type
	answers []answer // route-specific statuses; they replace a derived answer of the same status
}

// answer is one documented status; a nil body means routes.ErrorBody.
type answer struct {
	status int
	why    string
	body   any
	ref    string // name in components.responses, for answers many routes share
	// retryAfter documents the Retry-After header the functions send with the answer.
	retryAfter bool
}

const conflictRetry = "Concurrent requests changed the same data and retries ran out; retry."

// operations has one entry per route of routes.All(), keyed "METHOD /path".
var operations = map[string]operation{
	"GET /products":  {id: "listProducts", status: 200, body: shop.ProductPage{}},
	"POST /products": {id: "createProduct", status: 201, body: shop.Product{}},
	"GET /products/{productId}": {id: "getProduct", status: 200, body: shop.Product{}, answers: []answer{
		{status: 404, why: "No product has this id."}}},
	"PUT /products/{productId}": {id: "updateProduct", status: 200, body: shop.Product{}, answers: []answer{
		{status: 404, why: "No product has this id."},
		{status: 422, why: "price.currency is not the product's: a product's currency is fixed at creation."}}},
	"POST /products/{productId}/stock": {id: "adjustStock", status: 200, body: shop.Product{}, answers: []answer{
		{status: 404, why: "No product has this id."},
		{status: 409, why: "The stock would fall below zero or rise above the maximum."}}},
	"GET /carts/{cartId}": {id: "getCart", status: 200, body: shop.CartView{}, answers: []answer{
		{status: 404, why: "The caller has no cart with this id, or it expired."}}},
	"PUT /carts/{cartId}/items/{productId}": {id: "setCartItem", status: 200, body: shop.CartView{}, answers: []answer{
		{status: 404, why: "No product has this id."},
		{status: 409, why: conflictRetry},
		{status: 422, why: "The product is priced in another currency than the cart, or the cart already holds its maximum of different products."}}},
	"DELETE /carts/{cartId}/items/{productId}": {id: "removeCartItem", status: 200, body: shop.CartView{}, answers: []answer{
		{status: 404, why: "The caller has no cart with this id, or it expired."},
		{status: 409, why: conflictRetry}}},
	"POST /orders": {id: "placeOrder", status: 201, body: shop.Order{}, answers: []answer{
		{status: 404, why: "The caller has no cart with this id, or it expired."},
		{status: 409, why: "error.code out_of_stock: not enough stock for the products the message names (never for a retry of a key that placed an order: " +
			"that order is the answer). conflict: a checkout with this Idempotency-Key is in progress, or " + conflictRetry},
		{status: 422, why: "The cart is empty or holds a product no longer sold, or the Idempotency-Key was used with another cart."}}},
	"GET /orders": {id: "listOrders", status: 200, body: shop.OrderPage{}},
	"GET /orders/{orderId}": {id: "getOrder", status: 200, body: shop.Order{}, answers: []answer{
		{status: 404, why: "The caller has no order with this id."}}},
	"POST /orders/{orderId}/cancel": {id: "cancelOrder", status: 200, body: shop.Order{}, answers: []answer{
		{status: 404, why: "The caller has no order with this id."},
		{status: 409, why: "The order is no longer placed (it shipped or was cancelled), or restocking it would take a product's stock above the maximum."}}},
	"GET /health": {id: "health", status: 200, body: routes.HealthStatus{}, answers: []answer{
		{status: 503, why: "This region's table does not answer; Route 53 fails over.", body: routes.HealthStatus{}}}},
}

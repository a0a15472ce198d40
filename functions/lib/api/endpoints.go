package api

import (
	"context"
	"log/slog"
	"net/http"

	"shopstack/contract/routes"
	"shopstack/functions/lib/shop"
)

func ok(body any) result { return result{status: http.StatusOK, body: body} }
func created(body any, location string) result {
	return result{status: http.StatusCreated, body: body, headers: map[string]string{"Location": location}}
}

// NewCatalog returns the handler of the catalog function.
func NewCatalog(c *shop.Catalog, log *slog.Logger) (*Handler, error) {
	return newHandler(routes.Catalog, log, map[string]endpoint{
		"GET /products": func(ctx context.Context, r request) (result, error) {
			limit, err := queryInt(r.QueryStringParameters, "limit")
			if err != nil {
				return result{}, err
			}
			q := r.QueryStringParameters
			page, err := c.List(ctx, shop.ProductQuery{Category: q["category"], Limit: limit, Cursor: q["cursor"]})
			return ok(page), err
		},
		"POST /products": func(ctx context.Context, r request) (result, error) {
			in, err := Decode[shop.NewProduct](r.Body, r.IsBase64Encoded)
			if err != nil {
				return result{}, err
			}
			p, err := c.Create(ctx, in)
			return created(p, "/products/"+p.ID), err
		},
		"GET /products/{productId}": func(ctx context.Context, r request) (result, error) {
			p, err := c.Product(ctx, r.PathParameters["productId"])
			return ok(p), err
		},
		"PUT /products/{productId}": func(ctx context.Context, r request) (result, error) {
			if err := shop.CheckID("productId", r.PathParameters["productId"]); err != nil {
				return result{}, err
			}
			in, err := Decode[shop.ProductUpdate](r.Body, r.IsBase64Encoded)
			if err != nil {
				return result{}, err
			}
			p, err := c.Update(ctx, r.PathParameters["productId"], in)
			return ok(p), err
		},
		"POST /products/{productId}/stock": func(ctx context.Context, r request) (result, error) {
			if err := shop.CheckID("productId", r.PathParameters["productId"]); err != nil {
				return result{}, err
			}
			in, err := Decode[shop.StockDelta](r.Body, r.IsBase64Encoded)
			if err != nil {
				return result{}, err
			}
			p, err := c.AdjustStock(ctx, r.PathParameters["productId"], in)
			return ok(p), err
		},
	})
}

// NewCart returns the handler of the cart function.
func NewCart(s *shop.Carts, log *slog.Logger) (*Handler, error) {
	return newHandler(routes.Cart, log, map[string]endpoint{
		"GET /carts/{cartId}": func(ctx context.Context, r request) (result, error) {
			v, err := s.Get(ctx, r.caller, r.PathParameters["cartId"])
			return ok(v), err
		},
		"PUT /carts/{cartId}/items/{productId}": func(ctx context.Context, r request) (result, error) {
			cartID, productID := r.PathParameters["cartId"], r.PathParameters["productId"]
			if err := shop.CheckID("cartId", cartID); err != nil {
				return result{}, err
			}
			if err := shop.CheckID("productId", productID); err != nil {
				return result{}, err
			}
			in, err := Decode[shop.CartQuantity](r.Body, r.IsBase64Encoded)
			if err != nil {
				return result{}, err
			}
			v, err := s.SetItem(ctx, r.caller, cartID, productID, in)
			return ok(v), err
		},
		"DELETE /carts/{cartId}/items/{productId}": func(ctx context.Context, r request) (result, error) {
			v, err := s.RemoveItem(ctx, r.caller, r.PathParameters["cartId"], r.PathParameters["productId"])
			return ok(v), err
		},
	})
}

// NewCheckout returns the handler of the checkout function. A replayed checkout
// answers like the original, with header Idempotent-Replayed: true.
func NewCheckout(s *shop.Checkout, log *slog.Logger) (*Handler, error) {
	return newHandler(routes.Checkout, log, map[string]endpoint{
		"POST /orders": func(ctx context.Context, r request) (result, error) {
			key := Header(r.APIGatewayProxyRequest, routes.IdempotencyHeader)
			if err := shop.CheckIdempotencyKey(key); err != nil {
				return result{}, err
			}
			in, err := Decode[shop.PlaceOrder](r.Body, r.IsBase64Encoded)
			if err != nil {
				return result{}, err
			}
			o, replay, err := s.Place(ctx, r.caller, key, in)
			res := created(o, "/orders/"+o.ID)
			if replay {
				res.headers["Idempotent-Replayed"] = "true"
			}
			return res, err
		},
	})
}

// NewOrders returns the handler of the orders function.
func NewOrders(s *shop.Orders, log *slog.Logger) (*Handler, error) {
	return newHandler(routes.Orders, log, map[string]endpoint{
		"GET /orders": func(ctx context.Context, r request) (result, error) {
			limit, err := queryInt(r.QueryStringParameters, "limit")
			if err != nil {
				return result{}, err
			}
			page, err := s.List(ctx, r.caller, limit, r.QueryStringParameters["cursor"])
			return ok(page), err
		},
		"GET /orders/{orderId}": func(ctx context.Context, r request) (result, error) {
			o, err := s.Get(ctx, r.caller, r.PathParameters["orderId"])
			return ok(o), err
		},
		"POST /orders/{orderId}/cancel": func(ctx context.Context, r request) (result, error) {
			o, err := s.Cancel(ctx, r.caller, r.PathParameters["orderId"])
			return ok(o), err
		},
	})
}

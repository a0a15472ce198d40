// Command cart is the cart Lambda function: the signed-in customer's carts.
package main

import (
	"log/slog"

	"shopstack/functions/lib/api"
	"shopstack/functions/lib/serve"
	"shopstack/functions/lib/shop"
	"shopstack/functions/lib/store"
)

func main() {
	serve.Lambda("cart", func(db *store.DB, log *slog.Logger) (*api.Handler, error) {
		return api.NewCart(shop.NewCarts(db.Carts(), db.Products()), log)
	})
}

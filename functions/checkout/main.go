// Command checkout is the checkout Lambda function: carts become orders in one transaction.
package main

import (
	"log/slog"

	"shopstack/functions/api"
	"shopstack/functions/serve"
	"shopstack/functions/shop"
	"shopstack/functions/store"
)

func main() {
	serve.Lambda("checkout", func(db *store.DB, log *slog.Logger) (*api.Handler, error) {
		return api.NewCheckout(shop.NewCheckout(db.Carts(), db.Products(), db.Orders()), log)
	})
}

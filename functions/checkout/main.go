// Command checkout is the checkout Lambda function: carts become orders in one transaction.
package main

import (
	"log/slog"

	"shopstack/functions/lib/api"
	"shopstack/functions/lib/serve"
	"shopstack/functions/lib/shop"
	"shopstack/functions/lib/store"
)

func main() {
	serve.Lambda("checkout", func(db *store.DB, log *slog.Logger) (*api.Handler, error) {
		return api.NewCheckout(shop.NewCheckout(db.Carts(), db.Products(), db.Orders()), log)
	})
}

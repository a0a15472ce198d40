// Command orders is the orders Lambda function: order history and cancellation.
package main

import (
	"log/slog"

	"shopstack/functions/lib/api"
	"shopstack/functions/lib/serve"
	"shopstack/functions/lib/shop"
	"shopstack/functions/lib/store"
)

func main() {
	serve.Lambda("orders", func(db *store.DB, log *slog.Logger) (*api.Handler, error) {
		return api.NewOrders(shop.NewOrders(db.Orders()), log)
	})
}

// Command orders is the orders Lambda function: order history and cancellation.
package main

import (
	"log/slog"

	"shopstack/functions/api"
	"shopstack/functions/serve"
	"shopstack/functions/shop"
	"shopstack/functions/store"
)

func main() {
	serve.Lambda("orders", func(db *store.DB, log *slog.Logger) (*api.Handler, error) {
		return api.NewOrders(shop.NewOrders(db.Orders()), log)
	})
}

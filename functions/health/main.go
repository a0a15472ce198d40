// Command health is the health function: GET /health answers 200 while this region's table
// answers a read, 503 when it does not, so Route 53 takes the region out of DNS.
package main

import (
	"log/slog"
	"os"

	"shopstack/functions/lib/api"
	"shopstack/functions/lib/serve"
	"shopstack/functions/lib/shop"
	"shopstack/functions/lib/store"
)

func main() {
	serve.Lambda("health", func(db *store.DB, log *slog.Logger) (*api.Handler, error) {
		return api.NewHealth(shop.NewHealth(db.Products()), os.Getenv("AWS_REGION"), log)
	})
}

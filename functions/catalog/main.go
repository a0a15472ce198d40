// Command catalog is the catalog Lambda function: product listing and admin changes.
package main

import (
	"log/slog"

	"shopstack/functions/lib/api"
	"shopstack/functions/lib/serve"
	"shopstack/functions/lib/shop"
	"shopstack/functions/lib/store"
)

func main() {
	serve.Lambda("catalog", func(db *store.DB, log *slog.Logger) (*api.Handler, error) {
		return api.NewCatalog(shop.NewCatalog(db.Products()), log)
	})
}

// Command catalog is the catalog Lambda function: product listing and admin changes.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"shopstack/functions/api"
	"shopstack/functions/shop"
	"shopstack/functions/store"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	db, err := store.Open(context.Background(), "catalog")
	if err != nil {
		log.Error("start catalog", "error", err.Error())
		os.Exit(1)
	}
	h, err := api.NewCatalog(shop.NewCatalog(db.Products()), log)
	if err != nil {
		log.Error("start catalog", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

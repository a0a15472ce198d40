// Command checkout is the checkout Lambda function: carts become orders in one transaction.
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
	db, err := store.Open(context.Background(), "checkout")
	if err != nil {
		log.Error("start checkout", "error", err.Error())
		os.Exit(1)
	}
	h, err := api.NewCheckout(shop.NewCheckout(db.Carts(), db.Products(), db.Orders()), log)
	if err != nil {
		log.Error("start checkout", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

// Command orders is the orders Lambda function: order history and cancellation.
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
	db, err := store.Open(context.Background(), "orders")
	if err != nil {
		log.Error("start orders", "error", err.Error())
		os.Exit(1)
	}
	h, err := api.NewOrders(shop.NewOrders(db.Orders()), log)
	if err != nil {
		log.Error("start orders", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

// Command cart is the cart Lambda function: the signed-in customer's carts.
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
	db, err := store.Open(context.Background(), "cart")
	if err != nil {
		log.Error("start cart", "error", err.Error())
		os.Exit(1)
	}
	h, err := api.NewCart(shop.NewCarts(db.Carts(), db.Products()), log)
	if err != nil {
		log.Error("start cart", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

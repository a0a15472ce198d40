// Command health is the health function: GET /health answers 200 while this region's table
// answers a read, 503 when it does not, so Route 53 takes the region out of DNS.
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
	db, err := store.Open(context.Background(), "health")
	if err != nil {
		log.Error("start health", "error", err.Error())
		os.Exit(1)
	}
	h, err := api.NewHealth(shop.NewHealth(db.Products()), os.Getenv("AWS_REGION"), log)
	if err != nil {
		log.Error("start health", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

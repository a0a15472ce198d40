// Command stockalerts is an event pipeline consumer: it tells the shop's admins when a product
// runs low, through the admin topic.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"shopstack/functions/consumer"
	"shopstack/functions/pipeline"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	h, err := consumer.Open(context.Background(), "stock-alerts", pipeline.StockAlert, log)
	if err != nil {
		log.Error("start stock-alerts", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

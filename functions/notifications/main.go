// Command notifications is an event pipeline consumer: it sends customers their order
// confirmations and cancellation notices through the customer-notification topic.
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
	h, err := consumer.Open(context.Background(), "notifications", pipeline.CustomerNotification, log)
	if err != nil {
		log.Error("start notifications", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

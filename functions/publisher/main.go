// Command publisher is the event pipeline's publisher: it reads the orders and products table
// streams and puts OrderPlaced, OrderCancelled and StockLow on the shop's event bus.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"shopstack/contract"
	"shopstack/contract/schema"
	"shopstack/functions/lib/awsenv"
	"shopstack/functions/lib/stream"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	p, err := open(context.Background(), log)
	if err != nil {
		log.Error("start publisher", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(p.Handle)
}

// open builds the publisher from its environment: EVENT_BUS_NAME, ORDERS_TABLE, PRODUCTS_TABLE,
// and FAILURES_QUEUE_URL (schema.FailuresQueueEnv), the queue where it parks what it cannot publish.
func open(ctx context.Context, log *slog.Logger) (*stream.Publisher, error) {
	env, err := requireEnv(contract.EventBusEnv, "ORDERS_TABLE", "PRODUCTS_TABLE", schema.FailuresQueueEnv)
	if err != nil {
		return nil, err
	}
	busCfg, err := awsenv.Config("EventBridge")
	if err != nil {
		return nil, err
	}
	queueCfg, err := awsenv.Config("SQS")
	if err != nil {
		return nil, err
	}
	return &stream.Publisher{Bus: eventbridge.NewFromConfig(busCfg), BusName: env[0], Orders: env[1], Products: env[2],
		Parking: &stream.Queue{Client: sqs.NewFromConfig(queueCfg), URL: env[3]}, Log: log}, nil
}

// requireEnv returns the variables' values in order, naming every one that is unset.
func requireEnv(names ...string) ([]string, error) {
	values := make([]string, len(names))
	var missing []string
	for i, n := range names {
		if values[i] = os.Getenv(n); values[i] == "" {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("environment variables not set: %s", strings.Join(missing, ", "))
	}
	return values, nil
}

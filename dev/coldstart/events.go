package coldstart

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/events"

	"shopstack/functions/lib/pipeline"
)

// Hello is the baseline's name in results: every ratio is to it.
const Hello = "hello"

// HelloDynamoDB is hello world plus the AWS SDK's DynamoDB client, imported and not used: the
// floor of a function that talks to DynamoDB with this SDK (its packages' init runs at every
// cold start whether a client is built or not).
const HelloDynamoDB = "hello-dynamodb"

// Baselines are the programs in ./<name> measured beside the functions, Hello first.
var Baselines = []string{Hello, HelloDynamoDB}

// FirstEvent returns the payload of a function's first invocation, built from aws-lambda-go's
// event types as the trigger would send it, and a check of the answer. API functions get a
// request their route serves (a read, so every sample starts from the same data); the event
// pipeline's functions get an event they decode and skip, since their topics, bus and queues
// have no local stand-in. productsTable names the products table for the publisher's stream ARN.
func FirstEvent(function, productsTable string) ([]byte, func(Answer) error, error) {
	switch function {
	case Hello, HelloDynamoDB:
		return []byte(`{}`), wants(`"Hello λ!"`), nil
	case "counter":
		return []byte(`{"number":10}`), wants(`11`), nil
	case "health":
		return api("GET", "/health", "/health", "", nil)
	case "catalog":
		return api("GET", "/products", "/products", "", nil)
	case "cart":
		return api("GET", "/carts/{cartId}", "/carts/coldstart", "", map[string]string{"cartId": "coldstart"})
	case "orders":
		return api("GET", "/orders", "/orders", "", nil)
	case "checkout":
		// No such cart: the full read path of a checkout without writing an order.
		return api("POST", "/orders", "/orders", `{"cartId":"coldstart"}`, nil)
	case "notifications":
		return sqs(pipeline.TypeStockLow, &pipeline.StockLow{EventID: "coldstart-stocklow", ProductID: "p1", Name: "Mug", Stock: 1, Threshold: 2})
	case "stock-alerts":
		return sqs(pipeline.TypeOrderPlaced, &pipeline.OrderPlaced{EventID: "coldstart-orderplaced"})
	case "publisher":
		img := func(stock string) map[string]events.DynamoDBAttributeValue {
			return map[string]events.DynamoDBAttributeValue{
				"productId": events.NewStringAttribute("p1"), "name": events.NewStringAttribute("Mug"),
				"stock": events.NewNumberAttribute(stock), "lowStockThreshold": events.NewNumberAttribute("2"),
			}
		}
		// Stock 50 → 49 stays above the threshold: decoded, nothing to publish.
		body, err := json.Marshal(events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{{
			EventName: "MODIFY", EventSource: "aws:dynamodb", AWSRegion: Region,
			EventSourceArn: "arn:aws:dynamodb:" + Region + ":123456789012:table/" + productsTable + "/stream/2026-11-27T00:00:00.000",
			Change:         events.DynamoDBStreamRecord{SequenceNumber: "1", OldImage: img("50"), NewImage: img("49"), StreamViewType: "NEW_AND_OLD_IMAGES"},
		}}})
		return body, wants(`{"batchItemFailures":null}`), err
	}
	return nil, nil, fmt.Errorf("no first event for function %q", function)
}

func wants(body string) func(Answer) error {
	return func(a Answer) error {
		if string(a.Body) != body {
			return fmt.Errorf("answered %s, want %s", a.Body, body)
		}
		return nil
	}
}

// api is an API Gateway proxy request of a signed-in customer; its answer must not be a 5xx.
func api(method, resource, path, body string, params map[string]string) ([]byte, func(Answer) error, error) {
	req := events.APIGatewayProxyRequest{
		Resource: resource, Path: path, HTTPMethod: method, PathParameters: params, Body: body,
		Headers: map[string]string{"Idempotency-Key": "coldstart", "Origin": "http://localhost:3000"},
		RequestContext: events.APIGatewayProxyRequestContext{
			RequestID: "coldstart", Stage: "v1", HTTPMethod: method, ResourcePath: resource,
			Authorizer: map[string]any{"claims": map[string]any{"sub": "coldstart-sub"}},
		},
	}
	b, err := json.Marshal(req)
	return b, func(a Answer) error {
		var resp events.APIGatewayProxyResponse
		if err := json.Unmarshal(a.Body, &resp); err != nil {
			return fmt.Errorf("answer is not an API Gateway proxy response: %w", err)
		}
		if resp.StatusCode == 0 || resp.StatusCode >= 500 {
			return fmt.Errorf("status %d: %s", resp.StatusCode, resp.Body)
		}
		return nil
	}, err
}

// sqs is an SQS batch of one message whose body is the EventBridge event the bus delivers; the
// consumer must not report it failed.
func sqs(detailType string, detail pipeline.Detail) ([]byte, func(Answer) error, error) {
	d, err := json.Marshal(detail)
	if err != nil {
		return nil, nil, err
	}
	msg, err := json.Marshal(map[string]any{"version": "0", "id": "coldstart", "detail-type": detailType, "source": pipeline.Source, "detail": json.RawMessage(d)})
	if err != nil {
		return nil, nil, err
	}
	body, err := json.Marshal(events.SQSEvent{Records: []events.SQSMessage{{MessageId: "coldstart", Body: string(msg), EventSource: "aws:sqs", AWSRegion: Region}}})
	return body, wants(`{"batchItemFailures":null}`), err
}

// Package contract holds the facts the Pulumi program, the Lambda functions, the cost preview
// and the dev tools share: the one list of Lambdas, the environment variable names the stack
// sets and the functions read, and the event types. It is plain Go and imports nothing of
// ours, so that every layer can depend on it without linking another layer's code
// (tests/layout_test.go holds that). Tables, routes and IAM access live in its subpackages.
package contract

// Lambdas are the deployable functions, each a folder functions/<name> holding a main package.
// The builder builds exactly these; the layout check refuses any other folder under functions/
// but lib.
var Lambdas = []string{
	"cart", "catalog", "checkout", "counter", "health", "notifications", "orders", "publisher", "stock-alerts",
}

// Environment variables the stack sets on functions and the functions read.
const (
	// WriterRegionEnv tells a function where stock and orders are written.
	WriterRegionEnv = "WRITER_REGION"
	// AllowedOriginsEnv carries the CORS origins (shopstack:allowedOrigins) to the handlers, comma-separated.
	AllowedOriginsEnv = "ALLOWED_ORIGINS"
	// EventBusEnv names the EventBridge bus the publisher puts events on.
	EventBusEnv = "EVENT_BUS_NAME"
	// TopicEnv carries the ARN of an event consumer's SNS topic.
	TopicEnv = "TOPIC_ARN"
)

// EventSource is the EventBridge source of every shop event.
const EventSource = "shopstack.shop"

// Event types, used as the EventBridge detail-type.
const (
	EventOrderPlaced    = "OrderPlaced"
	EventOrderCancelled = "OrderCancelled"
	EventStockLow       = "StockLow"
)

// The pipeline's SNS topics, by the names their components carry.
const (
	// CustomerTopic carries messages to customers (order confirmations, cancellations).
	CustomerTopic = "customer-notifications"
	// AdminTopic carries alerts to the shop's admins.
	AdminTopic = "admin-alerts"
)

// Consumer is one consumer of the event pipeline: Name is its Lambda (of Lambdas) and its
// component; its bus rule matches Types; it publishes to Topic.
type Consumer struct {
	Name  string
	Types []string
	Topic string
}

// Consumers are the pipeline's consumers. The stack declares each, and make dev runs each.
var Consumers = []Consumer{
	{Name: "notifications", Types: []string{EventOrderPlaced, EventOrderCancelled}, Topic: CustomerTopic},
	{Name: "stock-alerts", Types: []string{EventStockLow}, Topic: AdminTopic},
}

// LedgerRetentionDays is how long a consumer remembers a handled event: longer than a message
// can live in a queue (4 days) or wait in its dead-letter queue for a redrive (14 days), and at
// least as long as the bus archive keeps events (the stack refuses eventArchiveRetentionDays
// above it), so replaying the archive never notifies twice.
const LedgerRetentionDays = 30

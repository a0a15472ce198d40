package schema

// ProcessedEvents is the event pipeline's ledger: one item per consumer and event id, written
// with a conditional put so a consumer handles an event at most once, expiring through TTL.
const ProcessedEvents = "processedEvents"

// FailuresQueueEnv names the publisher's environment variable carrying the URL of its failure
// queue (publisher-failures), where it parks what it cannot publish. It is here, beside the
// tables' variable names, so the stack can set it without linking the publisher's code.
const FailuresQueueEnv = "FAILURES_QUEUE_URL"

// EventTables returns the event pipeline's tables. They are apart from Tables because they live
// in the writer region only, with the pipeline, and are not global tables.
func EventTables() []Table {
	return []Table{{Name: ProcessedEvents, HashKey: Attribute{"eventKey", String}, TTLAttribute: "expiresAt"}}
}

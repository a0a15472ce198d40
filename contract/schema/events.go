package schema

// ProcessedEvents is the event pipeline's ledger: one item per consumer and event id, written
// with a conditional put so a consumer handles an event at most once, expiring through TTL.
const ProcessedEvents = "processedEvents"

// FailuresQueueEnv names the publisher's environment variable carrying the URL of its failure
// queue (publisher-failures), where it parks what it cannot publish. It is here, beside the
// tables' variable names, so the stack can set it without linking the publisher's code.
const FailuresQueueEnv = "FAILURES_QUEUE_URL"

// EventTables returns the event pipeline's tables. They are global tables like Tables, so the
// ledger survives a move of the pipeline to another region, but apart from them: no API function
// reads or writes them.
func EventTables() []Table {
	return []Table{{Name: ProcessedEvents, HashKey: Attribute{"eventKey", String}, TTLAttribute: "expiresAt"}}
}

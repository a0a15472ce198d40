// Command notifications is an event pipeline consumer: it sends customers their order
// confirmations and cancellation notices through the customer-notification topic.
package main

import "shopstack/functions/lib/consumer"

func main() {
	consumer.Lambda("notifications")
}

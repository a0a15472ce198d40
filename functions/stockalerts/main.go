// Command stockalerts is an event pipeline consumer: it tells the shop's admins when a product
// runs low, through the admin topic.
package main

import (
	"shopstack/functions/lib/consumer"
	"shopstack/functions/lib/pipeline"
)

func main() {
	consumer.Lambda("stock-alerts", pipeline.StockAlert)
}

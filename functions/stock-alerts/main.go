// Command stock-alerts is an event pipeline consumer: it tells the shop's admins when a product
// runs low, through the admin topic.
package main

import "shopstack/functions/lib/consumer"

func main() {
	consumer.Lambda("stock-alerts")
}

// Command orders is the orders Lambda function: order history and cancellation.
package main

import (
	"shopstack/contract/routes"
	"shopstack/functions/lib/serve"
)

func main() {
	serve.Lambda(routes.Orders)
}

// Command checkout is the checkout Lambda function: carts become orders in one transaction.
package main

import (
	"shopstack/contract/routes"
	"shopstack/functions/lib/serve"
)

func main() {
	serve.Lambda(routes.Checkout)
}

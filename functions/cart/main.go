// Command cart is the cart Lambda function: the signed-in customer's carts.
package main

import (
	"shopstack/contract/routes"
	"shopstack/functions/lib/serve"
)

func main() {
	serve.Lambda(routes.Cart)
}

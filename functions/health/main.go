// Command health is the health function: GET /health answers 200 while this region's table
// answers a read, 503 when it does not, so Route 53 takes the region out of DNS.
package main

import (
	"shopstack/contract/routes"
	"shopstack/functions/lib/serve"
)

func main() {
	serve.Lambda(routes.Health)
}

// Command catalog is the catalog Lambda function: product listing and admin changes.
package main

import (
	"shopstack/contract/routes"
	"shopstack/functions/lib/serve"
)

func main() {
	serve.Lambda(routes.Catalog)
}

// Command cost is shopstack's cost preview: each stack's monthly cost per region, service and
// resource, and per 1,000 orders, priced offline from the graph the plan records, the traffic
// profile in config, the benchmark's measured capacity and the committed price book.
//
//	go run ./cmd/cost [-stack prod] [-json] [-fixed-only] [-base <git ref>] [-refresh-prices]
package main

import (
	"context"
	"os"
	"os/signal"

	"shopstack/cost"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cost.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Command plan is shopstack's offline plan: the real program under mocks with a stack's config,
// its resources by region and component, its outputs and the policy verdict. No cloud
// credentials needed.
//
//	go run ./cmd/plan [-stack prod] [-json] [-base <git ref>]
package main

import (
	"context"
	"os"
	"os/signal"

	"shopstack/engine/plan"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := plan.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

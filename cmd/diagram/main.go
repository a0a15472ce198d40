// Command diagram draws a stack's architecture from the offline plan: Mermaid text and, where
// Graphviz is installed, SVG, written to docs/diagram-<stack>.mmd and .svg.
//
//	go run ./cmd/diagram [-stack prod]
package main

import (
	"context"
	"os"
	"os/signal"

	"shopstack/engine/plan"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := plan.DiagramMain(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

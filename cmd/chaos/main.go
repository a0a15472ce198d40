// Command chaos runs a short load under each of a set of DynamoDB faults against the local
// platform (make dev's stack) behind an in-process Toxiproxy, and prints per fault the
// requests, statuses, p50/p99 and the invariant checks. Loopback only.
//
//	make chaos    # go run ./cmd/chaos
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"shopstack/dev/chaos"
)

func main() {
	opts := chaos.Default
	flag.IntVar(&opts.Clients, "clients", opts.Clients, "concurrent shoppers per fault")
	flag.DurationVar(&opts.Phase, "phase", opts.Phase, "how long each fault lasts")
	flag.IntVar(&opts.Requests, "requests", opts.Requests, "request budget per fault")
	flag.DurationVar(&opts.Drain, "drain", opts.Drain, "how long to wait for the event pipeline at the end")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := chaos.Run(ctx, opts, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	r.Write(os.Stdout)
	if len(r.Violations) > 0 {
		os.Exit(1)
	}
}

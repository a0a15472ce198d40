// Command failover plans a move of a stack's writer region while the old one is down: the config
// change, the `pulumi up --target` command limited to healthy regions and the engine's preview of
// it. Offline: nothing is deployed.
//
//	go run ./cmd/failover -stack prod -to us-west-2
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"shopstack/engine/failover"
)

func main() {
	stack := flag.String("stack", "", "environment (Pulumi.<stack>.yaml)")
	to := flag.String("to", "", "the new writer region, one of the stack's regions")
	root := flag.String("root", ".", "project folder holding Pulumi.yaml")
	flag.Parse()
	if *stack == "" || *to == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: failover -stack <env> -to <region>")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	plan, err := failover.Prepare(ctx, *root, *stack, *to)
	if err != nil {
		fmt.Fprintln(os.Stderr, "failover:", err)
		os.Exit(1)
	}
	if err := plan.Write(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "failover:", err)
		os.Exit(1)
	}
	if len(plan.StatefulChanges()) > 0 {
		fmt.Fprintln(os.Stderr, "failover: the plan replaces or deletes resources")
		os.Exit(1)
	}
}

// Command coldstart measures every function's cold start against aws-lambda-go's hello world,
// built the same way, in one run: per function the median and p90 of init (process start to
// the first GET /runtime/invocation/next) and of the first invocation, and each median as a
// multiple of hello world's. With -base, the functions of a second source tree (another commit,
// e.g. extracted with git archive: bench/coldstart.sh) are measured in the same rounds.
//
//	go run ./cmd/coldstart -n 30 [-base DIR]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"shopstack/dev/coldstart"
)

func main() {
	n := flag.Int("n", 30, "cold starts per function")
	base := flag.String("base", "", "root of a second source tree whose functions are measured too, as <name>@base")
	flag.Parse()
	if *n < 1 {
		fmt.Fprintln(os.Stderr, "coldstart: -n must be at least 1")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := coldstart.Measure(ctx, ".", *base, *n, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
}

// Command load runs concurrent shoppers against the local API, then checks the stock adds
// up. Without -url it starts its own local platform (and DynamoDB Local) on free ports.
//
//	make load                                  # go run ./cmd/load
//	go run ./cmd/load -url http://127.0.0.1:3001/ -clients 32 -duration 30s
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"shopstack/dev/load"
	"shopstack/dev/local"
)

func main() {
	opts := load.Default
	flag.StringVar(&opts.URL, "url", "", "base URL of a running local API (make dev); empty starts one on free ports")
	flag.IntVar(&opts.Clients, "clients", opts.Clients, "concurrent shoppers")
	flag.DurationVar(&opts.Duration, "duration", opts.Duration, "how long they shop")
	flag.IntVar(&opts.MaxRequests, "requests", opts.MaxRequests, "request budget across all shoppers")
	flag.IntVar(&opts.Products, "products", opts.Products, "products created for the run")
	flag.IntVar(&opts.Stock, "stock", opts.Stock, "initial stock of each product")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ok, err := run(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

func run(ctx context.Context, opts load.Options) (bool, error) {
	if opts.URL == "" {
		p, err := local.Start(ctx, local.Options{Addr: "127.0.0.1:0"})
		if err != nil {
			return false, err
		}
		defer func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = p.Stop(stopCtx)
		}()
		opts.URL = p.URL
	}
	fmt.Printf("load: %d clients for %s (at most %d requests) against %s\n", opts.Clients, opts.Duration, opts.MaxRequests, opts.URL)
	r, err := load.Run(ctx, opts)
	if err != nil {
		return false, err
	}
	r.Write(os.Stdout)
	return len(r.Violations) == 0, nil
}

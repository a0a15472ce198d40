// Command cost is shopstack's cost preview: each stack's monthly cost per region, service and
// resource, and per 1,000 orders, priced offline from the graph the plan records, the traffic
// profile in config, the benchmark's measured capacity and the committed price book.
//
//	go run ./cmd/cost [-stack prod] [-json] [-fixed-only] [-base <git ref>] [-refresh-prices]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"

	"shopstack/contract/capacity"
	"shopstack/cost"
	"shopstack/engine"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run estimates -stack (or every environment under -root) and writes text or, with -json, JSON.
// With -base <git ref> it estimates that commit too and writes the difference. With
// -refresh-prices it rewrites the price book from the AWS Price List API instead. It returns the
// exit status: 1 on any failure (named on stderr), 2 on bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cost", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stack := fs.String("stack", "", "environment to price (Pulumi.<stack>.yaml); every environment when empty")
	asJSON := fs.Bool("json", false, "write JSON instead of text")
	root := fs.String("root", ".", "project folder holding Pulumi.yaml and the Pulumi.<stack>.yaml files")
	prices := fs.String("prices", "", "price book (default <root>/"+cost.DefaultBookPath+")")
	capacityFile := fs.String("capacity", "", "measured capacity per route (default <root>/"+capacity.Path+")")
	fixedOnly := fs.Bool("fixed-only", false, "price only what the resources cost whatever the traffic; needs no profile or capacity")
	base := fs.String("base", "", "git ref to compare with: write the monthly difference per resource and in total")
	profileRoot := fs.String("profile-root", "", "take the traffic profile from this project folder when -root's config has none (used by -base)")
	refresh := fs.Bool("refresh-prices", false, "rewrite the price book from the AWS Price List API (needs AWS credentials)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "cost: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if *prices == "" {
		*prices = filepath.Join(*root, cost.DefaultBookPath)
	}
	if *capacityFile == "" {
		*capacityFile = filepath.Join(*root, capacity.Path)
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "cost:", err)
		return 1
	}
	if *refresh {
		if err := cost.RefreshBook(ctx, *prices, stderr); err != nil {
			return fail(err)
		}
		return 0
	}
	opts := cost.Options{Root: *root, Prices: *prices, Capacity: *capacityFile, FixedOnly: *fixedOnly, ProfileRoot: *profileRoot}
	names, err := engine.SelectStacks(*root, *stack)
	if err != nil {
		return fail(err)
	}
	head, err := cost.EstimateStacks(opts, names)
	if err != nil {
		return fail(err)
	}
	if *base != "" {
		abs := func(p string) string { a, _ := filepath.Abs(p); return a }
		baseEst, err := cost.EstimateRef(ctx, *root, *base, *stack, cost.Options{
			Prices: abs(*prices), Capacity: abs(*capacityFile), FixedOnly: *fixedOnly, ProfileRoot: abs(*root),
		}, stderr)
		if err != nil {
			return fail(err)
		}
		if *asJSON {
			err = cost.WriteDiffJSON(stdout, *base, cost.Diff(baseEst, head))
		} else {
			err = cost.WriteDiff(stdout, *base, cost.Diff(baseEst, head))
		}
		if err != nil {
			return fail(err)
		}
		return 0
	}
	write := cost.WriteText
	if *asJSON {
		write = cost.WriteJSON
	}
	if err := write(stdout, head); err != nil {
		return fail(err)
	}
	return 0
}

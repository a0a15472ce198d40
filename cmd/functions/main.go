// Command functions builds every function archive for Lambda and prints one line per function:
// <name> <sha256-of-archive> <bytes>. It links the builder alone, not the Pulumi program: a cold
// `make functions` compiles what the functions import and nothing of pulumi-aws.
package main

import (
	"context"
	"fmt"
	"os"

	"shopstack/lambdabuild"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "functions:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	builder, err := lambdabuild.New(".", lambdabuild.Lambda)
	if err != nil {
		return err
	}
	// Progress goes to stderr, so stdout stays the one line per function scripts read.
	builder.Progress = func(line string) { fmt.Fprintln(os.Stderr, line) }
	artifacts, err := builder.BuildAll(ctx)
	if err != nil {
		return err
	}
	for _, a := range artifacts {
		fmt.Printf("%s %s %d\n", a.Name, a.SHA256, a.Size)
	}
	return nil
}

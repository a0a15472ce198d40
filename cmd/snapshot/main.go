// Command snapshot updates a stack from empty state on the offline engine and writes the
// resulting state (the CLI's deployment format, gzipped): the base a later program is previewed
// against (tests/testdata/base-<stack>.json.gz; see tests/alarmmoves_test.go for how to record it).
//
//	go run ./cmd/snapshot -stack prod -o tests/testdata/base-prod.json.gz
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"shopstack/engine"
)

func main() {
	stack := flag.String("stack", "dev", "the stack (Pulumi.<stack>.yaml) to update")
	out := flag.String("o", "", "the file to write")
	flag.Parse()
	if err := run(*stack, *out); err != nil {
		fmt.Fprintln(os.Stderr, "snapshot:", err)
		os.Exit(1)
	}
}

func run(stack, out string) error {
	if out == "" {
		return fmt.Errorf("-o is required")
	}
	ctx := context.Background()
	res, err := engine.Update(ctx, engine.Options{Root: ".", Stack: stack})
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := engine.WriteSnapshot(ctx, f, res.Snapshot); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

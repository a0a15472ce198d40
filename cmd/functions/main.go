// Command functions builds every function archive for Lambda and prints one line per function:
// <name> <sha256-of-archive> <bytes>.
package main

import (
	"context"
	"fmt"
	"os"

	"shopstack/stacks"
)

func main() {
	artifacts, err := stacks.BuildFunctions(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "functions:", err)
		os.Exit(1)
	}
	for _, name := range artifacts.Names() {
		a := artifacts[name]
		fmt.Printf("%s %s %d\n", a.Name, a.SHA256, a.Size)
	}
}

// Command diagram draws a stack's architecture from the offline plan: Mermaid text and, where
// Graphviz is installed, SVG, written to docs/diagram-<stack>.mmd and .svg.
//
//	go run ./cmd/diagram [-stack prod]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"

	"shopstack/engine"
	"shopstack/engine/plan"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run writes <out>/diagram-<stack>.mmd for -stack (or every environment) and, where Graphviz's
// dot is installed, <out>/diagram-<stack>.svg. Policy violations do not stop a diagram; invalid
// config does (exit status 1).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("diagram", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stack := fs.String("stack", "", "environment to draw; every environment when empty")
	root := fs.String("root", ".", "project folder holding Pulumi.yaml and the Pulumi.<stack>.yaml files")
	out := fs.String("out", "docs", "folder for the diagrams, relative to -root")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	names, err := engine.SelectStacks(*root, *stack)
	if err != nil {
		fmt.Fprintln(stderr, "diagram:", err)
		return 1
	}
	dot, dotErr := exec.LookPath("dot")
	status := 0
	for _, name := range names {
		p, err := plan.Deployed(ctx, *root, name)
		if err != nil {
			fmt.Fprintln(stderr, "diagram:", err)
			status = 1
			continue
		}
		d := plan.NewDiagram(p)
		base := filepath.Join(*out, "diagram-"+name)
		if err := writeFile(filepath.Join(*root, base+".mmd"), []byte(d.Mermaid())); err != nil {
			fmt.Fprintln(stderr, "diagram:", err)
			status = 1
			continue
		}
		fmt.Fprintf(stdout, "wrote %s.mmd\n", filepath.ToSlash(base))
		if dotErr != nil {
			fmt.Fprintf(stdout, "skipped %s.svg: Graphviz dot is not installed\n", filepath.ToSlash(base))
			continue
		}
		svg, err := d.SVG(ctx, dot)
		if err == nil {
			err = writeFile(filepath.Join(*root, base+".svg"), svg)
		}
		if err != nil {
			fmt.Fprintln(stderr, "diagram:", err)
			status = 1
			continue
		}
		fmt.Fprintf(stdout, "wrote %s.svg\n", filepath.ToSlash(base))
	}
	return status
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

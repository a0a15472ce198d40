// Command plan is shopstack's offline plan: the real program under mocks with a stack's config,
// its resources by region and component, its outputs and the policy verdict. No cloud
// credentials needed.
//
//	go run ./cmd/plan [-stack prod] [-json] [-base <git ref>]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"shopstack/engine"
	"shopstack/engine/plan"
	"shopstack/stacks"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run plans -stack (or every environment under -root) and writes text or, with -json, JSON to
// stdout. With -base <git ref> it plans that commit too and writes the difference instead. It
// returns the exit status: 1 when a stack's config is invalid, its program fails or a mandatory
// policy is violated (the reasons go to stderr), 2 on bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stack := fs.String("stack", "", "environment to plan (Pulumi.<stack>.yaml); every environment when empty")
	asJSON := fs.Bool("json", false, "write JSON instead of text")
	root := fs.String("root", ".", "project folder holding Pulumi.yaml and the Pulumi.<stack>.yaml files")
	base := fs.String("base", "", "git ref to compare with: write the resources added, removed and changed since it")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "plan: unexpected arguments %q\n", fs.Args())
		return 2
	}
	names, err := engine.SelectStacks(*root, *stack)
	if err != nil {
		fmt.Fprintln(stderr, "plan:", err)
		return 1
	}
	// The program builds the functions itself, but the engine's messages arrive with its result:
	// building them first, each step on stderr, shows a first run's minutes of compiling as they
	// happen. The program then finds them built in this process.
	if _, err := stacks.BuildFunctions(ctx, func(line string) { fmt.Fprintln(stderr, "plan:", line) }); err != nil {
		fmt.Fprintln(stderr, "plan:", err)
		return 1
	}
	plans, invalid, violated := planAll(ctx, *root, names, stderr)
	if *base != "" {
		basePlans, err := plan.PlanRef(ctx, *root, *base, *stack, stderr)
		if err != nil {
			fmt.Fprintln(stderr, "plan:", err)
			return 1
		}
		if err := plan.WriteDiff(stdout, *base, plan.Compare(basePlans, plans)); err != nil {
			fmt.Fprintln(stderr, "plan:", err)
			return 1
		}
		// The diff is what was asked for: only a stack that could not be planned fails it.
		return exitStatus(invalid)
	}

	write := plan.WriteText
	if *asJSON {
		write = plan.WriteJSON
	}
	if err := write(stdout, plans); err != nil {
		fmt.Fprintln(stderr, "plan:", err)
		return 1
	}
	return exitStatus(invalid || violated)
}

// planAll plans each stack, reporting on stderr each stack that could not be planned (invalid)
// and each mandatory policy violation (violated).
func planAll(ctx context.Context, root string, names []string, stderr io.Writer) (plans []*plan.Plan, invalid, violated bool) {
	for _, name := range names {
		p, err := plan.Load(ctx, root, name)
		if err != nil {
			fmt.Fprintln(stderr, "plan:", err)
			invalid = true
			continue
		}
		plans = append(plans, p)
		for _, v := range p.Mandatory() {
			fmt.Fprintf(stderr, "plan: stack %s: mandatory policy %s violated by %s: %s\n", p.Stack, v.Rule, orStack(v.URN), v.Message)
			violated = true
		}
	}
	return plans, invalid, violated
}

func exitStatus(failed bool) int {
	if failed {
		return 1
	}
	return 0
}

func orStack(urn string) string {
	if urn == "" {
		return "the stack"
	}
	return urn
}

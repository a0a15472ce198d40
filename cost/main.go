package cost

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"shopstack/engine"
)

// Main is cmd/cost. It estimates -stack (or every environment under -root) and writes text or, with
// -json, JSON. With -base <git ref> it estimates that commit too and writes the difference. With
// -refresh-prices it rewrites the price book from the AWS Price List API instead. It returns the
// exit status: 1 on any failure (named on stderr), 2 on bad usage.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cost", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stack := fs.String("stack", "", "environment to price (Pulumi.<stack>.yaml); every environment when empty")
	asJSON := fs.Bool("json", false, "write JSON instead of text")
	root := fs.String("root", ".", "project folder holding Pulumi.yaml and the Pulumi.<stack>.yaml files")
	prices := fs.String("prices", "", "price book (default <root>/"+DefaultBookPath+")")
	capacity := fs.String("capacity", "", "measured capacity per route (default <root>/"+DefaultCapacityPath+")")
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
		*prices = filepath.Join(*root, DefaultBookPath)
	}
	if *capacity == "" {
		*capacity = filepath.Join(*root, DefaultCapacityPath)
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "cost:", err)
		return 1
	}
	if *refresh {
		if err := RefreshBook(ctx, *prices, stderr); err != nil {
			return fail(err)
		}
		return 0
	}
	opts := Options{Root: *root, Prices: *prices, Capacity: *capacity, FixedOnly: *fixedOnly, ProfileRoot: *profileRoot}
	names, err := engine.SelectStacks(*root, *stack)
	if err != nil {
		return fail(err)
	}
	head, err := EstimateStacks(opts, names)
	if err != nil {
		return fail(err)
	}
	if *base != "" {
		abs := func(p string) string { a, _ := filepath.Abs(p); return a }
		baseEst, err := EstimateRef(ctx, *root, *base, *stack, Options{
			Prices: abs(*prices), Capacity: abs(*capacity), FixedOnly: *fixedOnly, ProfileRoot: abs(*root),
		}, stderr)
		if err != nil {
			return fail(err)
		}
		if *asJSON {
			err = WriteDiffJSON(stdout, *base, Diff(baseEst, head))
		} else {
			err = WriteDiff(stdout, *base, Diff(baseEst, head))
		}
		if err != nil {
			return fail(err)
		}
		return 0
	}
	write := WriteText
	if *asJSON {
		write = WriteJSON
	}
	if err := write(stdout, head); err != nil {
		return fail(err)
	}
	return 0
}

// Options say where an estimate's inputs are.
type Options struct {
	Root        string // project folder
	Prices      string // price book file
	Capacity    string // measured capacity file
	FixedOnly   bool
	ProfileRoot string // fallback project folder for the traffic profile, "" for none
}

// EstimateStacks runs each stack's program under mocks and prices its graph.
func EstimateStacks(o Options, names []string) ([]*Estimate, error) {
	book, err := LoadBook(o.Prices)
	if err != nil {
		return nil, err
	}
	var capacity *Capacity
	if !o.FixedOnly {
		if capacity, err = LoadCapacity(o.Capacity); err != nil {
			return nil, err
		}
	}
	var out []*Estimate
	var problems []error
	for _, name := range names {
		e, err := estimateStack(o, name, book, capacity)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		out = append(out, e)
	}
	return out, errors.Join(problems...)
}

func estimateStack(o Options, name string, book *Book, capacity *Capacity) (*Estimate, error) {
	_, stackConfig, err := engine.LoadConfig(o.Root, name)
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", name, err)
	}
	config, err := engine.ProgramConfig(stackConfig)
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", name, err)
	}
	in := Inputs{Book: book}
	if !o.FixedOnly {
		if _, ok := config[ProfileKey]; !ok && o.ProfileRoot != "" {
			_, otherConfig, err := engine.LoadConfig(o.ProfileRoot, name)
			if err == nil {
				var other map[string]string
				if other, err = engine.ProgramConfig(otherConfig); err == nil {
					config[ProfileKey] = other[ProfileKey]
				}
			}
			if err != nil {
				return nil, fmt.Errorf("stack %s: profile from %s: %w", name, o.ProfileRoot, err)
			}
		}
		p, err := ProfileFromConfig(config)
		if err != nil {
			return nil, fmt.Errorf("stack %s: %w", name, err)
		}
		in.Profile, in.Capacity = &p, capacity
	}
	// The cost is of what the stack declares: the engine's preview, without the policy pack.
	res, err := engine.Preview(context.Background(), engine.Options{Root: o.Root, Stack: name, Config: stackConfig, NoPolicies: true})
	if err != nil {
		return nil, err
	}
	return New(res.Graph, in)
}

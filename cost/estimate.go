package cost

import (
	"context"
	"errors"
	"fmt"

	"shopstack/contract/capacity"
	"shopstack/engine"
)

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
	var measured *capacity.Report
	if !o.FixedOnly {
		if measured, err = LoadCapacity(o.Capacity); err != nil {
			return nil, err
		}
	}
	var out []*Estimate
	var problems []error
	for _, name := range names {
		e, err := estimateStack(o, name, book, measured)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		out = append(out, e)
	}
	return out, errors.Join(problems...)
}

func estimateStack(o Options, name string, book *Book, measured *capacity.Report) (*Estimate, error) {
	// The stack's own typed, validated config: a value the program would refuse fails here,
	// before anything is priced.
	config, err := engine.StackConfig(o.Root, name)
	if err != nil {
		return nil, err
	}
	in := Inputs{Book: book}
	if !o.FixedOnly {
		if config.TrafficProfile == nil && o.ProfileRoot != "" {
			other, err := engine.StackConfig(o.ProfileRoot, name)
			if err != nil {
				return nil, fmt.Errorf("stack %s: profile from %s: %w", name, o.ProfileRoot, err)
			}
			config.TrafficProfile = other.TrafficProfile
		}
		p, err := ProfileFromConfig(config)
		if err != nil {
			return nil, fmt.Errorf("stack %s: %w", name, err)
		}
		in.Profile, in.Capacity = &p, measured
	}
	// The cost is of what the stack declares: the engine's preview, without the policy pack.
	res, err := engine.Preview(context.Background(), engine.Options{Root: o.Root, Stack: name, NoPolicies: true})
	if err != nil {
		return nil, err
	}
	return New(res.Graph, in)
}

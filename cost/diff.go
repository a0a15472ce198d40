package cost

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"shopstack/engine/worktree"
)

// StackCostDiff is how one stack's monthly cost changed between a base and the working tree.
type StackCostDiff struct {
	Stack     string         `json:"stack"`
	Base      float64        `json:"baseUsd"`
	Head      float64        `json:"headUsd"`
	Delta     float64        `json:"deltaUsd"`
	BasePer1K float64        `json:"basePerThousandOrdersUsd"`
	HeadPer1K float64        `json:"headPerThousandOrdersUsd"`
	Resources []ResourceDiff `json:"resources"` // only those whose cost changed, by URN
}

// ResourceDiff is one resource's monthly cost on each side; a side without it counts zero.
type ResourceDiff struct {
	URN   string  `json:"urn"`
	Type  string  `json:"type"`
	Name  string  `json:"name"`
	Base  float64 `json:"baseUsd"`
	Head  float64 `json:"headUsd"`
	Delta float64 `json:"deltaUsd"`
}

// Diff compares estimates by stack and resource. Amounts are compared to the cent: a change
// smaller than that is noise of floating point, not of cost.
func Diff(base, head []*Estimate) []StackCostDiff {
	var out []StackCostDiff
	for _, p := range worktree.MatchBy(base, head, func(e *Estimate) string { return e.Stack }) {
		n, be, he := p.Key, p.Base, p.Head
		if !p.InBase {
			be = &Estimate{Stack: n}
		}
		if !p.InHead {
			he = &Estimate{Stack: n}
		}
		d := StackCostDiff{Stack: n, Base: be.Total, Head: he.Total, Delta: he.Total - be.Total,
			BasePer1K: be.PerThousandOrders, HeadPer1K: he.PerThousandOrders}
		res := map[string]*ResourceDiff{}
		for _, side := range []struct {
			e    *Estimate
			head bool
		}{{be, false}, {he, true}} {
			for _, l := range side.e.Lines {
				r, ok := res[l.URN]
				if !ok {
					r = &ResourceDiff{URN: l.URN, Type: l.Type, Name: l.Name}
					res[l.URN] = r
				}
				if side.head {
					r.Head += l.USD
				} else {
					r.Base += l.USD
				}
			}
		}
		for _, urn := range slices.Sorted(maps.Keys(res)) {
			r := res[urn]
			r.Delta = r.Head - r.Base
			if cents(r.Head) != cents(r.Base) {
				d.Resources = append(d.Resources, *r)
			}
		}
		out = append(out, d)
	}
	return out
}

func cents(v float64) int64 { return int64(v*100 + 0.5) }

// WriteDiff writes each stack's total before and after, and each resource whose cost changed.
func WriteDiff(w io.Writer, base string, diffs []StackCostDiff) error {
	var b strings.Builder
	fmt.Fprintf(&b, "monthly cost: %s → working tree (USD, list prices, no free tiers)\n", base)
	for _, d := range diffs {
		fmt.Fprintf(&b, "\nstack %s: %s → %s (%s a month); per 1,000 orders %s → %s\n", d.Stack, usd(d.Base), usd(d.Head), signed(d.Delta), usd(d.BasePer1K), usd(d.HeadPer1K))
		if len(d.Resources) == 0 {
			b.WriteString("  no resource's cost changed\n")
			continue
		}
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, r := range d.Resources {
			fmt.Fprintf(tw, "  %s\t%s → %s\t%s\t%s\t\n", signed(r.Delta), usd(r.Base), usd(r.Head), r.Name, shortType(r.Type))
		}
		tw.Flush()
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteDiffJSON writes {"base": ref, "stacks": [...]}.
func WriteDiffJSON(w io.Writer, base string, diffs []StackCostDiff) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"base": base, "stacks": diffs})
}

func signed(v float64) string {
	if cents(v) > 0 {
		return "+" + usd(v)
	}
	return usd(v)
}

// EstimateRef prices the commit ref in a temporary git worktree and removes it afterwards. Both
// sides are priced by the working tree's model, price book and measured capacity (with its
// format, contract/capacity), copied into the worktree: the difference is what the change to the
// program and its config costs. A base whose config has no traffic profile is priced with the
// working tree's (o.ProfileRoot).
func EstimateRef(ctx context.Context, root, ref, stack string, o Options, log io.Writer) ([]*Estimate, error) {
	tool := worktree.Tool{Name: "cost", Stack: stack,
		Args: []string{"-prices", o.Prices, "-capacity", o.Capacity, "-profile-root", o.ProfileRoot},
		// The capacity file is the working tree's, so its format's reader goes along too.
		Prepare: func(dir string) error {
			return worktree.CopyPackages(root, dir, "cmd/cost", "cost", "contract/capacity")
		},
	}
	if o.FixedOnly {
		tool.Args = append(tool.Args, "-fixed-only")
	}
	return worktree.AtRef(ctx, root, ref, tool, log, func(stdout, stderr []byte, runErr error) ([]*Estimate, error) {
		if runErr != nil {
			return nil, fmt.Errorf("cost of %s: %w: %s", ref, runErr, bytes.TrimSpace(stderr))
		}
		var out struct {
			Estimates []*Estimate `json:"estimates"`
		}
		if err := json.Unmarshal(stdout, &out); err != nil {
			return nil, fmt.Errorf("cost of %s: %w", ref, err)
		}
		return out.Estimates, nil
	})
}

package plan

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	"shopstack/engine/worktree"
)

// StackDiff is how one stack's plan changed between a base and the working tree.
type StackDiff struct {
	Stack   string
	Only    string // "base" or "head" when the stack exists on one side only
	Added   []Resource
	Removed []Resource
	Changed []Change
	Outputs []FieldChange // by output key
}

// Change is one resource present on both sides whose inputs, parent, region or protection differ.
type Change struct {
	Resource Resource // the working tree's
	Fields   []FieldChange
}

// FieldChange is one leaf that differs; Old or New is absent (nil, Set false) when the field is
// on one side only.
type FieldChange struct {
	Path           string
	Old, New       any
	OldSet, NewSet bool
}

// Compare diffs two sets of plans by stack, then by URN and inputs. Both sides are compared as
// JSON values, so a plan read back from a file compares equal to the same plan made in process.
func Compare(base, head []*Plan) []StackDiff {
	var out []StackDiff
	for _, p := range worktree.MatchBy(base, head, func(p *Plan) string { return p.Stack }) {
		switch {
		case !p.InBase:
			out = append(out, StackDiff{Stack: p.Key, Only: "head", Added: p.Head.Resources})
		case !p.InHead:
			out = append(out, StackDiff{Stack: p.Key, Only: "base", Removed: p.Base.Resources})
		default:
			out = append(out, compareStack(normalize(p.Base), normalize(p.Head)))
		}
	}
	return out
}

// normalize round-trips a plan through JSON so that numbers, arrays and maps have one form.
func normalize(p *Plan) *Plan {
	data, err := json.Marshal(p)
	if err != nil {
		return p
	}
	var out Plan
	if err := json.Unmarshal(data, &out); err != nil {
		return p
	}
	return &out
}

func compareStack(base, head *Plan) StackDiff {
	d := StackDiff{Stack: head.Stack}
	baseBy := map[string]Resource{}
	for _, r := range base.Resources {
		baseBy[r.URN] = r
	}
	seen := map[string]bool{}
	for _, r := range head.Resources {
		seen[r.URN] = true
		old, ok := baseBy[r.URN]
		if !ok {
			d.Added = append(d.Added, r)
			continue
		}
		fields := compareValues(
			map[string]any{"inputs": old.Inputs, "parent": old.Parent, "region": old.Region, "protect": old.Protect},
			map[string]any{"inputs": r.Inputs, "parent": r.Parent, "region": r.Region, "protect": r.Protect},
		)
		if len(fields) > 0 {
			d.Changed = append(d.Changed, Change{Resource: r, Fields: fields})
		}
	}
	for _, r := range base.Resources {
		if !seen[r.URN] {
			d.Removed = append(d.Removed, r)
		}
	}
	d.Outputs = compareValues(base.Outputs, head.Outputs)
	return d
}

// compareValues lists the leaves that differ between two JSON-like maps, sorted by path.
func compareValues(old, new map[string]any) []FieldChange {
	a, b := map[string]any{}, map[string]any{}
	flatten("", old, a)
	flatten("", new, b)
	var out []FieldChange
	for _, p := range worktree.Match(a, b) {
		if p.InBase && p.InHead && reflect.DeepEqual(p.Base, p.Head) {
			continue
		}
		out = append(out, FieldChange{Path: p.Key, Old: p.Base, New: p.Head, OldSet: p.InBase, NewSet: p.InHead})
	}
	return out
}

// flatten maps every leaf of v to its path: a.b for object keys, a[0] for array elements. An empty
// object or array is a leaf, so that it differs from an absent one.
func flatten(prefix string, v any, out map[string]any) {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 0 && prefix != "" {
			out[prefix] = v
		}
		for k, e := range v {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flatten(p, e, out)
		}
	case []any:
		if len(v) == 0 {
			out[prefix] = v
		}
		for i, e := range v {
			flatten(prefix+"["+strconv.Itoa(i)+"]", e, out)
		}
	default:
		out[prefix] = v
	}
}

// WriteDiff renders diffs for people: per stack, + added, - removed, ~ changed with each field's
// old → new value, then the changed outputs.
func WriteDiff(w io.Writer, base string, diffs []StackDiff) error {
	var b strings.Builder
	fmt.Fprintf(&b, "plan-diff: %s -> working tree\n", base)
	for _, d := range diffs {
		b.WriteString("\n")
		switch d.Only {
		case "head":
			fmt.Fprintf(&b, "stack %s: new in the working tree, %d resources\n", d.Stack, len(d.Added))
		case "base":
			fmt.Fprintf(&b, "stack %s: only in %s, %d resources\n", d.Stack, base, len(d.Removed))
		default:
			if len(d.Added)+len(d.Removed)+len(d.Changed)+len(d.Outputs) == 0 {
				fmt.Fprintf(&b, "stack %s: no changes\n", d.Stack)
				continue
			}
			fmt.Fprintf(&b, "stack %s: %d added, %d removed, %d changed, %d outputs changed\n",
				d.Stack, len(d.Added), len(d.Removed), len(d.Changed), len(d.Outputs))
		}
		for _, r := range d.Added {
			fmt.Fprintf(&b, "  + %s %s%s\n", r.Type, r.Name, inRegion(r.Region))
		}
		for _, r := range d.Removed {
			fmt.Fprintf(&b, "  - %s %s%s\n", r.Type, r.Name, inRegion(r.Region))
		}
		for _, c := range d.Changed {
			fmt.Fprintf(&b, "  ~ %s %s%s\n", c.Resource.Type, c.Resource.Name, inRegion(c.Resource.Region))
			for _, f := range c.Fields {
				fmt.Fprintf(&b, "      %s: %s\n", f.Path, f.describe())
			}
		}
		if len(d.Outputs) > 0 {
			b.WriteString("  outputs:\n")
			for _, f := range d.Outputs {
				fmt.Fprintf(&b, "      %s: %s\n", f.Path, f.describe())
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func inRegion(region string) string {
	if region == "" {
		return ""
	}
	return " [" + region + "]"
}

func (f FieldChange) describe() string {
	switch {
	case !f.OldSet:
		return "(absent) -> " + short(f.New)
	case !f.NewSet:
		return short(f.Old) + " -> (absent)"
	}
	return short(f.Old) + " -> " + short(f.New)
}

// short renders a value as JSON on one line, cut to keep the diff readable.
func short(v any) string {
	data, err := json.Marshal(v)
	s := string(data)
	if err != nil {
		s = fmt.Sprint(v)
	}
	const max = 120
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

// PlanRef plans the commit ref in a temporary git worktree, with that commit's own program and
// planner (`go run ./cmd/plan -json`), and removes the worktree afterwards. A commit older than
// cmd/plan is planned with the working tree's planner, copied in; notes on that go to log.
func PlanRef(ctx context.Context, root, ref, stack string, log io.Writer) ([]*Plan, error) {
	tool := worktree.Tool{Name: "plan", Stack: stack, Prepare: func(dir string) error {
		if _, err := os.Stat(filepath.Join(dir, "cmd", "plan", "main.go")); err == nil {
			return nil
		}
		fmt.Fprintf(log, "plan: %s has no cmd/plan: planning it with the working tree's planner\n", ref)
		return worktree.CopyPackages(root, dir, "cmd/plan", "engine/plan")
	}}
	return worktree.AtRef(ctx, root, ref, tool, log, func(stdout, stderr []byte, runErr error) ([]*Plan, error) {
		// A base with a policy violation still writes its plan and exits 1: the diff is still wanted.
		plans, err := ReadJSON(stdout)
		if err != nil || (runErr != nil && len(plans) == 0) {
			return nil, fmt.Errorf("plan %s: %v: %s", ref, cmp.Or(runErr, err), bytes.TrimSpace(stderr))
		}
		if runErr != nil {
			fmt.Fprintf(log, "plan: %s: %s\n", ref, bytes.TrimSpace(stderr))
		}
		return plans, nil
	})
}

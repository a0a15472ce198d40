// Package failover plans a move of a stack's writer region while the old writer region is down:
// the config change, the `pulumi up --target` command that touches only resources in healthy
// regions, and the engine's preview of exactly that targeted update.
package failover

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"

	"shopstack/engine"
)

// regionsKey is the config key whose first entry is the writer region.
const regionsKey = "shopstack:regions"

// Plan is a failover of one stack.
type Plan struct {
	Stack         string
	Down          string   // the failed region: the writer until now
	To            string   // the new writer region
	Before, After []string // shopstack:regions
	// Deployed is the stack as its file describes it, updated from empty on the engine: the state
	// the failover starts from.
	Deployed *engine.Result
	// Full is the preview of the config change over every region; Targeted the preview of the
	// update limited to Targets.
	Full, Targeted *engine.Result
	// Targets are the URNs of the resources Full changes outside the failed region; Deferred those
	// it changes inside it, left for `pulumi up` once that region is back.
	Targets, Deferred []string
}

// Prepare plans the move of stack's writer region to region to, with the current writer down.
func Prepare(ctx context.Context, root, stack, to string) (*Plan, error) {
	_, cfg, err := engine.LoadConfig(root, stack)
	if err != nil {
		return nil, err
	}
	before, err := regions(cfg)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(before, to) {
		return nil, fmt.Errorf("failover %s: %s is not one of the regions %s", stack, to, strings.Join(before, ", "))
	}
	if before[0] == to {
		return nil, fmt.Errorf("failover %s: %s is already the writer region", stack, to)
	}
	p := &Plan{Stack: stack, Down: before[0], To: to, Before: before,
		After: append([]string{to}, slices.DeleteFunc(slices.Clone(before), func(r string) bool { return r == to })...)}

	p.Deployed, err = engine.Update(ctx, engine.Options{Root: root, Stack: stack, Config: cfg})
	if err != nil {
		return nil, fmt.Errorf("failover %s: the deployed state: %w", stack, err)
	}
	next, err := cfg.Copy(config.NopDecrypter, config.NopEncrypter)
	if err != nil {
		return nil, err
	}
	if err := engine.SetConfig(next, regionsKey, p.After); err != nil {
		return nil, err
	}
	p.Full, err = engine.Preview(ctx, engine.Options{Root: root, Stack: stack, Config: next, Snapshot: p.Deployed.Snapshot})
	if err != nil {
		return nil, fmt.Errorf("failover %s: preview: %w", stack, err)
	}
	for _, steps := range p.Full.Changes() {
		for _, s := range steps {
			if p.region(s.URN) == p.Down {
				p.Deferred = append(p.Deferred, s.URN)
			} else {
				p.Targets = append(p.Targets, s.URN)
			}
		}
	}
	slices.Sort(p.Targets)
	slices.Sort(p.Deferred)
	p.Targeted, err = engine.Preview(ctx, engine.Options{Root: root, Stack: stack, Config: next, Snapshot: p.Deployed.Snapshot, Targets: p.Targets})
	if err != nil {
		return nil, fmt.Errorf("failover %s: targeted preview: %w", stack, err)
	}
	for _, steps := range p.Targeted.Changes() {
		for _, s := range steps {
			if p.region(s.URN) == p.Down {
				return nil, fmt.Errorf("failover %s: the targeted update would %s %s in %s, which is down", stack, s.Op, s.URN, p.Down)
			}
		}
	}
	return p, nil
}

// region is where a resource's provider deploys: from the state, or the plan for a new one.
func (p *Plan) region(urn string) string {
	if r, ok := p.Deployed.Graph.ByURN(urn); ok {
		return r.Region
	}
	r, _ := p.Full.Graph.ByURN(urn)
	return r.Region
}

// StatefulChanges are the replacements and deletions the targeted update would make: none is
// what a failover may do.
func (p *Plan) StatefulChanges() []engine.Step {
	var out []engine.Step
	for _, op := range []string{"replace", "delete", "create-replacement", "delete-replaced"} {
		out = append(out, p.Targeted.StepsOf(op)...)
	}
	return out
}

// ConfigCommands set the new order of the regions, one index at a time.
func (p *Plan) ConfigCommands() []string {
	var out []string
	for i, r := range p.After {
		if p.Before[i] != r {
			out = append(out, fmt.Sprintf("pulumi config set --path -s %s '%s[%d]' %s", p.Stack, regionsKey, i, r))
		}
	}
	return out
}

// UpCommand is the targeted update, every target quoted.
func (p *Plan) UpCommand() string {
	var b strings.Builder
	fmt.Fprintf(&b, "pulumi up -s %s", p.Stack)
	for _, t := range p.Targets {
		fmt.Fprintf(&b, " \\\n  --target '%s'", t)
	}
	return b.String()
}

// Write prints the plan: the config change, the command, the engine's preview of it and what
// waits for the failed region.
func (p *Plan) Write(w io.Writer) error {
	fmt.Fprintf(w, "Failover of %s: writer region %s (down) -> %s\n\n", p.Stack, p.Down, p.To)
	fmt.Fprintf(w, "1. Config (Pulumi.%s.yaml): %s: [%s] -> [%s]\n", p.Stack, regionsKey, strings.Join(p.Before, ", "), strings.Join(p.After, ", "))
	for _, c := range p.ConfigCommands() {
		fmt.Fprintln(w, "   "+c)
	}
	fmt.Fprintf(w, "\n2. Update the healthy regions only (%d targets):\n\n%s\n\n", len(p.Targets), p.UpCommand())
	fmt.Fprintf(w, "3. The engine's preview of that update:\n\n")
	if err := p.Targeted.Display(w); err != nil {
		return err
	}
	counts := map[string]int{}
	for op, steps := range p.Targeted.Changes() {
		counts[op] = len(steps)
	}
	var parts []string
	for _, op := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%d %s", counts[op], op))
	}
	fmt.Fprintf(w, "\nChanges: %s; replacements and deletions: %d; steps in %s: 0\n", strings.Join(parts, ", "), len(p.StatefulChanges()), p.Down)
	fmt.Fprintf(w, "\n4. Once %s is back, `pulumi up -s %s` makes the %d changes left there:\n", p.Down, p.Stack, len(p.Deferred))
	for _, u := range p.Deferred {
		fmt.Fprintln(w, "   "+u)
	}
	return nil
}

// regions reads shopstack:regions from a stack's config.
func regions(cfg config.Map) ([]string, error) {
	k, err := config.ParseKey(regionsKey)
	if err != nil {
		return nil, err
	}
	v, ok := cfg[k]
	if !ok {
		return nil, errors.New("the stack sets no " + regionsKey)
	}
	raw, err := v.Value(config.NopDecrypter)
	if err != nil {
		return nil, err
	}
	var out []string
	if err := json.Unmarshal([]byte(raw), &out); err != nil || len(out) == 0 {
		return nil, fmt.Errorf("%s: %q is not a list of regions", regionsKey, raw)
	}
	return out, nil
}

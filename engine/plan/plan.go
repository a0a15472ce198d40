// Package plan is shopstack's offline plan: the engine's preview of a stack (the real program on
// Pulumi's engine with stand-in providers and the policy pack as analyzer), rendered as the
// preview's own display followed by a summary per region and component, as JSON, as a diff
// between two plans or as an architecture diagram. Pull requests from forks get no cloud
// credentials, so this is what they can show instead of `pulumi preview`.
package plan

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"

	"shopstack/engine"
)

// Plan is what one stack would deploy, and the policy pack's verdict on it.
type Plan struct {
	Stack     string         `json:"stack"`
	Regions   []string       `json:"regions"`
	Resources []Resource     `json:"resources"` // sorted by URN
	Types     []TypeCount    `json:"types"`     // sorted by type
	Outputs   map[string]any `json:"outputs"`   // unknown values are engine.Unknown
	Policy    Verdict        `json:"policy"`

	result *engine.Result // the engine's preview, for its display; nil for a plan read from JSON
}

// Resource is one registered resource as the plan shows it.
type Resource struct {
	URN    string `json:"urn"`
	Type   string `json:"type"`
	Name   string `json:"name"`
	Region string `json:"region,omitempty"`
	// Parent is the parent's URN, "" for a resource at the top of the stack.
	Parent string `json:"parent,omitempty"`
	// Components are the shopstack:* components above the resource, outermost first: the
	// concern it belongs to.
	Components []string       `json:"components,omitempty"`
	Custom     bool           `json:"custom"`
	Protect    bool           `json:"protect,omitempty"`
	Inputs     map[string]any `json:"inputs,omitempty"`
	// State is the resource's outputs as the engine previewed them (unknown where only a
	// deployment knows them). Not part of the plan's JSON: the stand-in providers make them.
	State map[string]any `json:"-"`
	// Dependencies are the resources whose outputs flow into this one's inputs: the engine's
	// property dependencies. Explicit dependsOn (which the SDK expands to every resource of a
	// component) orders steps and says nothing of data flow, so it is left out.
	Dependencies []string `json:"dependencies,omitempty"`
}

// TypeCount is how many resources of one type the stack declares.
type TypeCount struct {
	Type  string `json:"type"`
	Count int    `json:"count"`
}

// Verdict is the policy pack's result on a plan.
type Verdict struct {
	Mandatory  int         `json:"mandatory"`
	Advisory   int         `json:"advisory"`
	Violations []Violation `json:"violations"`
}

// Violation is one message of one policy rule.
type Violation struct {
	Rule    string `json:"rule"`
	Level   string `json:"level"`
	URN     string `json:"urn,omitempty"` // "" for stack rules
	Message string `json:"message"`
}

// componentPrefix marks shopstack's own components; the plan groups resources by them.
const componentPrefix = "shopstack:"

// Load previews stack with the config of root's Pulumi.<stack>.yaml on the offline engine.
// Invalid config fails before any resource registers, with Pulumi's own message or ours naming
// the key; mandatory policy violations are part of the plan, not an error.
func Load(ctx context.Context, root, stack string) (*Plan, error) {
	res, err := engine.Preview(ctx, engine.Options{Root: root, Stack: stack})
	if res == nil {
		return nil, err
	}
	if err != nil && len(res.Mandatory()) == 0 {
		return nil, err
	}
	return FromResult(res), nil
}

// Deployed is what stack looks like once deployed: an update from empty state on the offline
// engine, where every value is known and components have registered all their resources (a first
// preview has no RestAPI children: the component builds them once its routes are known). The
// diagram draws this.
func Deployed(ctx context.Context, root, stack string) (*Plan, error) {
	res, err := engine.Update(ctx, engine.Options{Root: root, Stack: stack, NoPolicies: true})
	if err != nil {
		return nil, err
	}
	return FromResult(res), nil
}

// FromResult builds the plan of an engine result.
func FromResult(res *engine.Result) *Plan {
	g := res.Graph
	p := &Plan{Stack: g.Stack, Outputs: map[string]any{}, Policy: Verdict{Violations: []Violation{}}, result: res}
	maps.Copy(p.Outputs, g.Outputs)
	byURN := make(map[string]engine.GraphResource, len(g.Resources))
	for _, r := range g.Resources {
		byURN[r.URN] = r
	}
	regions := map[string]bool{}
	counts := map[string]int{}
	for _, r := range g.Resources {
		res := Resource{
			URN: r.URN, Type: r.Type, Name: r.Name, Region: r.Region,
			Custom: r.Custom, Protect: r.Protect, Inputs: r.Inputs, State: r.State,
			Components: components(byURN, r), Dependencies: dependencies(r),
		}
		if _, ok := byURN[r.Parent]; ok {
			res.Parent = r.Parent
		}
		p.Resources = append(p.Resources, res)
		if r.Region != "" {
			regions[r.Region] = true
		}
		counts[r.Type]++
	}
	slices.SortFunc(p.Resources, func(a, b Resource) int { return cmp.Compare(a.URN, b.URN) })
	p.Regions = slices.Sorted(maps.Keys(regions))
	for _, t := range slices.Sorted(maps.Keys(counts)) {
		p.Types = append(p.Types, TypeCount{Type: t, Count: counts[t]})
	}
	for _, v := range res.Violations {
		p.Policy.Violations = append(p.Policy.Violations, Violation{Rule: v.Rule, Level: v.Level, URN: v.URN, Message: v.Message})
		if v.Level == levelMandatory {
			p.Policy.Mandatory++
		} else {
			p.Policy.Advisory++
		}
	}
	return p
}

// dependencies is the union of r's property dependencies, sorted.
func dependencies(r engine.GraphResource) []string {
	set := map[string]bool{}
	for _, deps := range r.PropertyDependencies {
		for _, d := range deps {
			set[d] = true
		}
	}
	delete(set, r.URN)
	if len(set) == 0 {
		return nil
	}
	return slices.Sorted(maps.Keys(set))
}

// levelMandatory is the analyzer's enforcement level that blocks a deployment.
const levelMandatory = "mandatory"

// components lists the shopstack:* components above r, outermost first.
func components(byURN map[string]engine.GraphResource, r engine.GraphResource) []string {
	var chain []string
	seen := map[string]bool{}
	for parent, ok := byURN[r.Parent]; ok && !seen[parent.URN]; parent, ok = byURN[parent.Parent] {
		seen[parent.URN] = true
		if strings.HasPrefix(parent.Type, componentPrefix) {
			chain = append(chain, parent.URN)
		}
	}
	slices.Reverse(chain)
	return chain
}

// Mandatory lists the violations that block a deployment.
func (p *Plan) Mandatory() []Violation {
	var out []Violation
	for _, v := range p.Policy.Violations {
		if v.Level == levelMandatory {
			out = append(out, v)
		}
	}
	return out
}

// resource finds a resource of the plan by URN.
func (p *Plan) resource(urn string) (Resource, bool) {
	i, ok := slices.BinarySearchFunc(p.Resources, urn, func(r Resource, u string) int { return cmp.Compare(r.URN, u) })
	if !ok {
		return Resource{}, false
	}
	return p.Resources[i], true
}

// Package plan is shopstack's offline plan: it runs the real program under the harness's mocks with
// a stack's configuration, evaluates the policy pack on the recorded graph, and renders the result
// as text, JSON, a diff between two plans or an architecture diagram. Pull requests from forks get
// no cloud credentials, so this is what they can show instead of `pulumi preview`.
package plan

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"shopstack/policies"
	"shopstack/stacks"
	"shopstack/tests/harness"
)

// Plan is what one stack would deploy, and the policy pack's verdict on it.
type Plan struct {
	Stack     string         `json:"stack"`
	Regions   []string       `json:"regions"`
	Resources []Resource     `json:"resources"` // sorted by URN
	Types     []TypeCount    `json:"types"`     // sorted by type
	Outputs   map[string]any `json:"outputs"`   // unknown values are harness.Unknown
	Policy    Verdict        `json:"policy"`
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
	// State is the inputs plus what the mocks computed (ids, ARNs); the diagram matches
	// references against it. It is not part of the plan's JSON: the mocks invent it.
	State map[string]any `json:"-"`
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

// restAPIType is the remote API Gateway component: not custom, but the analyzer sees it, so the
// policies do.
const restAPIType = "aws-apigateway:index:RestAPI"

// Load runs stack's program under mocks with the config of root's Pulumi.<stack>.yaml and
// evaluates the policy pack on it. Invalid config fails before any resource registers; the
// error names the key.
func Load(ctx context.Context, engine *policies.Engine, root, stack string) (*Plan, error) {
	config, err := harness.LoadConfig(root, stack)
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", stack, err)
	}
	return Run(ctx, engine, stack, config)
}

// Run is Load with the config given as the program's config map ("shopstack:key" → value).
func Run(ctx context.Context, engine *policies.Engine, stack string, config map[string]string) (*Plan, error) {
	var exported []string
	program := func(pctx *pulumi.Context) error {
		err := stacks.Run(pctx)
		// Record every exported key: the harness only sees the values that resolved, and an
		// output unknown until deployment must still show up, as unknown.
		exported = slices.Collect(maps.Keys(pctx.GetCurrentExportMap()))
		return err
	}
	g, err := harness.Run("shopstack", stack, config, program)
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", stack, err)
	}
	for _, key := range exported {
		if _, ok := g.Outputs[key]; !ok {
			g.Outputs[key] = harness.Unknown
		}
	}
	return FromGraph(ctx, engine, g)
}

// FromGraph builds the plan of a recorded graph.
func FromGraph(ctx context.Context, engine *policies.Engine, g *harness.Graph) (*Plan, error) {
	p := &Plan{Stack: g.Stack, Outputs: map[string]any{}, Policy: Verdict{Violations: []Violation{}}}
	maps.Copy(p.Outputs, g.Outputs)
	byURN := make(map[string]harness.Resource, len(g.Resources))
	for _, r := range g.Resources {
		byURN[r.URN] = r
	}
	regions := map[string]bool{}
	counts := map[string]int{}
	for _, r := range g.Resources {
		res := Resource{
			URN: r.URN, Type: r.Type, Name: r.Name, Region: r.Region,
			Custom: r.Custom, Protect: r.Protect, Inputs: r.Inputs, State: r.State,
			Components: components(byURN, r),
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

	vs, err := engine.Evaluate(ctx, PolicyResources(g))
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", g.Stack, err)
	}
	for _, v := range vs {
		p.Policy.Violations = append(p.Policy.Violations, Violation{Rule: v.Rule, Level: string(v.Level), URN: v.URN, Message: v.Message})
		if v.Level == policies.LevelMandatory {
			p.Policy.Mandatory++
		} else {
			p.Policy.Advisory++
		}
	}
	return p, nil
}

// PolicyResources is what the policy analyzer sees of a graph: every custom resource and the
// remote RestAPI component, with its inputs, but neither providers nor local components.
func PolicyResources(g *harness.Graph) []policies.Resource {
	var out []policies.Resource
	for _, r := range g.Resources {
		if strings.HasPrefix(r.Type, "pulumi:providers:") || (!r.Custom && r.Type != restAPIType) {
			continue
		}
		out = append(out, policies.Resource{Type: r.Type, Name: r.Name, URN: r.URN, Properties: r.Inputs})
	}
	return out
}

// components lists the shopstack:* components above r, outermost first.
func components(byURN map[string]harness.Resource, r harness.Resource) []string {
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
		if v.Level == string(policies.LevelMandatory) {
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

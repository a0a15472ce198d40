package engine

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	pkgresource "github.com/pulumi/pulumi/pkg/v3/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// GraphResource is one resource as the engine holds it.
type GraphResource struct {
	Type     string
	Name     string // logical name
	URN      string
	Parent   string // parent URN; the stack's URN for top-level resources
	Provider string // URN of the provider, "" for components and providers
	// Region is the region of the resource's provider; a component's is its resources' one region
	// ("" when they span several).
	Region  string
	Custom  bool
	Protect bool
	// DependsOn are every resource this one depends on; PropertyDependencies say which input
	// property each dependency flows into: the engine's dependency graph.
	DependsOn            []string
	PropertyDependencies map[string][]string
	Inputs               map[string]any // as the provider checked them, plain JSON-like values
	State                map[string]any // outputs (unknown where only a deployment knows them)
}

// Graph is what one stack's program registered and exported.
type Graph struct {
	Stack     string
	Resources []GraphResource // sorted by URN
	Outputs   map[string]any
}

// stackType is the root resource every Pulumi program registers; its outputs are the exports.
const stackType = "pulumi:pulumi:Stack"

type pengineState struct{ state *pkgresource.State }

func newGraph(stack string, order []resource.URN, states map[resource.URN]*pengineState) (*Graph, error) {
	g := &Graph{Stack: stack, Outputs: map[string]any{}}
	providerRegion := map[string]string{}
	for _, urn := range order {
		s := states[urn].state
		if strings.HasPrefix(string(s.Type), "pulumi:providers:") {
			if r, ok := s.Inputs["region"]; ok && r.IsString() {
				providerRegion[string(s.URN)] = r.StringValue()
			}
		}
	}
	for _, urn := range order {
		s := states[urn].state
		if string(s.Type) == stackType {
			g.Outputs = Plain(s.Outputs)
			continue
		}
		r := GraphResource{
			Type: string(s.Type), Name: s.URN.Name(), URN: string(s.URN), Parent: string(s.Parent),
			Custom: s.Custom, Protect: s.Protect,
			Inputs: Plain(s.Inputs), State: Plain(s.Outputs),
		}
		if _, ok := r.State["id"]; !ok && s.ID != "" && s.Custom {
			r.State["id"] = string(s.ID) // the engine keeps the id beside the outputs; programs read it as one
		}
		if s.Provider != "" {
			ref, err := providerURN(s.Provider)
			if err != nil {
				return nil, fmt.Errorf("resource %s: %w", s.URN, err)
			}
			r.Provider = ref
			r.Region = providerRegion[ref]
		} else if region, ok := providerRegion[string(s.URN)]; ok {
			r.Region = region
		}
		for _, d := range s.Dependencies {
			r.DependsOn = append(r.DependsOn, string(d))
		}
		if len(s.PropertyDependencies) > 0 {
			r.PropertyDependencies = map[string][]string{}
			for k, deps := range s.PropertyDependencies {
				for _, d := range deps {
					r.PropertyDependencies[string(k)] = append(r.PropertyDependencies[string(k)], string(d))
				}
			}
		}
		g.Resources = append(g.Resources, r)
	}
	slices.SortFunc(g.Resources, func(a, b GraphResource) int { return cmp.Compare(a.URN, b.URN) })
	g.componentRegions()
	return g, nil
}

// componentRegions gives each component the region all its custom descendants share.
func (g *Graph) componentRegions() {
	regions := map[string]map[string]bool{}
	index := map[string]int{}
	for i, r := range g.Resources {
		index[r.URN] = i
	}
	for _, r := range g.Resources {
		if !r.Custom || r.Region == "" {
			continue
		}
		for p, ok := index[r.Parent]; ok; p, ok = index[g.Resources[p].Parent] {
			if regions[g.Resources[p].URN] == nil {
				regions[g.Resources[p].URN] = map[string]bool{}
			}
			regions[g.Resources[p].URN][r.Region] = true
		}
	}
	for i, r := range g.Resources {
		if !r.Custom && len(regions[r.URN]) == 1 {
			for region := range regions[r.URN] {
				g.Resources[i].Region = region
			}
		}
	}
	// A component with no resources of its own yet (RestAPI in a first preview registers its
	// children only once its routes are known) is in its parent's region.
	for i, r := range g.Resources {
		if r.Custom || r.Region != "" || strings.HasPrefix(r.Type, "pulumi:providers:") {
			continue
		}
		for p, ok := index[r.Parent]; ok; p, ok = index[g.Resources[p].Parent] {
			if g.Resources[p].Region != "" && len(regions[g.Resources[p].URN]) == 1 {
				g.Resources[i].Region = g.Resources[p].Region
				break
			}
		}
	}
}

// providerURN is the URN part of a provider reference ("urn::id").
func providerURN(ref string) (string, error) {
	i := strings.LastIndex(ref, "::")
	if i < 0 {
		return "", fmt.Errorf("provider reference %q has no id", ref)
	}
	return ref[:i], nil
}

// OfType returns the resources of one type token, in URN order.
func (g *Graph) OfType(typ string) []GraphResource {
	var out []GraphResource
	for _, r := range g.Resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// ByURN finds a resource.
func (g *Graph) ByURN(urn string) (GraphResource, bool) {
	i, ok := slices.BinarySearchFunc(g.Resources, urn, func(r GraphResource, u string) int { return cmp.Compare(r.URN, u) })
	if !ok {
		return GraphResource{}, false
	}
	return g.Resources[i], true
}

// Named finds the resource of a type with a logical name.
func (g *Graph) Named(typ, name string) (GraphResource, error) {
	for _, r := range g.Resources {
		if r.Type == typ && r.Name == name {
			return r, nil
		}
	}
	return GraphResource{}, fmt.Errorf("no %s named %s", typ, name)
}

// Children returns the resources whose parent is urn.
func (g *Graph) Children(urn string) []GraphResource {
	var out []GraphResource
	for _, r := range g.Resources {
		if r.Parent == urn {
			out = append(out, r)
		}
	}
	return out
}

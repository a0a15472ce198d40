package harness

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Resource is one registration the program made.
type Resource struct {
	Type       string
	Name       string // logical name
	URN        string
	Parent     string // parent URN; the stack's URN for top-level resources
	Provider   string // URN of the explicit provider, "" for components
	Region     string // region of the provider (inherited from the parent for components)
	Custom     bool
	Protect    bool
	DependsOn  []string
	Transforms int            // resource transforms declared in the resource's options
	Inputs     map[string]any // as the program sent them, plain JSON-like values
	State      map[string]any // inputs plus what the mocks computed
}

// Graph is everything one stack's program registered and exported.
type Graph struct {
	Stack     string
	Resources []Resource // sorted by URN
	Outputs   map[string]any
}

// Program is a Pulumi program that returns what it built.
type Program func(ctx *pulumi.Context) error

// Run runs program under mocks as stack of project with config, and returns the recorded graph.
// An error from the program (such as invalid config) is returned with the resources recorded
// until then, so callers can assert that nothing was registered.
func Run(project, stack string, config map[string]string, program Program) (*Graph, error) {
	m := newMocks(project, stack)
	outputs := map[string]any{}
	var mu sync.Mutex
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		if err := program(ctx); err != nil {
			return err
		}
		// Applies on plain values are not awaited by RunErr; joined with a registered resource's
		// output they are, so every export is read before the run returns.
		anchor := &exportsAnchor{}
		if err := ctx.RegisterComponentResource(exportsAnchorType, "exports", anchor); err != nil {
			return err
		}
		for key, value := range ctx.GetCurrentExportMap() {
			pulumi.All(anchor.URN(), value).ApplyT(func(v []any) any {
				mu.Lock()
				defer mu.Unlock()
				outputs[key] = jsonValue(v[1])
				return v[1]
			})
		}
		return nil
	}, pulumi.WithMocks(project, stack, m), func(info *pulumi.RunInfo) {
		info.Config = config
	})
	m.mu.Lock()
	defer m.mu.Unlock()
	g := &Graph{Stack: stack, Outputs: outputs}
	for _, r := range m.resources {
		if r.Type != exportsAnchorType {
			g.Resources = append(g.Resources, r)
		}
	}
	sort.Slice(g.Resources, func(i, j int) bool { return g.Resources[i].URN < g.Resources[j].URN })
	return g, err
}

// exportsAnchorType is the harness's own component that the export reads hang on; it is not part
// of the recorded graph.
const exportsAnchorType = "shopstack:harness:Exports"

type exportsAnchor struct{ pulumi.ResourceState }

// RunStack loads root's config for stack and runs program under mocks with it.
func RunStack(root, stack string, program Program) (*Graph, error) {
	config, err := LoadConfig(root, stack)
	if err != nil {
		return nil, err
	}
	return Run("shopstack", stack, config, program)
}

// jsonValue gives an output the shape `pulumi stack output --json` prints: maps, lists, strings,
// numbers and booleans, whatever Go types the program exported.
func jsonValue(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return fmt.Sprint(v)
	}
	return out
}

// OfType returns the resources of one type token, in URN order.
func (g *Graph) OfType(typ string) []Resource {
	var out []Resource
	for _, r := range g.Resources {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// ByURN finds a resource.
func (g *Graph) ByURN(urn string) (Resource, bool) {
	for _, r := range g.Resources {
		if r.URN == urn {
			return r, true
		}
	}
	return Resource{}, false
}

// Named finds the resource of a type with a logical name.
func (g *Graph) Named(typ, name string) (Resource, error) {
	for _, r := range g.Resources {
		if r.Type == typ && r.Name == name {
			return r, nil
		}
	}
	return Resource{}, fmt.Errorf("no %s named %s", typ, name)
}

// Children returns the resources whose parent is urn.
func (g *Graph) Children(urn string) []Resource {
	var out []Resource
	for _, r := range g.Resources {
		if r.Parent == urn {
			out = append(out, r)
		}
	}
	return out
}

// Plain turns a property map into JSON-like Go values: secrets are unwrapped, unknowns become
// Unknown and resource references their URN.
func Plain(props resource.PropertyMap) map[string]any {
	out := make(map[string]any, len(props))
	for k, v := range props {
		out[string(k)] = plainValue(v)
	}
	return out
}

func fileSHA256(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return Unknown
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Unknown stands for a value that is only known after deployment.
const Unknown = "<unknown>"

func plainValue(v resource.PropertyValue) any {
	switch {
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		out := make([]any, len(v.ArrayValue()))
		for i, e := range v.ArrayValue() {
			out[i] = plainValue(e)
		}
		return out
	case v.IsObject():
		return Plain(v.ObjectValue())
	case v.IsSecret():
		return plainValue(v.SecretValue().Element)
	case v.IsComputed():
		return Unknown
	case v.IsOutput():
		if !v.OutputValue().Known {
			return Unknown
		}
		return plainValue(v.OutputValue().Element)
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	case v.IsAsset():
		a := v.AssetValue()
		return map[string]any{"asset": a.Path + a.URI, "hash": a.Hash}
	case v.IsArchive():
		// The archive's bytes, not its path, identify the code: paths differ between machines.
		a := v.ArchiveValue()
		return map[string]any{"archive": filepath.Base(a.Path), "sha256": fileSHA256(a.Path)}
	}
	return fmt.Sprint(v)
}

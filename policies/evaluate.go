// Package policies holds shopstack's policy pack (PulumiPolicy.yaml and the *.rego rules beside
// this file) and evaluates it in Go, giving every rule the input the Pulumi OPA analyzer
// (pulumi/pulumi-policy-opa) gives it, so tests, the offline plan and the engine's analyzer
// (engine/analyzer) enforce what `pulumi preview --policy-pack policies` enforces.
package policies

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"gopkg.in/yaml.v3"
)

// Package is the Rego package every rule file declares; the analyzer requires one per pack.
const Package = "shopstack"

//go:embed *.rego
var ruleFiles embed.FS

//go:embed PulumiPolicy.yaml
var manifest []byte

// Manifest is the pack's PulumiPolicy.yaml.
type Manifest struct {
	Runtime     string `yaml:"runtime"`
	Description string `yaml:"description"`
	Version     string `yaml:"version"` // optional; the engine prefers it to the analyzer's own version
}

// AnalyzedResource is one resource as the analyzer sees it.
type AnalyzedResource struct {
	Type string // Pulumi type token, e.g. "aws:lambda/function:Function"
	Name string // logical name
	URN  string
	// Properties are the resource's input properties: what resource rules see. Values are what
	// the analyzer gets from Pulumi's PropertyMap.Mappable(): JSON-like Go values, except that
	// an unknown is a resource.Computed and a secret a *resource.Secret, which reach Rego
	// through OPA's JSON round trip ({"Element": {"V": ...}}).
	Properties map[string]any
	// Outputs are the resource's output properties: what stack rules see. Nil means the caller
	// recorded only inputs (a graph under mocks), and stack rules see Properties.
	Outputs map[string]any

	Options  Options
	Provider *Provider // nil for a resource without one (a component)

	// Stack rules also see these, as the engine's AnalyzerStackResource carries them.
	Parent               string
	Dependencies         []string
	PropertyDependencies map[string][]string // top-level property name -> URNs its value came from
}

// Options are a resource's options as the analyzer passes them to rules.
type Options struct {
	Protect                 bool
	IgnoreChanges           []string
	DeleteBeforeReplace     *bool
	AdditionalSecretOutputs []string
	AliasURNs               []string
	CustomTimeouts          CustomTimeouts
	Parent                  string
}

// CustomTimeouts are in seconds, as the engine sends them.
type CustomTimeouts struct{ Create, Update, Delete float64 }

// Provider is the provider resource a resource is managed by.
type Provider struct {
	Type, Name, URN string
	Properties      map[string]any // the provider's inputs, converted like Resource.Properties
}

// Level is a rule's enforcement level. As in the analyzer, it follows from the rule name:
// deny_*/stack_deny_* are mandatory, warn_*/stack_warn_* advisory.
type Level string

const (
	LevelMandatory Level = "mandatory"
	LevelAdvisory  Level = "advisory"
)

// Violation is one message of one rule.
type Violation struct {
	Rule    string // rule name, e.g. "deny_lambda_not_arm64"
	Level   Level
	URN     string // the resource's URN; "" for stack rules, which the analyzer reports on the stack
	Message string
}

// Rule describes one rule of the pack, read from its METADATA block.
type Rule struct {
	Name        string
	Level       Level
	Stack       bool   // a stack rule (sees input.resources) rather than a resource rule
	File        string // the .rego file that defines it
	Title       string // METADATA title
	Description string // METADATA description: why the rule exists
	ID          string // custom.id, stable across renames
	Severity    string // custom.severity: low, medium, high or critical
	Message     string // custom.message: how to fix a violation
}

// rulePrefix mirrors the analyzer's recognised rule names; any other rule is a helper.
var rulePrefix = regexp.MustCompile(`^(stack_)?(deny|violation|warn)(_[a-zA-Z0-9]+)*$`)

var severities = []string{"low", "medium", "high", "critical"}

// Engine evaluates the pack. It is safe for concurrent use.
type Engine struct {
	manifest  Manifest
	rules     []Rule
	resources query // every resource rule, bound by name
	stack     query // every stack rule, bound by name
}

type query struct {
	names    []string
	prepared rego.PreparedEvalQuery
}

// New compiles the embedded rules and prepares their queries once. It fails when
// PulumiPolicy.yaml does not declare `runtime: opa`, a rule file does not compile or a rule
// lacks the METADATA the pack requires (title, description, custom.id, custom.severity,
// custom.message).
func New(ctx context.Context) (*Engine, error) {
	var m Manifest
	if err := yaml.Unmarshal(manifest, &m); err != nil {
		return nil, fmt.Errorf("policies: PulumiPolicy.yaml: %w", err)
	}
	if m.Runtime != "opa" {
		return nil, fmt.Errorf("policies: PulumiPolicy.yaml: runtime %q, want opa", m.Runtime)
	}
	compiler, err := compile()
	if err != nil {
		return nil, err
	}
	rules, err := readRules(compiler)
	if err != nil {
		return nil, err
	}
	e := &Engine{manifest: m, rules: rules}
	var resourceRules, stackRules []string
	for _, r := range rules {
		if r.Stack {
			stackRules = append(stackRules, r.Name)
		} else {
			resourceRules = append(resourceRules, r.Name)
		}
	}
	if e.resources, err = prepare(ctx, compiler, resourceRules); err != nil {
		return nil, err
	}
	if e.stack, err = prepare(ctx, compiler, stackRules); err != nil {
		return nil, err
	}
	return e, nil
}

// Rules lists the pack's rules sorted by name.
func (e *Engine) Rules() []Rule { return slices.Clone(e.rules) }

// Manifest returns the pack's PulumiPolicy.yaml.
func (e *Engine) Manifest() Manifest { return e.manifest }

// Evaluate runs every resource rule on each resource and every stack rule once on the whole
// graph, as a preview with the analyzer does. Violations are sorted by URN (stack rules last),
// rule and message.
func (e *Engine) Evaluate(ctx context.Context, resources []AnalyzedResource) ([]Violation, error) {
	var out []Violation
	for _, r := range resources {
		vs, err := e.EvaluateResource(ctx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, vs...)
	}
	vs, err := e.EvaluateStack(ctx, resources)
	if err != nil {
		return nil, err
	}
	out = append(out, vs...)
	slices.SortFunc(out, func(a, b Violation) int {
		return cmp.Or(
			cmp.Compare(boolInt(a.URN == ""), boolInt(b.URN == "")),
			cmp.Compare(a.URN, b.URN),
			cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Message, b.Message),
		)
	})
	return out, nil
}

// EvaluateResource runs every resource rule on r's input properties (the analyzer's Analyze).
func (e *Engine) EvaluateResource(ctx context.Context, r AnalyzedResource) ([]Violation, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	vs, err := e.resources.eval(ctx, Input(r), r.URN, e.rules)
	if err != nil {
		return nil, fmt.Errorf("policies: resource %s: %w", r.URN, err)
	}
	return vs, nil
}

// EvaluateStack runs every stack rule once on the resources' outputs (the analyzer's
// AnalyzeStack). Its violations have URN "": they belong to the stack.
func (e *Engine) EvaluateStack(ctx context.Context, resources []AnalyzedResource) ([]Violation, error) {
	for _, r := range resources {
		if err := r.check(); err != nil {
			return nil, err
		}
	}
	vs, err := e.stack.eval(ctx, StackInput(resources), "", e.rules)
	if err != nil {
		return nil, fmt.Errorf("policies: stack: %w", err)
	}
	return vs, nil
}

func (r AnalyzedResource) check() error {
	if r.Type == "" || r.Name == "" {
		return fmt.Errorf("policies: resource %q: type and name are required", r.URN)
	}
	return nil
}

// Mandatory returns the violations that block a deployment.
func Mandatory(vs []Violation) []Violation {
	var out []Violation
	for _, v := range vs {
		if v.Level == LevelMandatory {
			out = append(out, v)
		}
	}
	return out
}

// Input is the object a resource rule sees for r, built as pulumi-policy-opa builds it
// (cmd/pulumi-analyzer-policy-opa/analyzer.go, buildOPAInput): the metadata type, urn, name,
// options, provider and properties first, then every input property at the top level (a
// property wins a name clash, so input.name is the name property when there is one), then the
// collision-safe __type, __urn, __name, __options, __provider and __properties. provider is {}
// for a resource without one.
func Input(r AnalyzedResource) map[string]any {
	return input(r, r.Properties)
}

// StackInput is the object a stack rule sees, built as pulumi-policy-opa builds it
// (analyzer.go, buildStackOPAInput): {"resources": [...]}, each element the Input of a
// resource's outputs, with options.parent set from Parent when there is one, plus dependencies
// and propertyDependencies when the engine sent them.
func StackInput(resources []AnalyzedResource) map[string]any {
	list := make([]any, 0, len(resources))
	for _, r := range resources {
		props := r.Outputs
		if props == nil {
			props = r.Properties
		}
		obj := input(r, props)
		if r.Parent != "" {
			// __options is the metadata map, which options shares unless a property named
			// options (which wins the clash) replaced it.
			obj["__options"].(map[string]any)["parent"] = r.Parent
		}
		if r.Dependencies != nil {
			obj["dependencies"] = slices.Clone(r.Dependencies)
		}
		if r.PropertyDependencies != nil {
			deps := make(map[string]any, len(r.PropertyDependencies))
			for k, urns := range r.PropertyDependencies {
				deps[k] = slices.Clone(urns)
			}
			obj["propertyDependencies"] = deps
		}
		list = append(list, obj)
	}
	return map[string]any{"resources": list}
}

func input(r AnalyzedResource, props map[string]any) map[string]any {
	if props == nil {
		props = map[string]any{}
	}
	opts := r.Options.object()
	provider := map[string]any{}
	if p := r.Provider; p != nil {
		pprops := p.Properties
		if pprops == nil {
			pprops = map[string]any{}
		}
		provider = map[string]any{"type": p.Type, "name": p.Name, "urn": p.URN, "properties": pprops}
	}
	in := make(map[string]any, len(props)+12)
	in["type"] = r.Type
	in["urn"] = r.URN
	in["name"] = r.Name
	in["options"] = opts
	in["provider"] = provider
	in["properties"] = props
	for k, v := range props {
		in[k] = v
	}
	in["__type"] = r.Type
	in["__urn"] = r.URN
	in["__name"] = r.Name
	in["__options"] = opts
	in["__provider"] = provider
	in["__properties"] = props
	return in
}

// object renders the options as the analyzer does: absent lists are null, customTimeouts
// always has create, update and delete.
func (o Options) object() map[string]any {
	var dbr any
	if o.DeleteBeforeReplace != nil {
		dbr = *o.DeleteBeforeReplace
	}
	return map[string]any{
		"protect":                 o.Protect,
		"ignoreChanges":           list(o.IgnoreChanges),
		"deleteBeforeReplace":     dbr,
		"additionalSecretOutputs": list(o.AdditionalSecretOutputs),
		"aliasURNs":               list(o.AliasURNs),
		"aliases":                 nil,
		"customTimeouts": map[string]any{
			"create": o.CustomTimeouts.Create,
			"update": o.CustomTimeouts.Update,
			"delete": o.CustomTimeouts.Delete,
		},
		"parent": o.Parent,
	}
}

// list is a string list as the analyzer renders it: null when nil.
func list(xs []string) any {
	if xs == nil {
		return nil
	}
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

func compile() (*ast.Compiler, error) {
	modules := map[string]*ast.Module{}
	err := fs.WalkDir(ruleFiles, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := fs.ReadFile(ruleFiles, path)
		if err != nil {
			return err
		}
		// The analyzer parses Rego v0, so each file must opt into v1 with `import rego.v1`.
		m, err := ast.ParseModuleWithOpts(path, string(src), ast.ParserOptions{
			ProcessAnnotation: true,
			RegoVersion:       ast.RegoV0,
		})
		if err != nil {
			return err
		}
		modules[path] = m
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("policies: parse: %w", err)
	}
	compiler := ast.NewCompiler().WithEnablePrintStatements(false)
	if compiler.Compile(modules); compiler.Failed() {
		return nil, fmt.Errorf("policies: compile: %w", compiler.Errors)
	}
	return compiler, nil
}

// readRules lists the rules the analyzer would run and checks their METADATA.
func readRules(c *ast.Compiler) ([]Rule, error) {
	var rules []Rule
	var errs []error
	seen := map[string]bool{}
	ids := map[string]string{}
	annotations := c.GetAnnotationSet()
	for file, m := range c.Modules {
		if pkg := m.Package.Path.String(); pkg != "data."+Package {
			errs = append(errs, fmt.Errorf("%s: package %s, want %s", file, strings.TrimPrefix(pkg, "data."), Package))
			continue
		}
		for _, rule := range m.Rules {
			name := rule.Head.Name.String()
			if !rulePrefix.MatchString(name) {
				continue
			}
			if seen[name] {
				errs = append(errs, fmt.Errorf("%s: rule %s is defined more than once; the pack has one body per rule", file, name))
				continue
			}
			seen[name] = true
			r := Rule{Name: name, File: file, Level: LevelMandatory, Stack: strings.HasPrefix(name, "stack_")}
			if strings.HasPrefix(strings.TrimPrefix(name, "stack_"), "warn") {
				r.Level = LevelAdvisory
			}
			for _, a := range annotations.GetRuleScope(rule) {
				r.Title, r.Description = a.Title, a.Description
				r.ID, _ = a.Custom["id"].(string)
				r.Severity, _ = a.Custom["severity"].(string)
				r.Message, _ = a.Custom["message"].(string)
			}
			if err := r.check(); err != nil {
				errs = append(errs, fmt.Errorf("%s: rule %s: %w", file, name, err))
			}
			if other, ok := ids[r.ID]; ok && r.ID != "" {
				errs = append(errs, fmt.Errorf("%s: rule %s: id %s is already used by %s", file, name, r.ID, other))
			}
			ids[r.ID] = name
			rules = append(rules, r)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("policies: %w", err)
	}
	slices.SortFunc(rules, func(a, b Rule) int { return cmp.Compare(a.Name, b.Name) })
	return rules, nil
}

func (r Rule) check() error {
	var missing []string
	for _, f := range []struct{ key, value string }{
		{"title", r.Title}, {"description", r.Description},
		{"custom.id", r.ID}, {"custom.severity", r.Severity}, {"custom.message", r.Message},
	} {
		if strings.TrimSpace(f.value) == "" {
			missing = append(missing, f.key)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("METADATA lacks %s", strings.Join(missing, ", "))
	}
	if !slices.Contains(severities, r.Severity) {
		return fmt.Errorf("custom.severity %q is not one of %s", r.Severity, strings.Join(severities, ", "))
	}
	return nil
}

// prepare builds one query binding every named rule, so a resource costs one evaluation.
func prepare(ctx context.Context, c *ast.Compiler, names []string) (query, error) {
	q := query{names: names}
	if len(names) == 0 {
		return q, nil
	}
	body := make([]string, len(names))
	for i, n := range names {
		body[i] = fmt.Sprintf("%s := data.%s.%s", n, Package, n)
	}
	pq, err := rego.New(
		rego.Compiler(c),
		rego.Query(strings.Join(body, "; ")),
	).PrepareForEval(ctx)
	if err != nil {
		return q, fmt.Errorf("policies: prepare: %w", err)
	}
	q.prepared = pq
	return q, nil
}

// eval runs the query on input. The input goes in as a Go value, so OPA converts it as it does
// for the analyzer's rego.Input: a JSON round trip, then ast.InterfaceToValue.
func (q query) eval(ctx context.Context, input map[string]any, urn string, rules []Rule) ([]Violation, error) {
	if len(q.names) == 0 {
		return nil, nil
	}
	rs, err := q.prepared.Eval(ctx, rego.EvalInput(input))
	if err != nil {
		return nil, err
	}
	if len(rs) != 1 {
		return nil, fmt.Errorf("query returned %d results, want 1", len(rs))
	}
	var out []Violation
	for _, name := range q.names {
		msgs, _ := rs[0].Bindings[name].([]any)
		for _, m := range msgs {
			msg, ok := m.(string)
			if !ok {
				msg = fmt.Sprintf("%v", m) // as the analyzer renders a non-string message
			}
			out = append(out, Violation{Rule: name, Level: levelOf(rules, name), URN: urn, Message: msg})
		}
	}
	return out, nil
}

func levelOf(rules []Rule, name string) Level {
	i, _ := slices.BinarySearchFunc(rules, name, func(r Rule, n string) int { return cmp.Compare(r.Name, n) })
	return rules[i].Level
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

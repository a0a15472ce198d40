// Package analyzer runs shopstack's policy pack as the Pulumi engine's analyzer. It stands in
// for the pulumi-policy-opa plugin (github.com/pulumi/pulumi-policy-opa), which cannot be
// installed here, and gives every rule the input that plugin gives it, built from the same
// engine requests; the rules themselves run in policies.Engine. What it models, and where in
// pulumi-policy-opa it was read (cmd/pulumi-analyzer-policy-opa/):
//
//   - analyzer.go Analyze: resource rules see the resource's input properties, as the plugin's
//     buildOPAInput lays them out (policies.Input); the diagnostics carry the resource's URN.
//   - analyzer.go AnalyzeStack: stack rules see {"resources": [...]}, one element per resource
//     the engine sends, built by buildStackOPAInput from the resource's outputs (the engine's
//     step_generator.go AnalyzeResources sends outputs), with dependencies and
//     propertyDependencies; the diagnostics carry the root stack's URN.
//   - analyzer.go Analyze takes r.Properties.Mappable() of the properties the plugin's gRPC
//     server decoded. wire reproduces that path with Pulumi's own code, so an unknown value
//     reaches a rule as resource.Computed ({"Element": {"V": ""}} after OPA's JSON round trip)
//     and a secret as *resource.Secret, unwrapped by nothing.
//   - policy.go: deny_*/violation_* and stack_deny_*/stack_violation_* rules are mandatory,
//     warn_*/stack_warn_* advisory; the pack's name is the Rego package; a policy's display
//     name is its file's name without .rego, and it has no description or message.
//   - analyzer.go Configure and eval.go configuredEnforcementLevel: a configured level
//     (advisory, mandatory or disabled; per policy, else "all") replaces the rule's own, and a
//     disabled rule reports nothing.
//
// What the engine's own plugin client (pkg/v3 resource/plugin/analyzer_plugin.go) adds over
// gRPC, it adds here too, since nothing sits between the engine and this analyzer: the
// PulumiPolicy.yaml version replaces the plugin's on diagnostics and info, its description fills
// an empty one, policies come sorted by name with an enforcementLevel config schema, and a
// configured level shows in GetAnalyzerInfo.
package analyzer

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	sdkplugin "github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/propertyrpc"

	"shopstack/policies"
)

// Version is the pulumi-policy-opa release the pack is written for, and the one the stand-in
// models and reports: v0.2.0 is the first with what the rules rely on (stack_deny_*/stack_warn_*
// rules on input.resources, the __type/__name/__urn fields, digits in rule names, configured
// enforcement levels; its CHANGELOG). The workflows install exactly this release before Pulumi
// runs (tests/policypack_test.go checks they agree).
const Version = "0.2.0"

// MinimumPulumiCLI is the oldest Pulumi CLI that installs the analyzer of a `runtime: opa` pack
// itself when it is missing (pulumi/pulumi PR 22196, in v3.227.0), so no manual
// `pulumi plugin install` is needed to find it.
const MinimumPulumiCLI = "3.227.0"

// Analyzer is the policy pack as a plugin.Analyzer. It is safe for concurrent use: the engine
// analyzes resources in parallel.
type Analyzer struct {
	pack *policies.Engine

	mu     sync.RWMutex
	config map[string]plugin.AnalyzerPolicyConfig // from Configure
}

var _ plugin.Analyzer = (*Analyzer)(nil)

// New returns the policy pack as a plugin.Analyzer, for the engine to load through
// deploytest.NewAnalyzerLoader(<absolute path of the policies folder>, ...).
func New(pack *policies.Engine) plugin.Analyzer {
	return &Analyzer{pack: pack}
}

// Name is the pack's name: its Rego package.
func (a *Analyzer) Name() tokens.QName { return tokens.QName(policies.Package) }

// Analyze runs the resource rules on one resource's inputs, unknowns included in a preview.
func (a *Analyzer) Analyze(ctx context.Context, r plugin.AnalyzerResource) (plugin.AnalyzeResponse, error) {
	res, err := convert(r)
	if err != nil {
		return plugin.AnalyzeResponse{}, fmt.Errorf("analyzer: %s: %w", r.URN, err)
	}
	vs, err := a.pack.EvaluateResource(ctx, res)
	if err != nil {
		return plugin.AnalyzeResponse{}, fmt.Errorf("analyzer: %w", err)
	}
	return plugin.AnalyzeResponse{Diagnostics: a.diagnostics(vs, r.URN)}, nil
}

// AnalyzeStack runs the stack rules once on every resource's outputs. Like the plugin, it
// reports on the root stack's URN, derived from the first resource.
func (a *Analyzer) AnalyzeStack(ctx context.Context, rs []plugin.AnalyzerStackResource) (plugin.AnalyzeResponse, error) {
	if !slices.ContainsFunc(a.pack.Rules(), func(r policies.Rule) bool { return r.Stack }) {
		return plugin.AnalyzeResponse{}, nil
	}
	resources := make([]policies.AnalyzedResource, 0, len(rs))
	for _, r := range rs {
		res, err := convert(r.AnalyzerResource)
		if err != nil {
			return plugin.AnalyzeResponse{}, fmt.Errorf("analyzer: stack: %s: %w", r.URN, err)
		}
		res.Outputs, res.Properties = res.Properties, nil // the engine sends outputs here
		res.Parent = string(r.Parent)
		res.Dependencies = urnStrings(r.Dependencies)
		// The SDK server always builds this map, leaving out properties without dependencies.
		res.PropertyDependencies = map[string][]string{}
		for k, urns := range r.PropertyDependencies {
			if len(urns) > 0 {
				res.PropertyDependencies[string(k)] = urnStrings(urns)
			}
		}
		resources = append(resources, res)
	}
	vs, err := a.pack.EvaluateStack(ctx, resources)
	if err != nil {
		return plugin.AnalyzeResponse{}, fmt.Errorf("analyzer: %w", err)
	}
	var stack resource.URN
	if len(rs) > 0 {
		stack = resource.DefaultRootStackURN(rs[0].URN.Stack(), rs[0].URN.Project())
	}
	return plugin.AnalyzeResponse{Diagnostics: a.diagnostics(vs, stack)}, nil
}

// Remediate changes nothing: the plugin does not remediate.
func (a *Analyzer) Remediate(context.Context, plugin.AnalyzerResource) (plugin.RemediateResponse, error) {
	return plugin.RemediateResponse{}, nil
}

// GetAnalyzerInfo lists every rule of the pack with its enforcement level and kind.
func (a *Analyzer) GetAnalyzerInfo(context.Context) (plugin.AnalyzerInfo, error) {
	rules := a.pack.Rules()
	infos := make([]plugin.AnalyzerPolicyInfo, 0, len(rules))
	for _, r := range rules {
		kind := plugin.AnalyzerPolicyTypeResource
		if r.Stack {
			kind = plugin.AnalyzerPolicyTypeStack
		}
		level := a.level(r)
		if level == "" {
			level = apiLevel(r.Level)
		}
		infos = append(infos, plugin.AnalyzerPolicyInfo{
			Name:             r.Name,
			DisplayName:      strings.TrimSuffix(path.Base(r.File), ".rego"),
			EnforcementLevel: level,
			Type:             kind,
			ConfigSchema: &plugin.AnalyzerPolicyConfigSchema{Properties: map[string]plugin.JSONSchema{
				"enforcementLevel": {"type": "string", "enum": []string{"advisory", "mandatory", "remediate", "disabled"}},
			}},
		})
	}
	slices.SortFunc(infos, func(x, y plugin.AnalyzerPolicyInfo) int { return strings.Compare(x.Name, y.Name) })
	m := a.pack.Manifest()
	return plugin.AnalyzerInfo{
		Name:           policies.Package,
		Version:        m.Version,
		Description:    m.Description,
		SupportsConfig: true,
		Policies:       infos,
	}, nil
}

// GetPluginInfo reports the stand-in's plugin version.
func (a *Analyzer) GetPluginInfo(context.Context) (plugin.PluginInfo, error) {
	v := semver.MustParse(Version)
	return plugin.PluginInfo{Version: &v}, nil
}

// Configure keeps each policy's configured enforcement level. It fails, as the plugin does, on a
// level other than advisory, mandatory or disabled.
func (a *Analyzer) Configure(_ context.Context, config map[string]plugin.AnalyzerPolicyConfig) error {
	for name, c := range config {
		switch c.EnforcementLevel {
		case "", apitype.Advisory, apitype.Mandatory, apitype.Disabled:
		default:
			return fmt.Errorf("analyzer: invalid enforcement level %q for policy %q", c.EnforcementLevel, name)
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.config = config
	return nil
}

// Cancel has nothing to stop: an evaluation ends with its context.
func (a *Analyzer) Cancel(context.Context) error { return nil }

// Close releases nothing.
func (a *Analyzer) Close() error { return nil }

// diagnostics maps violations to the engine's diagnostics, applying configured levels.
func (a *Analyzer) diagnostics(vs []policies.Violation, urn resource.URN) []plugin.AnalyzeDiagnostic {
	version := Version
	if m := a.pack.Manifest(); m.Version != "" {
		version = m.Version
	}
	var out []plugin.AnalyzeDiagnostic
	for _, v := range vs {
		level := a.level(policies.Rule{Name: v.Rule})
		if level == "" {
			level = apiLevel(v.Level)
		}
		if level == apitype.Disabled {
			continue
		}
		out = append(out, plugin.AnalyzeDiagnostic{
			PolicyName:        v.Rule,
			PolicyPackName:    policies.Package,
			PolicyPackVersion: version,
			Message:           v.Message,
			EnforcementLevel:  level,
			URN:               urn,
		})
	}
	return out
}

// level is the configured enforcement level of rule r: its own, else the pack-wide "all", else "".
func (a *Analyzer) level(r policies.Rule) apitype.EnforcementLevel {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if c, ok := a.config[r.Name]; ok && c.EnforcementLevel != "" {
		return c.EnforcementLevel
	}
	return a.config["all"].EnforcementLevel
}

func apiLevel(l policies.Level) apitype.EnforcementLevel {
	if l == policies.LevelAdvisory {
		return apitype.Advisory
	}
	return apitype.Mandatory
}

// convert turns an engine request into the resource the rules see, its properties in Properties.
func convert(r plugin.AnalyzerResource) (policies.AnalyzedResource, error) {
	props, err := wire(r.Properties)
	if err != nil {
		return policies.AnalyzedResource{}, err
	}
	res := policies.AnalyzedResource{
		Type:       string(r.Type),
		Name:       r.Name,
		URN:        string(r.URN),
		Properties: props,
		Options:    options(r.Options),
	}
	if p := r.Provider; p != nil {
		pprops, err := wire(p.Properties)
		if err != nil {
			return policies.AnalyzedResource{}, fmt.Errorf("provider: %w", err)
		}
		res.Provider = &policies.Provider{Type: string(p.Type), Name: p.Name, URN: string(p.URN), Properties: pprops}
	}
	return res, nil
}

// wire gives props the form the plugin hands to OPA: the engine's client filters and marshals
// them (analyzer_plugin.go, Analyze/AnalyzeStack), the plugin's SDK server unmarshals them
// keeping unknowns and secrets (sdk analyzer_server.go), and the plugin takes Mappable(). Every
// unknown crosses the wire as the unknown-string sentinel and comes back as
// resource.Computed{Element: ""}; a resource reference comes back as its ID (or URN).
func wire(props property.Map) (map[string]any, error) {
	filtered, err := plugin.FilterProperties(props,
		plugin.FilterOptions{KeepUnknowns: true, KeepSecrets: true, SkipInternalKeys: true})
	if err != nil {
		return nil, err
	}
	decoded, err := sdkplugin.UnmarshalProperties(propertyrpc.Marshal(filtered),
		sdkplugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipInternalKeys: true})
	if err != nil {
		return nil, err
	}
	return decoded.Mappable(), nil
}

// options are the resource options as they reach the plugin: the engine's client sends every
// alias as a URN (marshalResourceOptions), and the SDK server (convertResourceOptions) turns
// empty lists into nil and deleteBeforeReplace into true or nil.
func options(o plugin.AnalyzerResourceOptions) policies.Options {
	var dbr *bool
	if o.DeleteBeforeReplace != nil && *o.DeleteBeforeReplace {
		t := true
		dbr = &t
	}
	var aliases []string
	for _, al := range o.Aliases {
		aliases = append(aliases, string(al.GetURN()))
	}
	aliases = append(aliases, urnStrings(o.AliasURNs)...)
	var secrets []string
	for _, k := range o.AdditionalSecretOutputs {
		secrets = append(secrets, string(k))
	}
	return policies.Options{
		Protect:                 o.Protect,
		IgnoreChanges:           nonEmpty(o.IgnoreChanges),
		DeleteBeforeReplace:     dbr,
		AdditionalSecretOutputs: nonEmpty(secrets),
		AliasURNs:               nonEmpty(aliases),
		CustomTimeouts: policies.CustomTimeouts{
			Create: o.CustomTimeouts.Create,
			Update: o.CustomTimeouts.Update,
			Delete: o.CustomTimeouts.Delete,
		},
		Parent: string(o.Parent),
	}
}

func urnStrings(urns []resource.URN) []string {
	if len(urns) == 0 {
		return nil
	}
	out := make([]string, len(urns))
	for i, u := range urns {
		out[i] = string(u)
	}
	return out
}

func nonEmpty(xs []string) []string {
	if len(xs) == 0 {
		return nil
	}
	return slices.Clone(xs)
}

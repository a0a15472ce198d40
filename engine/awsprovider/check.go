package awsprovider

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sort"

	"github.com/pulumi/pulumi/pkg/v3/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// defaultsKey is where the bridge records which inputs it filled in itself, so that a later Check
// reuses them rather than generating new ones (pulumi-terraform-bridge schema.go, "__defaults").
const defaultsKey = "__defaults"

// check validates a resource's inputs as the bridged provider does and fills in its autoname.
// Unknown values (previews) pass every test that needs their value.
func (p *provider) check(_ context.Context, req plugin.CheckRequest) (plugin.CheckResponse, error) {
	req.Type = typeOf(req.URN, req.Type)
	t, ok := sdkTypes[req.Type]
	if !ok {
		// pulumi-terraform-bridge provider.go Check: "unrecognized resource type (Check): %s".
		return plugin.CheckResponse{}, fmt.Errorf("unrecognized resource type (Check): %s", req.Type)
	}
	news := req.NewInputs.Delete(defaultsKey)
	var failures []plugin.CheckFailure
	fail := func(prop, format string, args ...any) {
		failures = append(failures, plugin.CheckFailure{
			Property: resource.PropertyKey(prop),
			Reason:   fmt.Sprintf(format, args...) + fmt.Sprintf(". Examine values at '%s.%s'.", req.Name, prop),
		})
	}

	for _, path := range undeclared(t.inputType(), news, "") {
		// Terraform's config validation: "Invalid or unknown key", adapted by the bridge.
		fail(path, "Invalid or unknown key")
	}
	for _, name := range missingRequired(t, news) {
		fail(name, "Missing required argument")
	}

	var defaulted []string
	if rule := autonameFor(req.Type, t); rule != nil {
		name, err := p.autoname(req, *rule, news)
		if err != nil {
			fail(rule.property, "%v", err)
		} else if name != "" {
			news = news.Set(rule.property, property.New(name))
			defaulted = append(defaulted, rule.property)
		}
	}
	if limit, ok := nameLimits[req.Type]; ok {
		if reason := limit.violation(news); reason != "" {
			fail(limit.property, "%s", reason)
		}
	}

	sort.Slice(failures, func(i, j int) bool { return failures[i].Property < failures[j].Property })
	recorded := make([]property.Value, len(defaulted))
	for i, k := range defaulted {
		recorded[i] = property.New(k)
	}
	news = news.Set(defaultsKey, property.New(recorded))
	return plugin.CheckResponse{Properties: news, Failures: failures}, nil
}

// autoname is the generated physical name, or "" when the program set one (or set a namePrefix,
// which conflicts with name so the bridge gives it no default; Terraform makes the name).
func (p *provider) autoname(req plugin.CheckRequest, rule autoname, news property.Map) (string, error) {
	if v, ok := news.GetOk(rule.property); ok && !v.IsNull() {
		return "", nil
	}
	if v, ok := news.GetOk("namePrefix"); ok && !v.IsNull() {
		return "", nil
	}
	// Bridge: "If there is an old value for property and that value was a default value, use the
	// old value. This ensures that non-deterministic defaults (e.g. autonames) are not recalculated."
	if old := req.OldInputs.Get(rule.property); old.IsString() && wasDefaulted(req.OldInputs, rule.property) {
		return old.AsString(), nil
	}
	if a := req.Autonaming; a != nil {
		// The engine's autonaming configuration (pulumi-terraform-bridge info/autonaming.go).
		if a.Mode == plugin.AutonamingModeDisabled {
			return "", fmt.Errorf("automatic naming is disabled but no explicit name is provided for %s", rule.property)
		}
		return a.ProposedName, nil
	}
	// The bridge seeds the suffix with the engine's random seed, which differs on every first
	// registration; the URN makes it repeatable here, and olds keep it across updates either way.
	name, err := resource.NewUniqueName([]byte(req.URN), req.URN.Name()+"-", 7, rule.maxLength, nil)
	if err != nil {
		return "", fmt.Errorf("could not make instance of '%v': %w", req.Type, err)
	}
	if rule.transform != nil {
		name = rule.transform(name, news)
	}
	return name, nil
}

// wasDefaulted reports whether checked inputs record key as filled in by the provider.
func wasDefaulted(inputs property.Map, key string) bool {
	v := inputs.Get(defaultsKey)
	return v.IsArray() && slices.ContainsFunc(v.AsArray().AsSlice(), func(e property.Value) bool {
		return e.IsString() && e.AsString() == key
	})
}

// violation says why the inputs' physical name breaks the limit, or "". A namePrefix is judged by
// the longest name Terraform makes from it.
func (l nameLimit) violation(inputs property.Map) string {
	if v := inputs.Get(l.property); v.IsString() && len(v.AsString()) > l.max {
		return fmt.Sprintf("%s %q is %d characters; the limit is %d (%s)", l.property, v.AsString(), len(v.AsString()), l.max, l.source)
	}
	if v := inputs.Get("namePrefix"); l.property == "name" && v.IsString() && len(v.AsString())+prefixedSuffixLength > l.max {
		return fmt.Sprintf("namePrefix %q plus Terraform's %d-character suffix exceeds the limit of %d (%s)",
			v.AsString(), prefixedSuffixLength, l.max, l.source)
	}
	return ""
}

// undeclared lists the input paths the SDK type does not declare, descending into nested objects
// whose SDK type is a struct. Map-typed inputs (tags, environment variables) take any key.
func undeclared(t reflect.Type, inputs property.Map, prefix string) []string {
	declared := taggedFields(t)
	var out []string
	for key, v := range inputs.AllStable {
		path := prefix + key
		if !slices.Contains(declared, key) {
			out = append(out, path)
			continue
		}
		ft, _ := fieldType(t, key)
		out = append(out, undeclaredIn(ft, v, path)...)
	}
	return out
}

func undeclaredIn(t reflect.Type, v property.Value, path string) []string {
	t = elem(t)
	switch {
	case v.IsMap() && t.Kind() == reflect.Struct:
		return undeclared(t, v.AsMap(), path+".")
	case v.IsArray() && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		var out []string
		for i, e := range v.AsArray().All {
			out = append(out, undeclaredIn(t.Elem(), e, fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	}
	return nil
}

// missingRequired lists required inputs the program left out. The SDK declares a required scalar
// input as a plain value (string) and an optional one as a pointer (*string); collections and
// archives cannot be told apart and are not judged.
func missingRequired(t sdkType, inputs property.Map) []string {
	st := t.inputType()
	var out []string
	for i := range st.NumField() {
		f := st.Field(i)
		name, ok := pulumiTag(f)
		if !ok {
			continue
		}
		switch f.Type.Kind() {
		case reflect.String, reflect.Bool, reflect.Int, reflect.Float64:
		default:
			continue
		}
		if v, ok := inputs.GetOk(name); !ok || v.IsNull() {
			out = append(out, name)
		}
	}
	return out
}

// typeOf is a request's resource type: the engine's in-process calls leave Type empty, and a
// provider over gRPC reads it from the URN as well (pulumi-terraform-bridge reads urn.Type()).
func typeOf(urn resource.URN, typ tokens.Type) tokens.Type {
	if typ != "" {
		return typ
	}
	return urn.Type()
}

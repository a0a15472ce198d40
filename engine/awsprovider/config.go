package awsprovider

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"

	"github.com/pulumi/pulumi/pkg/v3/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
)

// engineConfigKeys are provider inputs the engine itself writes (pkg/resource/deploy/providers
// registry.go: "version" stays at the top level); the bridge accepts them.
var engineConfigKeys = []string{"version"}

// forcesProviderReplace are the provider config keys whose change replaces the provider and so,
// cascading, every resource it manages: pulumi-aws PR 4000 marks `region` ForcesProviderReplace,
// which stays in the 6.x line (pulumi-aws PR 5656, to drop it, was closed; v7 removed it).
var forcesProviderReplace = []string{"region"}

// checkConfig rejects provider config keys pulumi-aws does not declare, as the bridge does
// ("could not validate provider configuration: Invalid or unknown key", pulumi-terraform-bridge
// check_failures.go), and requires a region: pulumi-aws reads it from config or the AWS_REGION
// environment, and nothing here sets the latter.
func (p *provider) checkConfig(_ context.Context, req plugin.CheckConfigRequest) (plugin.CheckConfigResponse, error) {
	known := append(taggedFields(providerConfig.ElementType()), engineConfigKeys...)
	var failures []plugin.CheckFailure
	for key := range req.News.AllStable {
		if !slices.Contains(known, key) {
			failures = append(failures, plugin.CheckFailure{
				Property: resource.PropertyKey(key),
				Reason: fmt.Sprintf("could not validate provider configuration: Invalid or unknown key. Examine values at '%s.%s'.",
					req.Name, key),
			})
		}
	}
	if region := req.News.Get("region"); !region.IsComputed() && (!region.IsString() || region.AsString() == "") {
		failures = append(failures, plugin.CheckFailure{
			Property: "region",
			Reason:   "Missing required property 'region': the region where AWS operations will take place",
		})
	}
	return plugin.CheckConfigResponse{Properties: req.News, Failures: failures}, nil
}

// diffConfig compares old and new provider inputs as the bridge's configDiffer does
// (pulumi-terraform-bridge pkg/tfbridge/provider.go): every changed key is an update, except a
// ForcesProviderReplace key, which replaces, unless the old inputs lack it altogether (state
// written by old CLIs; pulumi-aws issue 3826). Any other change, such as defaultTags, updates the
// provider in place; its resources then see new tagsAll in their own Diff.
func (p *provider) diffConfig(_ context.Context, req plugin.DiffConfigRequest) (plugin.DiffConfigResponse, error) {
	diff := diffInputs(req.OldInputs, req.NewInputs, req.IgnoreChanges)
	for _, key := range forcesProviderReplace {
		if _, changed := diff.changed[key]; changed && req.OldInputs.Get(key).IsString() {
			diff.replace = append(diff.replace, key)
		}
	}
	return diff.result(false), nil
}

// configure keeps what resources need: the region (in every ARN) and the default tags (merged into
// every tagsAll).
func (p *provider) configure(_ context.Context, req plugin.ConfigureRequest) (plugin.ConfigureResponse, error) {
	if v := req.Inputs.Get("region"); v.IsString() {
		p.region = v.AsString()
	}
	tags, err := defaultTags(req.Inputs.Get("defaultTags"))
	if err != nil {
		return plugin.ConfigureResponse{}, err
	}
	p.defaultTags = tags
	return plugin.ConfigureResponse{}, nil
}

// defaultTags reads defaultTags.tags. Object-typed provider config may arrive JSON-encoded, which
// the bridge decodes (pulumi-terraform-bridge config_encoding.go).
func defaultTags(v property.Value) (map[string]string, error) {
	if v.IsString() {
		var decoded struct {
			Tags map[string]string `json:"tags"`
		}
		if err := json.Unmarshal([]byte(v.AsString()), &decoded); err != nil {
			return nil, fmt.Errorf("defaultTags: %w", err)
		}
		return decoded.Tags, nil
	}
	if !v.IsMap() {
		return nil, nil
	}
	return stringMap(v.AsMap().Get("tags")), nil
}

// stringMap is the known string entries of a map value.
func stringMap(v property.Value) map[string]string {
	if !v.IsMap() {
		return nil
	}
	out := map[string]string{}
	for k, e := range v.AsMap().All {
		if e.IsString() {
			out[k] = e.AsString()
		}
	}
	return out
}

// inputDiff is the top-level keys that differ between two input maps, and those that replace.
type inputDiff struct {
	changed map[string]plugin.DiffKind
	replace []string
}

// diffInputs compares top-level inputs; an unknown new value counts as a change, as the bridge's
// DiffIncludeUnknowns does. Keys in ignoreChanges are left out.
func diffInputs(olds, news property.Map, ignoreChanges []string) inputDiff {
	d := inputDiff{changed: map[string]plugin.DiffKind{}}
	keys := map[string]bool{}
	for k := range olds.All {
		keys[k] = true
	}
	for k := range news.All {
		keys[k] = true
	}
	for k := range keys {
		if slices.Contains(ignoreChanges, k) || k == defaultsKey {
			continue
		}
		o, hasOld := olds.GetOk(k)
		n, hasNew := news.GetOk(k)
		hasOld, hasNew = hasOld && !o.IsNull(), hasNew && !n.IsNull()
		switch {
		case hasOld && !hasNew:
			d.changed[k] = plugin.DiffDelete
		case !hasOld && hasNew:
			d.changed[k] = plugin.DiffAdd
		case hasOld && !o.Equals(n):
			d.changed[k] = plugin.DiffUpdate
		}
	}
	return d
}

// result is the engine's view of the diff: the changed keys, the replacing ones, and a detailed
// diff marking replacements.
func (d inputDiff) result(deleteBeforeReplace bool) plugin.DiffResult {
	if len(d.changed) == 0 {
		return plugin.DiffResult{Changes: plugin.DiffNone}
	}
	res := plugin.DiffResult{Changes: plugin.DiffSome, DetailedDiff: map[string]plugin.PropertyDiff{}}
	for k, kind := range d.changed {
		res.ChangedKeys = append(res.ChangedKeys, resource.PropertyKey(k))
		if slices.Contains(d.replace, k) {
			kind = kind.AsReplace()
		}
		res.DetailedDiff[k] = plugin.PropertyDiff{Kind: kind, InputDiff: true}
	}
	sort.Slice(res.ChangedKeys, func(i, j int) bool { return res.ChangedKeys[i] < res.ChangedKeys[j] })
	replace := slices.Clone(d.replace)
	sort.Strings(replace)
	for _, k := range replace {
		res.ReplaceKeys = append(res.ReplaceKeys, resource.PropertyKey(k))
	}
	res.DeleteBeforeReplace = len(replace) > 0 && deleteBeforeReplace
	return res
}
